"""The event feed: the outbox read in commit order, resumable by cursor.

Rows of the outbox get their ids when inserted but become visible when their transaction
commits, so paging by id (or by time) can pass over an event whose transaction commits
late, and never see it. The feed pages by ``position`` instead, a number the sequencer
hands out only to events already committed, one sequencer per workspace at a time (the
lock on the workspace's ``feed_counters`` row; on SQLite ``BEGIN IMMEDIATE``). A position
therefore becomes visible only after every smaller one of its workspace is, and a reader
that remembers its last position misses nothing.

Positions count per workspace (1, 2, 3 … in each), so a workspace's cursors tell nothing
of the others' activity, and sequencing one workspace never waits for another's.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock
from tixallo.context import Ctx
from tixallo.db import Database
from tixallo.errors import Forbidden, Gone, Invalid
from tixallo.events import repository
from tixallo.events.cursor import FeedCursor, cursor_key
from tixallo.events.models import Event
from tixallo.events.service import EVENT_TYPES

SEQUENCE_BATCH = 1000
DEFAULT_RETENTION = timedelta(days=30)

# An event type is readable with the read scope of its resource.
SCOPE_BY_PREFIX = {"ticket.": "tickets:read", "customer.": "customers:read", "chat.": "chat:read"}


def scope_for(event_type: str) -> str:
    return next(scope for prefix, scope in SCOPE_BY_PREFIX.items() if event_type.startswith(prefix))


def readable_types(scopes: Collection[str]) -> list[str]:
    """The event types these scopes may read, in EVENT_TYPES order. The one rule for every
    way events leave: the feed and webhook subscriptions (a key must not receive through a
    webhook what it could not read)."""
    return [t for t in EVENT_TYPES if "*" in scopes or scope_for(t) in scopes]


@dataclass(frozen=True, slots=True)
class FeedPage:
    events: list[Event]
    next_cursor: str
    has_more: bool


async def sequence_events(session: AsyncSession, ctx: Ctx) -> int:
    """Give feed positions to the workspace's committed events that have none, oldest
    first. Run it in a write transaction of its own; concurrent calls for one workspace wait
    for each other on its counter row, calls for different workspaces do not."""
    last = await repository.lock_counter(session, ctx)
    if last is None:  # the workspace's first sequencing (the migration backfills the rest)
        await repository.create_counter(session, ctx)
        last = await repository.lock_counter(session, ctx)
        assert last is not None
    pending = await repository.unsequenced_ids(session, ctx, limit=SEQUENCE_BATCH)
    if not pending:
        return 0
    await repository.assign_positions(session, ctx, last, pending)
    return len(pending)


async def has_unsequenced(session: AsyncSession, ctx: Ctx) -> bool:
    return await repository.has_unsequenced(session, ctx)


async def current_position(session: AsyncSession, ctx: Ctx) -> int:
    """The last position handed out in the workspace (0 before its first event)."""
    return await repository.last_position(session, ctx)


DEADLOCK_RETRIES = 3


async def catch_up(db: Database, ctx: Ctx) -> int:
    """Sequence everything the workspace committed so far (a cheap read when there is
    nothing to do). A deadlock (which the schema avoids, see ``ix_events_feed``) is retried,
    not raised."""
    total = 0
    while True:
        async with db.transaction(write=False) as session:
            if not await has_unsequenced(session, ctx):
                return total
        for attempt in range(DEADLOCK_RETRIES):
            try:
                async with db.transaction(write=True) as session:
                    done = await sequence_events(session, ctx)
                break
            except DBAPIError as exc:
                deadlocked = getattr(exc.orig, "sqlstate", None) == "40P01"
                if not deadlocked or attempt == DEADLOCK_RETRIES - 1:
                    raise
        total += done
        if done < SEQUENCE_BATCH:
            return total


def check_types(ctx: Ctx, requested: list[str] | None) -> list[str]:
    """The event types to read: those asked for (each needs its resource's read scope), or
    every type the key may read."""
    if requested:
        unknown = [t for t in requested if t not in EVENT_TYPES]
        if unknown:
            raise Invalid(
                f"Unknown event type(s): {', '.join(unknown)}. Known: {', '.join(EVENT_TYPES)}.",
                param="types",
            )
        for event_type in requested:
            if not ctx.has_scope(scope_for(event_type)):
                raise Forbidden(
                    f"Reading {event_type} needs the '{scope_for(event_type)}' scope.",
                    param="types",
                )
        return list(dict.fromkeys(requested))
    readable = readable_types(ctx.scopes)
    if not readable:
        raise Forbidden("This API key lacks the read scope of every event type.", param="scope")
    return readable


def check_fresh(cursor: FeedCursor, retention: timedelta, *, param: str, advice: str) -> None:
    """Refuse (410) a cursor not used for longer than the retention: events after it may
    have been deleted, so following on from it could silently miss some."""
    if cursor.issued_at < clock.now() - retention:
        days = int(retention.total_seconds() // 86400)
        raise Gone(
            f"This cursor is older than the {days}-day retention, so events after it may be "
            f"gone. {advice}",
            param=param,
        )


async def read_feed(
    db: Database,
    session: AsyncSession,
    ctx: Ctx,
    *,
    after: str | None,
    types: list[str],
    limit: int,
    retention: timedelta = DEFAULT_RETENTION,
) -> FeedPage:
    """Events after the cursor ``after`` (a ``next_cursor`` this workspace's feed returned;
    400 otherwise, 410 when expired), in feed order. ``next_cursor`` is always set: a
    consumer stores it and passes it back as ``after``; polling refreshes it, so a cursor
    only expires when it has not been used for longer than the retention."""
    key = await cursor_key(db)
    cursor = FeedCursor.decode(after, key, ctx.workspace_id, param="after") if after else None
    if cursor is not None:
        check_fresh(
            cursor,
            retention,
            param="after",
            advice="Re-read the current state (e.g. GET /api/v1/tickets?sort=updated_at), "
            "then follow the feed from a fresh cursor.",
        )
    await catch_up(db, ctx)
    start = cursor.position if cursor is not None else 0
    rows = await repository.events_after(session, ctx, start, types=types, limit=limit + 1)
    has_more = len(rows) > limit
    events = rows[:limit]
    last = events[-1].position if events else start
    assert last is not None
    next_cursor = FeedCursor(last, clock.now()).encode(key, ctx.workspace_id)
    return FeedPage(events, next_cursor, has_more)
