"""Queries of the outbox and its feed counters. Every read of a workspace's events starts
from :func:`events_of`, and the counter's row is found by :func:`counter_scope_of`, so the
tenant filter of each table is written once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.context import Ctx
from tixallo.db import insert_ignoring_conflict
from tixallo.events.models import Event, FeedCounter


def event_scope_of(ctx: Ctx) -> ColumnElement[bool]:
    return Event.workspace_id == ctx.workspace_id


def counter_scope_of(ctx: Ctx) -> ColumnElement[bool]:
    return FeedCounter.workspace_id == ctx.workspace_id


def events_of(ctx: Ctx) -> Select[Event]:
    return select(Event).where(event_scope_of(ctx))


# --- the sequencer (events/feed.py) ---------------------------------------------------------


async def lock_counter(session: AsyncSession, ctx: Ctx) -> int | None:
    """The workspace's last position, its counter row locked until the transaction ends
    (``FOR UPDATE``: the sequencers of one workspace take turns on it); None before the
    workspace's first sequencing."""
    stmt = select(FeedCounter.last_position).where(counter_scope_of(ctx)).with_for_update()
    return (await session.execute(stmt)).scalar()


async def create_counter(session: AsyncSession, ctx: Ctx) -> None:
    """Start the workspace's counter at 0; does nothing when another sequencer created it
    meanwhile (the caller locks and reads it again)."""
    values = {"workspace_id": ctx.workspace_id, "last_position": 0}
    await session.execute(
        insert_ignoring_conflict(session, FeedCounter.__table__, values, ["workspace_id"])
    )


async def unsequenced_ids(session: AsyncSession, ctx: Ctx, *, limit: int) -> list[str]:
    """Ids of the workspace's committed events without a position, oldest first."""
    stmt = (
        select(Event.id)
        .where(event_scope_of(ctx), Event.position.is_(None))
        .order_by(Event.created_at, Event.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars().all())


async def has_unsequenced(session: AsyncSession, ctx: Ctx) -> bool:
    stmt = select(Event.id).where(event_scope_of(ctx), Event.position.is_(None)).limit(1)
    return (await session.execute(stmt)).first() is not None


async def assign_positions(
    session: AsyncSession, ctx: Ctx, last: int, event_ids: list[str]
) -> None:
    """Give ``event_ids`` (this workspace's, from :func:`unsequenced_ids`) the positions
    after ``last`` in order, and move the workspace's counter past them. The caller holds
    the counter's lock (:func:`lock_counter`)."""
    await session.execute(
        update(Event),
        [{"id": event_id, "position": last + n} for n, event_id in enumerate(event_ids, 1)],
    )
    await session.execute(
        update(FeedCounter).where(counter_scope_of(ctx)).values(last_position=last + len(event_ids))
    )


async def last_position(session: AsyncSession, ctx: Ctx) -> int:
    """The last position handed out in the workspace (0 before its first event)."""
    stmt = select(FeedCounter.last_position).where(counter_scope_of(ctx))
    return int((await session.execute(stmt)).scalar() or 0)


# --- readers -------------------------------------------------------------------------------


async def events_after(
    session: AsyncSession, ctx: Ctx, position: int, *, types: list[str], limit: int
) -> list[Event]:
    """Sequenced events of ``types`` after ``position``, in feed order, at most ``limit``."""
    stmt = (
        events_of(ctx)
        .where(Event.position.is_not(None), Event.position > position, Event.type.in_(types))
        .order_by(Event.position)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def events_between(session: AsyncSession, ctx: Ctx, start: int, end: int) -> list[Event]:
    """Events at positions ``start`` (excluded) to ``end`` (included), in feed order."""
    stmt = (
        events_of(ctx).where(Event.position > start, Event.position <= end).order_by(Event.position)
    )
    return list((await session.execute(stmt)).scalars())


async def events_since(
    session: AsyncSession, ctx: Ctx, since: datetime, *, limit: int
) -> list[Event]:
    """Events recorded at or after ``since``, oldest first, at most ``limit``."""
    stmt = (
        events_of(ctx)
        .where(Event.created_at >= since)
        .order_by(Event.created_at, Event.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())
