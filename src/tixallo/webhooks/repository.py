"""The webhooks package's queries, but for the delivery worker's queue (queue.py).

Tenant queries (the API, the app, the services) start from a ``*_of(ctx)`` helper, which
holds the package's only workspace filters. The fan-out's queries, below them, read and
write across all workspaces by design: the fan-out turns every workspace's events into
deliveries; they are keyed by endpoint or event id, never by a caller's input, and nothing
they return reaches a tenant except through that tenant's own endpoint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.auth.models import ApiKey
from tixallo.context import Ctx
from tixallo.db import insert_ignoring_conflict
from tixallo.events.models import Event
from tixallo.pagination import Cursor, Page, page_from
from tixallo.webhooks.models import (
    PENDING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookFanout,
    WebhookFanoutState,
)

# ---------------------------------------------------------------------------------------
# Tenant queries: one workspace, from the caller's Ctx.


def endpoints_of(ctx: Ctx) -> Select[WebhookEndpoint]:
    return select(WebhookEndpoint).where(WebhookEndpoint.workspace_id == ctx.workspace_id)


def endpoint_rows_of(ctx: Ctx) -> ColumnElement[bool]:
    """The workspace condition for UPDATEs of endpoints (which cannot start from a SELECT)."""
    return WebhookEndpoint.workspace_id == ctx.workspace_id


def deliveries_of(ctx: Ctx) -> Select[WebhookDelivery]:
    return select(WebhookDelivery).where(WebhookDelivery.workspace_id == ctx.workspace_id)


def delivery_rows_of(ctx: Ctx) -> ColumnElement[bool]:
    """The workspace condition for UPDATEs of deliveries."""
    return WebhookDelivery.workspace_id == ctx.workspace_id


def attempts_of(ctx: Ctx) -> Select[WebhookAttempt]:
    return select(WebhookAttempt).where(WebhookAttempt.workspace_id == ctx.workspace_id)


async def count_endpoints(session: AsyncSession, ctx: Ctx) -> int:
    stmt = select(func.count()).select_from(endpoints_of(ctx).subquery())
    return int(await session.scalar(stmt) or 0)


async def get_endpoint(session: AsyncSession, ctx: Ctx, endpoint_id: str) -> WebhookEndpoint | None:
    result = await session.execute(endpoints_of(ctx).where(WebhookEndpoint.id == endpoint_id))
    return result.scalar_one_or_none()


async def list_endpoints(
    session: AsyncSession, ctx: Ctx, *, limit: int, cursor: Cursor | None
) -> Page[WebhookEndpoint]:
    stmt = endpoints_of(ctx)
    if cursor is not None:
        stmt = stmt.where(
            or_(
                WebhookEndpoint.created_at > cursor.at,
                and_(WebhookEndpoint.created_at == cursor.at, WebhookEndpoint.id > cursor.id),
            )
        )
    stmt = stmt.order_by(WebhookEndpoint.created_at, WebhookEndpoint.id).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars())
    return page_from(rows, limit, lambda e: Cursor(e.created_at, e.id))


async def get_delivery(
    session: AsyncSession, ctx: Ctx, endpoint_id: str, delivery_id: str
) -> WebhookDelivery | None:
    stmt = deliveries_of(ctx).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.id == delivery_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_deliveries(
    session: AsyncSession,
    ctx: Ctx,
    endpoint_id: str,
    *,
    limit: int,
    cursor: Cursor | None,
    status: str | None,
) -> Page[WebhookDelivery]:
    """Newest first."""
    stmt = deliveries_of(ctx).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    if cursor is not None:
        stmt = stmt.where(
            or_(
                WebhookDelivery.created_at < cursor.at,
                and_(WebhookDelivery.created_at == cursor.at, WebhookDelivery.id < cursor.id),
            )
        )
    stmt = stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    rows = list((await session.execute(stmt.limit(limit + 1))).scalars())
    return page_from(rows, limit, lambda d: Cursor(d.created_at, d.id))


async def attempts_by_delivery(
    session: AsyncSession, ctx: Ctx, delivery_ids: list[str]
) -> dict[str, list[WebhookAttempt]]:
    """Attempts of several deliveries in one query, oldest first."""
    found: dict[str, list[WebhookAttempt]] = defaultdict(list)
    if not delivery_ids:
        return found
    stmt = (
        attempts_of(ctx)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
    )
    for attempt in (await session.execute(stmt)).scalars():
        found[attempt.delivery_id].append(attempt)
    return found


async def make_pending_due(
    session: AsyncSession, ctx: Ctx, endpoint_id: str, now: datetime
) -> None:
    """Every pending delivery of the endpoint due now, with a fresh retry budget."""
    await session.execute(
        update(WebhookDelivery)
        .where(
            delivery_rows_of(ctx),
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == PENDING,
        )
        .values(next_attempt_at=now, round_attempts=0)
    )


async def requeue_delivery(
    session: AsyncSession, ctx: Ctx, delivery_id: str, now: datetime
) -> None:
    """One UPDATE of every column (not the ORM's changed-columns-only flush): it waits for a
    worker recording an attempt on this row and then wins, so the redelivery is not lost."""
    await session.execute(
        update(WebhookDelivery)
        .where(delivery_rows_of(ctx), WebhookDelivery.id == delivery_id)
        .values(status=PENDING, round_attempts=0, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )


async def hand_endpoints_to_key(
    session: AsyncSession, ctx: Ctx, old_key_id: str, new_key_id: str
) -> None:
    """A rotated key's endpoints answer to its successor."""
    await session.execute(
        update(WebhookEndpoint)
        .where(endpoint_rows_of(ctx), WebhookEndpoint.created_by_key_id == old_key_id)
        .values(created_by_key_id=new_key_id)
        .execution_options(synchronize_session=False)
    )


async def disable_endpoints_of_key(
    session: AsyncSession, ctx: Ctx, key_id: str, *, reason: str, now: datetime
) -> None:
    """Disable the enabled endpoints a key subscribed; those disabled already stay so, with
    their reason."""
    await session.execute(
        update(WebhookEndpoint)
        .where(
            endpoint_rows_of(ctx),
            WebhookEndpoint.created_by_key_id == key_id,
            WebhookEndpoint.enabled.is_(True),
        )
        .values(enabled=False, disabled_reason=reason, disabled_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )


# ---------------------------------------------------------------------------------------
# The fan-out (fanout.py): across all workspaces, see the module docstring.

FANOUT_STATE_ID = 1


def _unhandled(since: datetime, limit: int) -> Any:
    handled = exists().where(WebhookFanout.event_id == Event.id)
    return (
        select(Event.id, Event.workspace_id, Event.type, Event.created_at)
        .where(Event.created_at >= since, ~handled)
        .order_by(Event.created_at, Event.id)
        .limit(limit)
    )


async def any_unhandled_event(session: AsyncSession, since: datetime) -> bool:
    return (await session.execute(_unhandled(since, 1))).first() is not None


async def unhandled_events(session: AsyncSession, since: datetime, limit: int) -> list[Row[Any]]:
    """Events created at or after ``since`` not fanned out yet, oldest first: rows of
    ``id, workspace_id, type, created_at``."""
    return list(await session.execute(_unhandled(since, limit)))


async def get_swept_until(session: AsyncSession) -> datetime | None:
    stmt = select(WebhookFanoutState.swept_until).where(WebhookFanoutState.id == FANOUT_STATE_ID)
    return await session.scalar(stmt)


async def lock_fanout_state(session: AsyncSession) -> WebhookFanoutState | None:
    """The state row, locked; None when another worker holds it (or it is missing)."""
    stmt = (
        select(WebhookFanoutState)
        .where(WebhookFanoutState.id == FANOUT_STATE_ID)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def ensure_fanout_state(session: AsyncSession, default_start: datetime) -> None:
    """Recreate the state row if it is missing (a truncated database), starting from the
    oldest event so nothing recorded is skipped."""
    present = select(WebhookFanoutState.id).where(WebhookFanoutState.id == FANOUT_STATE_ID)
    if await session.scalar(present):
        return
    oldest = await session.scalar(select(func.min(Event.created_at)))
    await session.execute(
        insert_ignoring_conflict(
            session,
            WebhookFanoutState.__table__,
            {"id": FANOUT_STATE_ID, "swept_until": oldest or default_start},
            ["id"],
        )
    )


async def prune_fanout_log(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(WebhookFanout).where(WebhookFanout.event_created_at < before))


async def endpoints_in(session: AsyncSession, workspace_ids: set[str]) -> list[Row[Any]]:
    """The endpoints of these workspaces with what fan-out needs: rows of ``id,
    workspace_id, events, format, created_at, created_by_key_id, key_scopes`` (``key_scopes``
    of the key that subscribed the endpoint; None when no key did, or the key row is gone)."""
    stmt = select(
        WebhookEndpoint.id,
        WebhookEndpoint.workspace_id,
        WebhookEndpoint.events,
        WebhookEndpoint.format,
        WebhookEndpoint.created_at,
        WebhookEndpoint.created_by_key_id,
        ApiKey.scopes.label("key_scopes"),
    ).outerjoin(
        ApiKey,
        and_(
            ApiKey.id == WebhookEndpoint.created_by_key_id,
            ApiKey.workspace_id == WebhookEndpoint.workspace_id,
        ),
    )
    stmt = stmt.where(WebhookEndpoint.workspace_id.in_(workspace_ids))
    return list(await session.execute(stmt))


async def event_data(session: AsyncSession, event_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The ``data`` of these events, by id (fan-out reads it only for tacohelp endpoints)."""
    if not event_ids:
        return {}
    stmt = select(Event.id, Event.data).where(Event.id.in_(event_ids))
    return {row.id: row.data for row in await session.execute(stmt)}


async def insert_deliveries(session: AsyncSession, deliveries: list[dict[str, Any]]) -> None:
    if deliveries:
        await session.execute(insert(WebhookDelivery), deliveries)


async def mark_fanned_out(session: AsyncSession, events: Sequence[Row[Any]]) -> None:
    await session.execute(
        insert(WebhookFanout),
        [{"event_id": row.id, "event_created_at": row.created_at} for row in events],
    )
