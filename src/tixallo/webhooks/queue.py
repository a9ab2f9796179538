"""The delivery worker's queue: claiming endpoints, leasing them, loading and locking their
due deliveries (worker.py).

These statements read and write across all workspaces by design: the worker claims
whichever endpoints are due, keyed by endpoint and delivery id, never by a caller's input,
and nothing they return reaches a tenant except through that tenant's own endpoint. They
live apart from repository.py (the tenant queries and the fan-out) because they are one
concept, the queue, and the worker is their only caller.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.db import UTCDateTime
from tixallo.events.models import Event
from tixallo.webhooks.models import PENDING, WebhookDelivery, WebhookEndpoint

# Sorts endpoints never leased first when claiming.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def _claimable(now: datetime, limit: int) -> Any:
    due = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.endpoint_id == WebhookEndpoint.id,
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at <= now,
        )
        .exists()
    )
    return (
        select(WebhookEndpoint.id)
        .where(
            WebhookEndpoint.enabled.is_(True),
            or_(WebhookEndpoint.lease_until.is_(None), WebhookEndpoint.lease_until < now),
            due,
        )
        .order_by(
            func.coalesce(WebhookEndpoint.lease_until, literal(NEVER, UTCDateTime())),
            WebhookEndpoint.id,
        )
        .limit(limit)
    )


async def any_claimable(session: AsyncSession, now: datetime) -> bool:
    return (await session.execute(_claimable(now, 1))).first() is not None


async def claim_endpoints(
    session: AsyncSession, now: datetime, limit: int, *, owner: str, lease_until: datetime
) -> list[str]:
    """Lease up to ``limit`` enabled endpoints with deliveries due and no live lease,
    skipping rows another worker is claiming (``FOR UPDATE SKIP LOCKED``)."""
    stmt = _claimable(now, limit).with_for_update(skip_locked=True, of=WebhookEndpoint)
    claimed = list((await session.execute(stmt)).scalars())
    if claimed:
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id.in_(claimed))
            .values(lease_owner=owner, lease_until=lease_until)
        )
    return claimed


async def leased_endpoint(
    session: AsyncSession, endpoint_id: str, owner: str
) -> WebhookEndpoint | None:
    """The endpoint if it is enabled and ``owner`` still holds its lease."""
    stmt = select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id,
        WebhookEndpoint.lease_owner == owner,
        WebhookEndpoint.enabled.is_(True),
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def due_deliveries(
    session: AsyncSession, endpoint_id: str, now: datetime, limit: int
) -> list[tuple[str, datetime | None, str, str | None, Event]]:
    """The endpoint's deliveries due now, oldest event first: ``(delivery id, due time,
    the delivery's format, stored body or None, event)``."""
    stmt = (
        select(
            WebhookDelivery.id,
            WebhookDelivery.next_attempt_at,
            WebhookDelivery.format,
            WebhookDelivery.body,
            Event,
        )
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.event_created_at, WebhookDelivery.event_id)
        .limit(limit)
    )
    return [(row[0], row[1], row[2], row[3], row[4]) for row in await session.execute(stmt)]


async def lock_endpoints(
    session: AsyncSession, endpoint_ids: list[str]
) -> dict[str, WebhookEndpoint]:
    """Lock endpoints in id order (the order the API locks in: endpoints, then their
    deliveries). FOR NO KEY UPDATE: only non-key columns change here. A plain FOR UPDATE
    conflicts with the KEY SHARE lock a concurrent fan-out's delivery INSERT takes on its
    endpoint (foreign key), and the two deadlocked."""
    stmt = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.id.in_(sorted(endpoint_ids)))
        .order_by(WebhookEndpoint.id)
        .with_for_update(key_share=True)
    )
    return {e.id: e for e in await session.scalars(stmt)}


async def lock_deliveries(
    session: AsyncSession, delivery_ids: list[str]
) -> dict[str, WebhookDelivery]:
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.id.in_(sorted(delivery_ids)))
        .order_by(WebhookDelivery.id)
        .with_for_update()
    )
    return {d.id: d for d in await session.scalars(stmt)}


async def release_lease(session: AsyncSession, endpoint_id: str, owner: str, now: datetime) -> None:
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.lease_owner == owner)
        .values(lease_owner=None, lease_until=now)
    )
