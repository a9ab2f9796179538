"""The member's role travels in ``Ctx`` for the early checks (agents get 403 on settings,
in the services themselves), while the owner rules still re-read it under the lock."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.tenants import Tenant, TenantFactory
from tixallo.auth import service as auth
from tixallo.context import Ctx
from tixallo.db import Database
from tixallo.errors import Forbidden
from tixallo.web import sessions
from tixallo.workspaces import invites, roles
from tixallo.workspaces import service as workspaces
from tixallo.workspaces.models import Inbox, Member, Workspace

PASSWORD = "correct horse battery"


def _member_ctx(workspace_id: str, member_id: str, role: str | None) -> Ctx:
    return Ctx(
        workspace_id=workspace_id, actor=f"member:{member_id}", member_id=member_id, role=role
    )


async def _add(db: Database, tenant: Tenant, role: str) -> Member:
    async with db.transaction() as session:
        member, _ = await workspaces.add_member(
            session,
            tenant.id,
            email=f"{role}-{uuid.uuid4().hex[:8]}@example.com",
            name=role.title(),
            role=role,
            password=PASSWORD,
        )
    return member


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_pass_the_settings_check(role: str) -> None:
    ctx = _member_ctx("ws_1", "mem_1", role)
    roles.check_admin(ctx)
    assert roles.is_admin(ctx)


@pytest.mark.parametrize("role", ["agent", None, "king"])
def test_other_members_are_refused_settings(role: str | None) -> None:
    """A member's context without a role (or an unknown one) is refused, never let in."""
    ctx = _member_ctx("ws_1", "mem_1", role)
    with pytest.raises(Forbidden, match="Settings are for workspace owners and admins"):
        roles.check_admin(ctx)
    assert not roles.is_admin(ctx)


def test_a_member_context_missing_its_member_id_is_still_held_to_the_members_rules() -> None:
    """A context that says a member acts but lacks the member id (a future adapter's slip)
    is not mistaken for the operator."""
    ctx = Ctx(workspace_id="ws_1", actor="member:mem_1", role="agent")
    with pytest.raises(Forbidden):
        roles.check_admin(ctx)
    assert "owner" not in roles.invitable_roles(ctx)


def test_keys_and_the_operator_have_no_role_and_pass_by_their_scopes() -> None:
    key = Ctx(workspace_id="ws_1", actor="key:key_1", scopes=frozenset({"tickets:read"}))
    operator = Ctx(workspace_id="ws_1")
    for ctx in (key, operator):
        assert ctx.role is None
        roles.check_admin(ctx)
        assert not roles.is_admin(ctx)  # no settings link to show: neither signs in


def test_only_owners_and_the_operator_are_offered_the_owner_role_to_invite() -> None:
    assert roles.invitable_roles(_member_ctx("w", "m", "owner")) == ("agent", "admin", "owner")
    assert roles.invitable_roles(_member_ctx("w", "m", "admin")) == ("agent", "admin")
    assert roles.invitable_roles(Ctx(workspace_id="w")) == ("agent", "admin", "owner")


async def test_a_signed_in_agents_ctx_carries_their_role(
    db: Database, tenants: TenantFactory
) -> None:
    tenant = await tenants()
    agent = await _add(db, tenant, "agent")
    async with db.transaction() as session:
        signed = await sessions.start_session(session, agent.user_id, tenant.id)
    async with db.transaction(write=False) as session:
        loaded = await sessions.load_agent(session, signed.token)
    assert loaded is not None
    assert loaded.ctx.role == "agent"
    assert loaded.ctx.member_id == agent.id
    assert not loaded.is_admin


async def test_an_agents_ctx_changes_no_setting_whatever_the_adapter(
    db: Database, tenants: TenantFactory
) -> None:
    tenant = await tenants()
    agent = await _add(db, tenant, "agent")
    ctx = _member_ctx(tenant.id, agent.id, "agent")
    async with db.transaction(write=False) as session:
        inbox = (await workspaces.list_inboxes(session, tenant.ctx))[0]
        keys_before = len(await auth.list_keys(session, tenant.ctx))
    attempts = [
        lambda s: workspaces.rename_workspace(s, ctx, "Taken over"),
        lambda s: workspaces.create_inbox(s, ctx, "Mine"),
        lambda s: workspaces.rename_inbox(s, ctx, inbox.id, "Mine"),
        lambda s: workspaces.set_default_inbox(s, ctx, inbox.id),
        lambda s: auth.create_key(s, ctx, name="mine", scopes=["*"]),
        lambda s: auth.list_keys(s, ctx),
        lambda s: invites.list_pending(s, ctx),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden):
            async with db.transaction() as session:
                await attempt(session)
    async with db.transaction(write=False) as session:
        workspace = await session.get(Workspace, tenant.id)
        inbox_names = (
            await session.execute(select(Inbox.name).where(Inbox.workspace_id == tenant.id))
        ).scalars()
        assert workspace is not None and workspace.name != "Taken over"
        assert list(inbox_names) == [inbox.name]
        assert len(await auth.list_keys(session, tenant.ctx)) == keys_before


async def test_an_agent_cannot_revoke_or_rotate_a_key_nor_withdraw_an_invite(
    db: Database, tenants: TenantFactory
) -> None:
    tenant = await tenants()
    agent = await _add(db, tenant, "agent")
    ctx = _member_ctx(tenant.id, agent.id, "agent")
    async with db.transaction() as session:
        key = (await auth.create_key(session, tenant.ctx, name="k", scopes=["*"])).api_key
        invite = (
            await invites.create_invite(session, tenant.ctx, email="x@example.com", role="agent")
        ).invite
    for attempt in (
        lambda s: auth.revoke_key(s, ctx, key.id),
        lambda s: auth.rotate_key(s, ctx, key.id, grace=timedelta(0)),
        lambda s: invites.revoke_invite(s, ctx, invite.id),
    ):
        with pytest.raises(Forbidden):
            async with db.transaction() as session:
                await attempt(session)
    async with db.transaction(write=False) as session:
        assert (await auth.get_key(session, tenant.ctx, key.id)).revoked_at is None
        assert [i.id for i in await invites.list_pending(session, tenant.ctx)] == [invite.id]


async def test_a_demotion_committed_after_the_request_began_wins_over_ctx_role(
    db: Database, tenants: TenantFactory
) -> None:
    """The request's ``ctx.role`` still says owner, but the member was made an agent since:
    the owner rules read the role under the lock, so the stale context is refused."""
    tenant = await tenants()
    second = await _add(db, tenant, "owner")
    stale = _member_ctx(tenant.id, second.id, "owner")
    async with db.transaction() as session:
        await workspaces.change_member_role(session, tenant.ctx, second.id, "agent")
    with pytest.raises(Forbidden, match="Settings are for workspace owners and admins"):
        async with db.transaction() as session:
            await workspaces.change_member_role(session, stale, tenant.created.owner.id, "agent")
    async with db.transaction(write=False) as session:
        owner = await session.get(Member, tenant.created.owner.id)
        assert owner is not None and owner.role == "owner"
