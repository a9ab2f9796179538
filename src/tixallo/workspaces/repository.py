"""Queries of workspaces, members and inboxes; tenant reads start from ``*_of(ctx)``."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.context import Ctx
from tixallo.workspaces.models import Inbox, Member, User, Workspace


def members_of(ctx: Ctx) -> Select[Member, User]:
    return (
        select(Member, User)
        .join(User, User.id == Member.user_id)
        .where(Member.workspace_id == ctx.workspace_id)
    )


def inboxes_of(ctx: Ctx) -> Select[Inbox]:
    return select(Inbox).where(Inbox.workspace_id == ctx.workspace_id)


async def get_workspace_by_slug(session: AsyncSession, slug: str) -> Workspace | None:
    return (await session.execute(select(Workspace).where(Workspace.slug == slug))).scalar()


async def get_member(session: AsyncSession, ctx: Ctx, member_id: str) -> tuple[Member, User] | None:
    row = (await session.execute(members_of(ctx).where(Member.id == member_id))).first()
    return (row[0], row[1]) if row else None


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
