"""Queries of workspaces, members, invites and inboxes; tenant reads start from ``*_of(ctx)``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.context import Ctx
from tixallo.db import insert_ignoring_conflict
from tixallo.workspaces.models import Inbox, Invite, Member, User, Workspace


def member_scope_of(ctx: Ctx) -> ColumnElement[bool]:
    """The workspace condition of the members table, for queries that need no user."""
    return Member.workspace_id == ctx.workspace_id


def members_of(ctx: Ctx) -> Select[Member, User]:
    return select(Member, User).join(User, User.id == Member.user_id).where(member_scope_of(ctx))


def inboxes_of(ctx: Ctx) -> Select[Inbox]:
    return select(Inbox).where(Inbox.workspace_id == ctx.workspace_id)


def invites_of(ctx: Ctx) -> Select[Invite]:
    return select(Invite).where(Invite.workspace_id == ctx.workspace_id)


async def get_workspace_by_slug(session: AsyncSession, slug: str) -> Workspace | None:
    return (await session.execute(select(Workspace).where(Workspace.slug == slug))).scalar()


async def get_member(
    session: AsyncSession, ctx: Ctx, member_id: str, *, fresh: bool = False
) -> tuple[Member, User] | None:
    """``fresh`` overwrites a copy this session loaded earlier with the row as committed now
    (after :func:`lock_workspace`, what a rule must be checked against)."""
    stmt = members_of(ctx).where(Member.id == member_id)
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def lock_workspace(session: AsyncSession, ctx: Ctx) -> None:
    """Hold the workspace's row until the transaction ends, so rules about the workspace as
    a whole (at least one owner, who is owner, one default inbox) are checked and changed by
    one transaction at a time.

    ``SELECT … FOR NO KEY UPDATE`` on PostgreSQL: the same lock a ticket create takes for
    its number (also first, so the two cannot deadlock), which only waits for the short
    transactions that change members or inboxes. On SQLite the dialect drops the clause: a
    write transaction holds the whole file already."""
    stmt = (
        select(Workspace.id).where(Workspace.id == ctx.workspace_id).with_for_update(key_share=True)
    )
    await session.execute(stmt)


async def count_owners(session: AsyncSession, ctx: Ctx) -> int:
    stmt = (
        select(func.count()).select_from(Member).where(member_scope_of(ctx), Member.role == "owner")
    )
    return int((await session.execute(stmt)).scalar_one())


async def get_membership(session: AsyncSession, ctx: Ctx, user_id: str) -> Member | None:
    """The person's membership of the caller's workspace, if any."""
    stmt = select(Member).where(member_scope_of(ctx), Member.user_id == user_id)
    return (await session.execute(stmt)).scalar()


async def get_member_by_email(
    session: AsyncSession, ctx: Ctx, email: str
) -> tuple[Member, User] | None:
    row = (await session.execute(members_of(ctx).where(User.email == email.lower()))).first()
    return (row[0], row[1]) if row else None


async def get_default_inbox(session: AsyncSession, ctx: Ctx) -> Inbox:
    stmt = inboxes_of(ctx).where(Inbox.is_default.is_(True))
    inbox = (await session.execute(stmt)).scalar()
    if inbox is None:  # every workspace is created with one; a missing one is a bug
        raise LookupError(f"workspace {ctx.workspace_id} has no default inbox")
    return inbox


async def get_inbox(session: AsyncSession, ctx: Ctx, inbox_id: str) -> Inbox | None:
    return (await session.execute(inboxes_of(ctx).where(Inbox.id == inbox_id))).scalar()


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    """A person by sign-in email, across workspaces (emails are stored lower-case)."""
    stmt = select(User).where(User.email == email.strip().lower())
    return (await session.execute(stmt)).scalar()


async def get_user(session: AsyncSession, user_id: str) -> User:
    return (await session.execute(select(User).where(User.id == user_id))).scalar_one()


async def insert_user(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert a person unless their email has an account already (another transaction made
    it a moment ago): then nothing is inserted and this returns False, not a unique-index
    violation."""
    inserted = await session.execute(
        insert_ignoring_conflict(session, User.__table__, values, ["email"])
    )
    return bool(inserted.rowcount == 1)  # type: ignore[attr-defined]


async def slug_taken(session: AsyncSession, slug: str) -> bool:
    stmt = select(Workspace.id).where(Workspace.slug == slug)
    return (await session.execute(stmt)).first() is not None


async def memberships_of_user(
    session: AsyncSession, user_id: str
) -> list[tuple[Member, Workspace]]:
    """Every workspace a person works in, by name (their own memberships: the signed-in
    agent's workspace switcher, across workspaces by design)."""
    stmt = (
        select(Member, Workspace)
        .join(Workspace, Workspace.id == Member.workspace_id)
        .where(Member.user_id == user_id)
        .order_by(Workspace.name, Workspace.id)
    )
    return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]


async def count_workspaces(session: AsyncSession) -> int:
    """How many workspaces the server holds (a first start has none)."""
    return int((await session.execute(select(func.count()).select_from(Workspace))).scalar_one())


async def users_with_memberships(
    session: AsyncSession,
) -> list[tuple[User, list[tuple[Workspace, Member]]]]:
    """Every person who can sign in, with the workspaces they work in (operator's view: this
    crosses tenants on purpose, for `tixallo user list` on the server's own command line)."""
    users = list((await session.execute(select(User).order_by(User.email))).scalars())
    rows = await session.execute(
        select(Member, Workspace)
        .join(Workspace, Workspace.id == Member.workspace_id)
        .order_by(Workspace.slug)
    )
    by_user: dict[str, list[tuple[Workspace, Member]]] = {}
    for member, workspace in rows.tuples():
        by_user.setdefault(member.user_id, []).append((workspace, member))
    return [(user, by_user.get(user.id, [])) for user in users]


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
