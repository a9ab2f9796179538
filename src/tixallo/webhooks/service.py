"""Webhook endpoints: create, change, rotate the secret, enable, redeliver.

Services flush; the caller commits. The signing secret is returned only by
:func:`create_endpoint` and :func:`rotate_secret`; at rest it is sealed (sealing.py).
Fan-out of outbox events lives in fanout.py and the delivery loop in worker.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock, ids
from tixallo.context import Ctx
from tixallo.errors import Conflict, Invalid, NotFound
from tixallo.events.service import EVENT_TYPES
from tixallo.validation import check_text
from tixallo.webhooks import repository, sealing, signing, ssrf
from tixallo.webhooks.models import PENDING, WebhookDelivery, WebhookEndpoint

ALL_EVENTS = "*"
MAX_ENDPOINTS = 50
MAX_DESCRIPTION = 500


@dataclass(frozen=True, slots=True)
class EndpointCreate:
    url: str
    events: list[str]
    description: str = ""
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class EndpointUpdate:
    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None


@dataclass(frozen=True, slots=True)
class EndpointWithSecret:
    endpoint: WebhookEndpoint
    secret: str


def check_events(events: list[str], *, param: str = "events") -> list[str]:
    """At least one known event type (or ``*``), duplicates dropped, order kept."""
    if not events:
        raise Invalid("events must name at least one event type.", param=param)
    clean: list[str] = []
    for name in events:
        name = name.strip()
        if name != ALL_EVENTS and name not in EVENT_TYPES:
            raise Invalid(
                f"Unknown event type {name!r}. Known: {', '.join(EVENT_TYPES)}, or '*'.",
                param=param,
            )
        if name not in clean:
            clean.append(name)
    return clean


def _description(value: str) -> str:
    if not value.strip():
        return ""
    return check_text(value, param="description", max_length=MAX_DESCRIPTION)


async def create_endpoint(
    session: AsyncSession,
    ctx: Ctx,
    data: EndpointCreate,
    *,
    allow_private: bool,
    secret_key: str,
) -> EndpointWithSecret:
    url = await ssrf.check_registration(data.url, allow_private=allow_private)
    events = check_events(data.events)
    description = _description(data.description)
    count = await session.scalar(
        select(func.count()).select_from(repository.endpoints_of(ctx).subquery())
    )
    if (count or 0) >= MAX_ENDPOINTS:
        raise Conflict(f"A workspace can have at most {MAX_ENDPOINTS} webhooks.", param="url")
    secret = signing.generate_secret()
    now = clock.now()
    endpoint = WebhookEndpoint(
        id=ids.new_id("whk"),
        workspace_id=ctx.workspace_id,
        url=url,
        description=description,
        events=events,
        secret_sealed=sealing.seal(secret, secret_key),
        enabled=data.enabled,
        disabled_reason=None if data.enabled else "Disabled when created.",
        disabled_at=None if data.enabled else now,
        consecutive_failures=0,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    await session.flush()
    return EndpointWithSecret(endpoint, secret)


async def get_endpoint(session: AsyncSession, ctx: Ctx, endpoint_id: str) -> WebhookEndpoint:
    endpoint = await repository.get_endpoint(session, ctx, endpoint_id)
    if endpoint is None:
        raise NotFound("webhook", endpoint_id)
    return endpoint


async def update_endpoint(
    session: AsyncSession,
    ctx: Ctx,
    endpoint_id: str,
    data: EndpointUpdate,
    *,
    allow_private: bool,
) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, ctx, endpoint_id)
    if data.url is not None:
        endpoint.url = await ssrf.check_registration(data.url, allow_private=allow_private)
    if data.events is not None:
        endpoint.events = check_events(data.events)
    if data.description is not None:
        endpoint.description = _description(data.description)
    if data.enabled is True and not endpoint.enabled:
        await _enable(session, endpoint)
    elif data.enabled is False and endpoint.enabled:
        endpoint.enabled = False
        endpoint.disabled_reason = "Disabled through the API."
        endpoint.disabled_at = clock.now()
    endpoint.updated_at = clock.now()
    await session.flush()
    return endpoint


async def delete_endpoint(session: AsyncSession, ctx: Ctx, endpoint_id: str) -> None:
    """Deletes the endpoint with its deliveries and their attempt log."""
    endpoint = await get_endpoint(session, ctx, endpoint_id)
    await session.delete(endpoint)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, ctx: Ctx, endpoint_id: str, *, secret_key: str
) -> EndpointWithSecret:
    """A new secret signs every attempt from now on, retries of older events included."""
    endpoint = await get_endpoint(session, ctx, endpoint_id)
    secret = signing.generate_secret()
    endpoint.secret_sealed = sealing.seal(secret, secret_key)
    endpoint.updated_at = clock.now()
    await session.flush()
    return EndpointWithSecret(endpoint, secret)


async def _enable(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    """Everything kept while disabled becomes due at once, with a fresh retry budget."""
    now = clock.now()
    endpoint.enabled = True
    endpoint.disabled_reason = None
    endpoint.disabled_at = None
    endpoint.consecutive_failures = 0
    endpoint.updated_at = now
    await session.flush()  # the endpoint row first, then its deliveries: the worker's order
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.workspace_id == endpoint.workspace_id,
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == PENDING,
        )
        .values(next_attempt_at=now, round_attempts=0)
    )


async def enable_endpoint(session: AsyncSession, ctx: Ctx, endpoint_id: str) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, ctx, endpoint_id)
    if not endpoint.enabled:
        await _enable(session, endpoint)
        endpoint.updated_at = clock.now()
        await session.flush()
    return endpoint


async def redeliver(
    session: AsyncSession, ctx: Ctx, endpoint_id: str, delivery_id: str
) -> WebhookDelivery:
    """Queue the delivery again, due now, with a fresh retry budget. On a disabled
    endpoint it waits for the endpoint to be enabled."""
    await get_endpoint(session, ctx, endpoint_id)
    delivery = await repository.get_delivery(session, ctx, endpoint_id, delivery_id)
    if delivery is None:
        raise NotFound("delivery", delivery_id)
    # One UPDATE of every column (not the ORM's changed-columns-only flush): it waits for a
    # worker recording an attempt on this row and then wins, so the redelivery is not lost.
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.workspace_id == ctx.workspace_id,
            WebhookDelivery.id == delivery.id,
        )
        .values(status=PENDING, round_attempts=0, next_attempt_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    await session.refresh(delivery)
    return delivery
