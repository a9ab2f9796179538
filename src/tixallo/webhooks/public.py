"""The v1 shapes of endpoints and deliveries. The secret appears only where a caller
passes it (create and rotate)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tixallo import clock
from tixallo.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def _time(value: datetime | None) -> str | None:
    return clock.isoformat(value) if value is not None else None


def endpoint_public(endpoint: WebhookEndpoint, *, secret: str | None = None) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "id": endpoint.id,
        "object": "webhook",
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "format": endpoint.format,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": _time(endpoint.disabled_at),
        "consecutive_failures": endpoint.consecutive_failures,
        "created_at": clock.isoformat(endpoint.created_at),
        "updated_at": clock.isoformat(endpoint.updated_at),
    }
    if secret is not None:
        shape["secret"] = secret
    return shape


def attempt_public(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "attempted_at": clock.isoformat(attempt.attempted_at),
        "succeeded": attempt.succeeded,
        "status_code": attempt.status_code,
        "error": attempt.error,
        "duration_ms": attempt.duration_ms,
    }


def delivery_public(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "object": "webhook_delivery",
        "webhook_id": delivery.endpoint_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempt_count": delivery.attempt_count,
        "next_attempt_at": _time(delivery.next_attempt_at),
        "last_attempt_at": _time(delivery.last_attempt_at),
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": _time(delivery.delivered_at),
        "created_at": clock.isoformat(delivery.created_at),
        "attempts": [attempt_public(a) for a in attempts],
    }
