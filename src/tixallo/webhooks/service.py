"""Webhook endpoints: create, change, rotate the secret, enable, redeliver.

Services flush; the caller commits. The signing secret is returned only by
:func:`create_endpoint` and :func:`rotate_secret`; at rest it is sealed (sealing.py).
Fan-out of outbox events lives in fanout.py and the delivery loop in worker.py.

Choosing an endpoint's url or events, and enabling it, is subscribing: the caller must be
able to read every subscribed event type (subscriptions.py), and becomes the endpoint's
owner (``created_by_key_id``: the calling API key, or NULL for admins in the app and the
CLI). Revoking a key disables the endpoints it owns; rotating it hands them to the new key.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock, ids
from tixallo.context import Ctx
from tixallo.errors import Conflict, Forbidden, NotFound
from tixallo.validation import check_text
from tixallo.webhooks import formats, repository, sealing, signing, ssrf
from tixallo.webhooks.models import TIXALLO, WebhookDelivery, WebhookEndpoint
from tixallo.webhooks.subscriptions import check_events, check_readable

MAX_ENDPOINTS = 50
KEY_REVOKED = (
    "Disabled because the API key that subscribed it was revoked. Enable it (in Settings, or "
    "with a key that can read its event types) to deliver the events kept since."
)
MAX_DESCRIPTION = 500


@dataclass(frozen=True, slots=True)
class EndpointCreate:
    url: str
    events: list[str]
    description: str = ""
    enabled: bool = True
    format: str = TIXALLO


@dataclass(frozen=True, slots=True)
class EndpointUpdate:
    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None
    format: str | None = None


@dataclass(frozen=True, slots=True)
class EndpointWithSecret:
    endpoint: WebhookEndpoint
    secret: str


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
    events = check_events(data.events)
    payload_format = formats.check_format(data.format)
    formats.check_events_for_format(payload_format, events)
    check_readable(ctx, events)
    url = await ssrf.check_registration(data.url, allow_private=allow_private)
    description = _description(data.description)
    if await repository.count_endpoints(session, ctx) >= MAX_ENDPOINTS:
        raise Conflict(f"A workspace can have at most {MAX_ENDPOINTS} webhooks.", param="url")
    secret = signing.generate_secret()
    now = clock.now()
    endpoint = WebhookEndpoint(
        id=ids.new_id("whk"),
        workspace_id=ctx.workspace_id,
        url=url,
        description=description,
        events=events,
        format=payload_format,
        secret_sealed=sealing.seal(secret, secret_key),
        enabled=data.enabled,
        disabled_reason=None if data.enabled else "Disabled when created.",
        disabled_at=None if data.enabled else now,
        consecutive_failures=0,
        created_by_key_id=ctx.key_id,
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
    """A new url or events, or enabling, is subscribing anew (see the module docstring);
    every input is checked before anything changes. A new format applies to the deliveries
    created from then on (formats.py)."""
    endpoint = await get_endpoint(session, ctx, endpoint_id)
    events = check_events(data.events) if data.events is not None else None
    payload_format = formats.check_format(data.format) if data.format is not None else None
    formats.check_events_for_format(
        payload_format or endpoint.format, events if events is not None else list(endpoint.events)
    )
    url = endpoint.url
    if data.url is not None:
        url = await ssrf.check_registration(data.url, allow_private=allow_private)
    description = _description(data.description) if data.description is not None else None
    enabling = data.enabled is True and not endpoint.enabled
    subscribing = data.url is not None or events is not None or enabling
    if subscribing:
        if events is None and enabling:
            _check_enabling(ctx, endpoint)
        else:
            check_readable(ctx, events if events is not None else list(endpoint.events))
        endpoint.created_by_key_id = ctx.key_id
    endpoint.url = url
    if events is not None:
        endpoint.events = events
    if description is not None:
        endpoint.description = description
    if payload_format is not None:
        endpoint.format = payload_format
    if enabling:
        await _enable(session, ctx, endpoint)
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


async def _enable(session: AsyncSession, ctx: Ctx, endpoint: WebhookEndpoint) -> None:
    """Everything kept while disabled becomes due at once, with a fresh retry budget."""
    now = clock.now()
    endpoint.enabled = True
    endpoint.disabled_reason = None
    endpoint.disabled_at = None
    endpoint.consecutive_failures = 0
    endpoint.updated_at = now
    await session.flush()  # the endpoint row first, then its deliveries: the worker's order
    await repository.make_pending_due(session, ctx, endpoint.id, now)


def _check_enabling(ctx: Ctx, endpoint: WebhookEndpoint) -> None:
    """Only a caller who could subscribe to the endpoint's events may turn delivery back on;
    the message says why the endpoint was off when its key was revoked."""
    try:
        check_readable(ctx, list(endpoint.events))
    except Forbidden as exc:
        if endpoint.disabled_reason == KEY_REVOKED:
            raise Forbidden(
                f"This webhook was disabled because the API key that subscribed it was "
                f"revoked. Enabling it needs a key that can read its event types: "
                f"{exc.message}",
                param=exc.param,
            ) from exc
        raise


async def enable_endpoint(session: AsyncSession, ctx: Ctx, endpoint_id: str) -> WebhookEndpoint:
    """Enabling is subscribing again: the caller must be able to read the endpoint's event
    types, and becomes its owner."""
    endpoint = await get_endpoint(session, ctx, endpoint_id)
    if not endpoint.enabled:
        _check_enabling(ctx, endpoint)
        endpoint.created_by_key_id = ctx.key_id
        await _enable(session, ctx, endpoint)
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
    await repository.requeue_delivery(session, ctx, delivery.id, clock.now())
    await session.refresh(delivery)
    return delivery


async def disable_endpoints_of_revoked_key(session: AsyncSession, ctx: Ctx, key_id: str) -> None:
    """A revoked key's endpoints stop delivering: the subscription was that key's access
    to the events. They keep their events (deliveries are kept while disabled) until an
    admin, or a key that can read those types, enables them."""
    await repository.disable_endpoints_of_key(
        session, ctx, key_id, reason=KEY_REVOKED, now=clock.now()
    )


async def hand_endpoints_to_successor(
    session: AsyncSession, ctx: Ctx, old_key_id: str, new_key_id: str
) -> None:
    """A rotated key's successor has the same scopes, so it inherits the endpoints."""
    await repository.hand_endpoints_to_key(session, ctx, old_key_id, new_key_id)
