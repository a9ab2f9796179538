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

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock, ids
from tixallo.db import Database
from tixallo.webhooks import formats, repository, subscriptions
from tixallo.webhooks.models import PENDING, TACOHELP

SWEEP_GRACE = timedelta(seconds=120)
FAST_OVERLAP = timedelta(seconds=2)
PRUNE_AFTER = timedelta(hours=1)
BATCH = 500


@dataclass(frozen=True, slots=True)
class FanoutResult:
    events: int
    deliveries: int
    newest: datetime | None


async def swept_until(db: Database) -> datetime:
    async with db.transaction(write=False) as session:
        value = await repository.get_swept_until(session)
    return value or datetime(1970, 1, 1, tzinfo=UTC)


async def fan_out(db: Database, since: datetime | None) -> FanoutResult:
    """Handle one batch of unhandled events created at or after ``since`` (the fast scan),
    or, with ``since=None``, after ``swept_until`` (the sweep, which also advances it)."""
    if since is not None:
        async with db.transaction(write=False) as session:
            if not await repository.any_unhandled_event(session, since):
                return FanoutResult(0, 0, None)
    async with db.transaction(write=True) as session:
        state = await repository.lock_fanout_state(session)
        if state is None:
            await repository.ensure_fanout_state(session, clock.now())
            state = await repository.lock_fanout_state(session)
        if state is None:
            return FanoutResult(0, 0, None)  # another worker is fanning out right now
        sweeping = since is None
        start = state.swept_until if since is None else since
        rows = await repository.unhandled_events(session, start, BATCH)
        delivered = await _create_deliveries(session, rows) if rows else 0
        if sweeping and len(rows) < BATCH:
            now = clock.now()
            state.swept_until = max(state.swept_until, now - SWEEP_GRACE)
            await repository.prune_fanout_log(session, state.swept_until - PRUNE_AFTER)
        newest = rows[-1].created_at if rows else None
        return FanoutResult(len(rows), delivered, newest)


def _key_scopes(endpoint: Row[Any]) -> list[str] | None:
    """The scopes deliveries are held to: None when no key subscribed the endpoint; none at
    all when the key that did is gone (fail closed)."""
    if endpoint.created_by_key_id is None:
        return None
    return list(endpoint.key_scopes or [])


async def _create_deliveries(session: AsyncSession, rows: list[Row[Any]]) -> int:
    endpoints = await repository.endpoints_in(session, {row.workspace_id for row in rows})
    by_workspace: dict[str, list[Row[Any]]] = {}
    for endpoint in endpoints:
        by_workspace.setdefault(endpoint.workspace_id, []).append(endpoint)
    pairs = [
        (row, endpoint)
        for row in rows
        for endpoint in by_workspace.get(row.workspace_id, ())
        if _receives(endpoint, row)
    ]
    tacohelp_events = {row.id: row for row, endpoint in pairs if endpoint.format == TACOHELP}
    rendered = await formats.tacohelp_bodies(session, list(tacohelp_events.values()))
    now = clock.now()
    deliveries: list[dict[str, Any]] = []
    for row, endpoint in pairs:
        body: bytes | None = None
        if endpoint.format == TACOHELP:
            if row.id in rendered.gone:
                continue  # its ticket or conversation is gone: nothing to show in that shape
            # None when rendering failed: the worker renders it when it sends.
            body = rendered.bodies.get(row.id)
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
                "format": endpoint.format,
                "body": body.decode() if body is not None else None,
                "created_at": now,
            }
        )
    await repository.insert_deliveries(session, deliveries)
    await repository.mark_fanned_out(session, rows)
    return len(deliveries)


def _receives(endpoint: Row[Any], row: Row[Any]) -> bool:
    """An endpoint receives the events recorded after it was created, of the types it
    subscribed to and its key may read (checked again here, not only when subscribing:
    defence in depth), that its payload format can show."""
    return (
        endpoint.created_at <= row.created_at
        and subscriptions.receives(endpoint.events, _key_scopes(endpoint), row.type)
        and formats.receives(endpoint.format, row.type)
    )
