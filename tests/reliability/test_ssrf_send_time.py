"""SSRF at send time, for every forbidden form the registration test refuses
(tests/webhooks/test_ssrf.py): endpoints stored while private addresses were allowed are
refused by a worker that does not allow them, and a loopback listener sees no connection."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import select

from tests.support.hostile import PRIVATE_URLS
from tests.support.receiver import Receiver
from tests.support.reliability import Row, record_row
from tests.support.tenants import Tenant
from tests.support.webhooks import create_ticket, create_webhook, running_worker
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.webhooks.models import WebhookAttempt, WebhookDelivery


async def test_every_forbidden_form_is_refused_at_send_time(
    backend: str,
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    settings: Settings,
    receiver: Receiver,
) -> None:
    hooks = [
        await create_webhook(client, tenant, t.format(port=receiver.port), ["ticket.created"])
        for t in PRIVATE_URLS
    ]
    await create_ticket(client, tenant)
    strict = settings.model_copy(
        update={"webhook_allow_private": False, "webhook_timeout_seconds": 2.0}
    )

    async def first_attempts() -> list[Any]:
        """Each endpoint's first attempt, read from the database (the API would spend the
        key's rate budget on polling)."""
        async with db.transaction(write=False) as session:
            rows = await session.execute(
                select(WebhookDelivery.endpoint_id, WebhookAttempt)
                .join(WebhookAttempt, WebhookAttempt.delivery_id == WebhookDelivery.id)
                .order_by(WebhookAttempt.attempted_at)
            )
            first: dict[str, WebhookAttempt] = {}
            for endpoint_id, attempt in rows:
                first.setdefault(endpoint_id, attempt)
        return [
            {"succeeded": a.succeeded, "status_code": a.status_code, "error": a.error}
            if (a := first.get(hook["id"]))
            else None
            for hook in hooks
        ]

    async with running_worker(db, strict):
        for _ in range(600):
            attempts = await first_attempts()
            if all(attempts):
                break
            await asyncio.sleep(0.05)
    attempts = await first_attempts()
    refused = [a for a in attempts if a and str(a["error"]).startswith("refused:")]
    record_row(
        Row(
            "SSRF at send time",
            backend,
            len(hooks),
            len(hooks),
            0,
            0,
            0,
            0,
            f"{len(refused)}/{len(hooks)} forms refused, loopback connections "
            f"{receiver.connections}; registration: tests/webhooks/test_ssrf.py",
        )
    )
    assert all(attempts), [h["url"] for h, a in zip(hooks, attempts, strict=True) if not a]
    for hook, attempt in zip(hooks, attempts, strict=True):
        assert attempt["succeeded"] is False, hook["url"]
        assert attempt["status_code"] is None, hook["url"]
        assert str(attempt["error"]).startswith("refused:"), (hook["url"], attempt["error"])
    assert receiver.connections == 0
