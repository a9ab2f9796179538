"""What one delivery attempt changes: the log row, the retry schedule, the circuit breaker.

Pure rules over the rows the worker has locked (no I/O): the worker decides when to apply
them and commits the result.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from tixallo import ids
from tixallo.webhooks.models import (
    FAILED,
    SUCCEEDED,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from tixallo.webhooks.sender import Outcome

log = logging.getLogger("tixallo.webhooks")


def apply_attempt(
    now: datetime,
    endpoint: WebhookEndpoint,
    delivery: WebhookDelivery,
    outcome: Outcome,
    *,
    workspace_id: str,
    due_at: datetime | None,
    delays: list[float],
    threshold: int,
) -> WebhookAttempt:
    """Update the delivery and the endpoint for this attempt and return its log row (for
    the caller to add). ``due_at`` is the due time the delivery was sent with: a
    redeliver or enable meanwhile changed it."""
    attempt = WebhookAttempt(
        id=ids.new_id("wha"),
        workspace_id=workspace_id,
        delivery_id=delivery.id,
        attempted_at=now,
        succeeded=outcome.succeeded,
        status_code=outcome.status_code,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
    )
    delivery.attempt_count += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    # Redelivered (or re-enabled) while this attempt was in flight: the attempt is
    # logged, and the delivery stays queued to go out again as asked.
    requeued = delivery.next_attempt_at != due_at
    if not requeued:
        delivery.round_attempts += 1
    if outcome.succeeded:
        endpoint.consecutive_failures = 0
        if not requeued:
            delivery.status = SUCCEEDED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        return attempt
    if not requeued and delivery.round_attempts > len(delays):
        delivery.status = FAILED
        delivery.next_attempt_at = None
    elif not requeued:
        wait = timedelta(seconds=delays[delivery.round_attempts - 1])
        delivery.next_attempt_at = now + wait
    endpoint.consecutive_failures += 1
    if endpoint.enabled and endpoint.consecutive_failures >= threshold:
        endpoint.enabled = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = (
            f"Disabled after {endpoint.consecutive_failures} consecutive failed"
            " attempts. Enable it to deliver the events kept since."
        )
        log.warning("webhook %s disabled by the circuit breaker", endpoint.id)
    return attempt
