"""Member invites: a one-time link that expires, carrying a role.

Only a hash of the link's token is stored; the link is shown once to the admin who made it.
Accepting marks the invite used in the same transaction that adds the member, so one link
adds one member at most.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock, ids
from tixallo.auth.passwords import check_new_password, verify_password
from tixallo.context import Ctx
from tixallo.errors import Conflict, Invalid, NotFound
from tixallo.validation import MAX_NAME, check_email, check_text
from tixallo.workspaces import repository, roles
from tixallo.workspaces.models import Invite, Member, User, Workspace
from tixallo.workspaces.service import add_member, check_can_invite

INVITE_LIFETIME = timedelta(days=7)


def _hash_token(token: str) -> str:
    """The SHA-256 the table keeps of a link's token (the digest the links made before
    invites moved here were stored with, so they still open)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CreatedInvite:
    invite: Invite
    token: str


async def create_invite(session: AsyncSession, ctx: Ctx, *, email: str, role: str) -> CreatedInvite:
    """Who may invite which role is the workspace's rule (:func:`check_can_invite`, under
    the workspace lock); this makes the link."""
    email = check_email(email, param="email")
    role = await check_can_invite(session, ctx, role)
    if await repository.get_member_by_email(session, ctx, email) is not None:
        raise Conflict(f"{email} is already a member of this workspace.", param="email")
    token = secrets.token_urlsafe(24)
    now = clock.now()
    invite = Invite(
        id=ids.new_id("inv"),
        workspace_id=ctx.workspace_id,
        token_hash=_hash_token(token),
        email=email,
        role=role,
        invited_by_member_id=ctx.member_id,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
        accepted_at=None,
    )
    session.add(invite)
    await session.flush()
    return CreatedInvite(invite=invite, token=token)


async def list_pending(session: AsyncSession, ctx: Ctx) -> list[Invite]:
    roles.check_admin(ctx)
    return await repository.list_open_invites(session, ctx, clock.now())


async def revoke_invite(session: AsyncSession, ctx: Ctx, invite_id: str) -> None:
    roles.check_admin(ctx)
    invite = await repository.get_invite(session, ctx, invite_id)
    if invite is None:
        raise NotFound("invite", invite_id)
    await session.delete(invite)
    await session.flush()


async def find_invite(session: AsyncSession, token: str) -> tuple[Invite, Workspace, bool]:
    """The open invite behind a link, its workspace, and whether its email already has an
    account. Used, expired and unknown links are all simply not found."""
    found = await repository.find_invite_by_token(session, _hash_token(token))
    if found is None or found[0].accepted_at is not None or found[0].expires_at <= clock.now():
        raise NotFound("invite")
    invite, workspace = found
    existing = await repository.get_user_by_email(session, invite.email)
    return invite, workspace, existing is not None


async def accept_invite(
    session: AsyncSession, token: str, *, name: str, password: str
) -> tuple[Member, User]:
    """Join the workspace. A new person chooses a password; someone who already has an
    account proves it with their current password."""
    invite, _workspace, has_account = await find_invite(session, token)
    if not await repository.claim_invite(session, invite.id, clock.now()):
        raise NotFound("invite")
    if has_account:
        user = await repository.get_user_by_email(session, invite.email)
        if user is None or not verify_password(user.password_hash, password):
            raise Invalid("The password is not right for this account.", param="password")
    else:
        check_new_password(password, param="password")
    display = check_text(name or invite.email.split("@", 1)[0], param="name", max_length=MAX_NAME)
    return await add_member(
        session,
        invite.workspace_id,
        email=invite.email,
        name=display,
        role=invite.role,
        password=None if has_account else password,
    )
