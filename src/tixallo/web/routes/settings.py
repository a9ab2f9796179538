"""Settings (owners and admins only): API keys, inboxes, members, the workspace."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from tixallo import clock
from tixallo.auth import service as auth
from tixallo.config import Settings
from tixallo.errors import Forbidden, NotFound, TixalloError
from tixallo.web import sessions
from tixallo.web.deps import AdminAgent, db_of, field, form_of, public_base_url
from tixallo.web.sessions import Agent
from tixallo.web.templating import render
from tixallo.workspaces import invites, roles
from tixallo.workspaces import service as workspaces

router = APIRouter(prefix="/settings")


def _settings(request: Request) -> Settings:
    settings: Settings = request.state.settings
    return settings


async def _done(request: Request, agent: Agent, message: str, target: str) -> Response:
    async with db_of(request).transaction() as session:
        await sessions.set_flash(session, agent.session, message)
    return RedirectResponse(target, status_code=303)


@router.get("")
async def settings_home(agent: AdminAgent) -> Response:
    return RedirectResponse("/settings/keys", status_code=303)


# --- API keys ------------------------------------------------------------------------------


async def _keys_page(
    request: Request, agent: Agent, *, status_code: int = 200, **extra: Any
) -> Response:
    async with db_of(request).transaction(write=False) as session:
        keys = await auth.list_keys(session, agent.ctx)
    return render(
        request,
        "settings/keys.html",
        agent=agent,
        status_code=status_code,
        keys=keys,
        now=clock.now(),
        default_rate=_settings(request).rate_limit,
        **extra,
    )


@router.get("/keys")
async def keys(request: Request, agent: AdminAgent) -> Response:
    return await _keys_page(request, agent)


@router.post("/keys")
async def create_key(request: Request, agent: AdminAgent) -> Response:
    """The new key is in this response only (not a redirect): it is never shown again."""
    form = await form_of(request)
    scopes = [s for s in form.getlist("scopes") if isinstance(s, str)]
    try:
        async with db_of(request).transaction() as session:
            created = await auth.create_key(
                session,
                agent.ctx,
                name=field(form, "name"),
                scopes=scopes,
                rate_limit=field(form, "rate_limit").strip() or None,
            )
    except TixalloError as exc:
        return await _keys_page(
            request, agent, status_code=400, error=exc.message, form_name=field(form, "name")
        )
    return await _keys_page(request, agent, new_key=created)


@router.post("/keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: str, agent: AdminAgent) -> Response:
    async with db_of(request).transaction() as session:
        revoked = await auth.revoke_key(session, agent.ctx, key_id)
    return await _done(request, agent, f"Key {revoked.prefix}… revoked.", "/settings/keys")


@router.post("/keys/{key_id}/rotate")
async def rotate_key(request: Request, key_id: str, agent: AdminAgent) -> Response:
    form = await form_of(request)
    grace = timedelta(
        seconds=0 if field(form, "now") else _settings(request).key_rotation_grace_seconds
    )
    try:
        async with db_of(request).transaction() as session:
            created = await auth.rotate_key(session, agent.ctx, key_id, grace=grace)
    except NotFound:
        raise
    except TixalloError as exc:
        return await _keys_page(request, agent, status_code=400, error=exc.message)
    return await _keys_page(request, agent, new_key=created, rotated=True)


# --- inboxes -------------------------------------------------------------------------------


async def _inboxes_page(
    request: Request, agent: Agent, *, status_code: int = 200, **extra: Any
) -> Response:
    async with db_of(request).transaction(write=False) as session:
        inboxes = await workspaces.list_inboxes(session, agent.ctx)
    return render(
        request,
        "settings/inboxes.html",
        agent=agent,
        status_code=status_code,
        inboxes=inboxes,
        **extra,
    )


@router.get("/inboxes")
async def inboxes(request: Request, agent: AdminAgent) -> Response:
    return await _inboxes_page(request, agent)


@router.post("/inboxes")
async def create_inbox(request: Request, agent: AdminAgent) -> Response:
    name = field(await form_of(request), "name")
    try:
        async with db_of(request).transaction() as session:
            inbox = await workspaces.create_inbox(session, agent.ctx, name)
    except TixalloError as exc:
        return await _inboxes_page(request, agent, status_code=400, error=exc.message)
    return await _done(request, agent, f"Inbox “{inbox.name}” created.", "/settings/inboxes")


@router.post("/inboxes/{inbox_id}/rename")
async def rename_inbox(request: Request, inbox_id: str, agent: AdminAgent) -> Response:
    name = field(await form_of(request), "name")
    try:
        async with db_of(request).transaction() as session:
            await workspaces.rename_inbox(session, agent.ctx, inbox_id, name)
    except NotFound:
        raise
    except TixalloError as exc:
        return await _inboxes_page(request, agent, status_code=400, error=exc.message)
    return await _done(request, agent, "Inbox renamed.", "/settings/inboxes")


@router.post("/inboxes/{inbox_id}/default")
async def default_inbox(request: Request, inbox_id: str, agent: AdminAgent) -> Response:
    async with db_of(request).transaction() as session:
        inbox = await workspaces.set_default_inbox(session, agent.ctx, inbox_id)
    return await _done(
        request, agent, f"“{inbox.name}” is now the default inbox.", "/settings/inboxes"
    )


# --- members -------------------------------------------------------------------------------


async def _members_page(
    request: Request, agent: Agent, *, status_code: int = 200, **extra: Any
) -> Response:
    async with db_of(request).transaction(write=False) as session:
        members = await workspaces.list_members(session, agent.ctx)
        pending = await invites.list_pending(session, agent.ctx)
    return render(
        request,
        "settings/members.html",
        agent=agent,
        status_code=status_code,
        members=members,
        pending=pending,
        roles=roles.ROLES_SHOWN,
        invite_roles=roles.invitable_roles(agent.ctx),
        **extra,
    )


def _status(exc: TixalloError) -> int:
    """A refused member change shows the members page again: 403 when the actor may not
    (checked by the service under the workspace lock), 400 for anything else."""
    return 403 if isinstance(exc, Forbidden) else 400


@router.get("/members")
async def members(request: Request, agent: AdminAgent) -> Response:
    return await _members_page(request, agent)


@router.post("/members/invite")
async def invite_member(request: Request, agent: AdminAgent) -> Response:
    """The link is in this response only; the database keeps just its hash."""
    form = await form_of(request)
    try:
        async with db_of(request).transaction() as session:
            created = await invites.create_invite(
                session, agent.ctx, email=field(form, "email"), role=field(form, "role", "agent")
            )
    except TixalloError as exc:
        return await _members_page(request, agent, status_code=_status(exc), error=exc.message)
    link = f"{public_base_url(request)}/invite/{created.token}"
    return await _members_page(request, agent, invite_link=link, invited=created.invite)


@router.post("/invites/{invite_id}/revoke")
async def revoke_invite(request: Request, invite_id: str, agent: AdminAgent) -> Response:
    async with db_of(request).transaction() as session:
        await invites.revoke_invite(session, agent.ctx, invite_id)
    return await _done(request, agent, "Invite withdrawn.", "/settings/members")


@router.post("/members/{member_id}/role")
async def change_role(request: Request, member_id: str, agent: AdminAgent) -> Response:
    role = field(await form_of(request), "role")
    try:
        async with db_of(request).transaction() as session:
            await workspaces.change_member_role(session, agent.ctx, member_id, role)
    except NotFound:
        raise
    except TixalloError as exc:
        return await _members_page(request, agent, status_code=_status(exc), error=exc.message)
    return await _done(request, agent, "Role changed.", "/settings/members")


@router.post("/members/{member_id}/remove")
async def remove_member(request: Request, member_id: str, agent: AdminAgent) -> Response:
    try:
        async with db_of(request).transaction() as session:
            member, user = await workspaces.remove_member(session, agent.ctx, member_id)
            await sessions.end_user_sessions(session, user.id, ctx=agent.ctx)
    except NotFound:
        raise
    except TixalloError as exc:
        return await _members_page(request, agent, status_code=_status(exc), error=exc.message)
    if member.id == agent.member.id:
        return RedirectResponse("/", status_code=303)
    return await _done(request, agent, f"{user.name} was removed.", "/settings/members")


# --- workspace -----------------------------------------------------------------------------


@router.get("/workspace")
async def workspace(request: Request, agent: AdminAgent) -> Response:
    return render(request, "settings/workspace.html", agent=agent)


@router.post("/workspace")
async def rename_workspace(request: Request, agent: AdminAgent) -> Response:
    name = field(await form_of(request), "name")
    try:
        async with db_of(request).transaction() as session:
            await workspaces.rename_workspace(session, agent.ctx, name)
    except TixalloError as exc:
        return render(
            request, "settings/workspace.html", agent=agent, status_code=400, error=exc.message
        )
    return await _done(request, agent, "Workspace renamed.", "/settings/workspace")
