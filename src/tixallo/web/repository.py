"""Queries of the agent app's own tables: sign-in sessions and member invites. Invites are
read from :func:`invites_of`; a session's workspace condition is :func:`web_session_scope_of`.
Sessions and invite links are otherwise found by the hash of their secret token, which
belongs to one row of one workspace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.context import Ctx
from tixallo.web.models import Invite, WebSession
from tixallo.workspaces.models import Workspace


def web_session_scope_of(ctx: Ctx) -> ColumnElement[bool]:
    """Sessions working in the caller's workspace."""
    return WebSession.workspace_id == ctx.workspace_id


def invites_of(ctx: Ctx) -> Select[Invite]:
    return select(Invite).where(Invite.workspace_id == ctx.workspace_id)


# --- sessions --------------------------------------------------------------------------------


async def delete_session(session: AsyncSession, session_id: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.id == session_id))


async def delete_user_sessions(session: AsyncSession, user_id: str, ctx: Ctx | None) -> None:
    """Every session of a person, or with ``ctx`` only those working in its workspace."""
    stmt = delete(WebSession).where(WebSession.user_id == user_id)
    if ctx is not None:
        stmt = stmt.where(web_session_scope_of(ctx))
    await session.execute(stmt)


async def update_session(session: AsyncSession, session_id: str, **values: Any) -> None:
    """Set columns of one session (``last_seen_at``, ``workspace_id``, ``flash``)."""
    await session.execute(update(WebSession).where(WebSession.id == session_id).values(**values))


# --- invites ---------------------------------------------------------------------------------


async def list_open_invites(session: AsyncSession, ctx: Ctx, now: datetime) -> list[Invite]:
    """Invites neither accepted nor expired at ``now``, newest first."""
    stmt = (
        invites_of(ctx)
        .where(Invite.accepted_at.is_(None), Invite.expires_at > now)
        .order_by(Invite.created_at.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def get_invite(session: AsyncSession, ctx: Ctx, invite_id: str) -> Invite | None:
    return (await session.execute(invites_of(ctx).where(Invite.id == invite_id))).scalar()


async def find_invite_by_token(
    session: AsyncSession, token_hash: str
) -> tuple[Invite, Workspace] | None:
    """The invite behind a link (used or not, expired or not) and its workspace: the token
    is the credential, so this reads across workspaces by design."""
    stmt = (
        select(Invite, Workspace)
        .join(Workspace, Workspace.id == Invite.workspace_id)
        .where(Invite.token_hash == token_hash)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def claim_invite(session: AsyncSession, invite_id: str, now: datetime) -> bool:
    """Mark the invite accepted unless another transaction did first; True when this one
    did (the row's write lock makes the check and the change one step)."""
    claimed = await session.execute(
        update(Invite)
        .where(Invite.id == invite_id, Invite.accepted_at.is_(None))
        .values(accepted_at=now)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]
