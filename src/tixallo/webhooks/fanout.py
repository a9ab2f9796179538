"""Turning outbox events into deliveries, one per subscribed endpoint.

Events commit in the transactions of the changes they describe, so they do not become
visible in creation order: a long transaction can commit an event older than one already
seen. Two scans cover that without a column on the outbox:

- the *fast* scan looks at events from a moment before the newest one seen, which picks up
  new events within one poll;
- the *sweep* looks at everything since ``swept_until`` (a few minutes back), catching any
  late committer, then moves ``swept_until`` to ``now - SWEEP_GRACE``.

``webhook_fanout`` remembers which events were handled, so neither scan fans one out
twice; its rows are pruned once the sweep has passed them. On PostgreSQL the one
``webhook_fanout_state`` row is locked ``FOR UPDATE SKIP LOCKED``, so one worker at a time
fans out and the others move on to sending. An event whose transaction stays open longer
than ``SWEEP_GRACE`` after recording it could be missed; no Tixallo use case comes close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock, ids
from tixallo.db import Database, insert_ignoring_conflict
from tixallo.events.models import Event
from tixallo.webhooks.models import (
    PENDING,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookFanout,
    WebhookFanoutState,
)

SWEEP_GRACE = timedelta(seconds=120)
FAST_OVERLAP = timedelta(seconds=2)
PRUNE_AFTER = timedelta(hours=1)
BATCH = 500


@dataclass(frozen=True, slots=True)
class FanoutResult:
    events: int
    deliveries: int
    newest: datetime | None


def _unhandled(since: datetime) -> Any:
    handled = exists().where(WebhookFanout.event_id == Event.id)
    return (
        select(Event.id, Event.workspace_id, Event.type, Event.created_at)
        .where(Event.created_at >= since, ~handled)
        .order_by(Event.created_at, Event.id)
        .limit(BATCH)
    )


def _subscribed(endpoint_events: list[str], event_type: str) -> bool:
    return "*" in endpoint_events or event_type in endpoint_events


async def swept_until(db: Database) -> datetime:
    async with db.transaction(write=False) as session:
        value = await session.scalar(
            select(WebhookFanoutState.swept_until).where(WebhookFanoutState.id == 1)
        )
    return value or datetime(1970, 1, 1, tzinfo=UTC)


async def fan_out(db: Database, since: datetime | None) -> FanoutResult:
    """Handle one batch of unhandled events created at or after ``since`` (the fast scan),
    or, with ``since=None``, after ``swept_until`` (the sweep, which also advances it)."""
    if since is not None:
        async with db.transaction(write=False) as session:
            if (await session.execute(_unhandled(since).limit(1))).first() is None:
                return FanoutResult(0, 0, None)
    async with db.transaction(write=True) as session:
        state = await _lock_state(session)
        if state is None:
            await _ensure_state(session)
            state = await _lock_state(session)
        if state is None:
            return FanoutResult(0, 0, None)  # another worker is fanning out right now
        sweeping = since is None
        start = state.swept_until if since is None else since
        rows = list(await session.execute(_unhandled(start)))
        delivered = await _create_deliveries(session, rows) if rows else 0
        if sweeping and len(rows) < BATCH:
            now = clock.now()
            state.swept_until = max(state.swept_until, now - SWEEP_GRACE)
            await session.execute(
                delete(WebhookFanout).where(
                    WebhookFanout.event_created_at < state.swept_until - PRUNE_AFTER
                )
            )
        newest = rows[-1].created_at if rows else None
        return FanoutResult(len(rows), delivered, newest)


async def _lock_state(session: AsyncSession) -> WebhookFanoutState | None:
    return (
        await session.execute(
            select(WebhookFanoutState)
            .where(WebhookFanoutState.id == 1)
            .with_for_update(skip_locked=True)
        )
    ).scalar_one_or_none()


async def _ensure_state(session: AsyncSession) -> None:
    """Recreate the state row if it is missing (a truncated database), starting from the
    oldest event so nothing recorded is skipped."""
    if await session.scalar(select(WebhookFanoutState.id).where(WebhookFanoutState.id == 1)):
        return
    oldest = await session.scalar(select(func.min(Event.created_at)))
    await session.execute(
        insert_ignoring_conflict(
            session,
            WebhookFanoutState.__table__,
            {"id": 1, "swept_until": oldest or clock.now()},
            ["id"],
        )
    )


async def _create_deliveries(session: AsyncSession, rows: list[Any]) -> int:
    workspaces = {row.workspace_id for row in rows}
    endpoints = (
        await session.execute(
            select(
                WebhookEndpoint.id,
                WebhookEndpoint.workspace_id,
                WebhookEndpoint.events,
                WebhookEndpoint.created_at,
            ).where(WebhookEndpoint.workspace_id.in_(workspaces))
        )
    ).all()
    by_workspace: dict[str, list[Any]] = {}
    for endpoint in endpoints:
        by_workspace.setdefault(endpoint.workspace_id, []).append(endpoint)
    now = clock.now()
    deliveries: list[dict[str, Any]] = []
    for row in rows:
        for endpoint in by_workspace.get(row.workspace_id, ()):
            # An endpoint receives the events recorded after it was created.
            if endpoint.created_at > row.created_at or not _subscribed(endpoint.events, row.type):
                continue
            deliveries.append(
                {
                    "id": ids.new_id("whd"),
                    "workspace_id": row.workspace_id,
                    "endpoint_id": endpoint.id,
                    "event_id": row.id,
                    "event_type": row.type,
                    "event_created_at": row.created_at,
                    "status": PENDING,
                    "attempt_count": 0,
                    "round_attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
    if deliveries:
        await session.execute(insert(WebhookDelivery), deliveries)
    await session.execute(
        insert(WebhookFanout),
        [{"event_id": row.id, "event_created_at": row.created_at} for row in rows],
    )
    return len(deliveries)
