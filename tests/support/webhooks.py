"""Webhook tests' helpers: a worker delivering in the test's own loop, and the API calls that
register an endpoint and make an event to deliver."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from tests.support.tenants import Tenant, post_ticket
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.webhooks.worker import Worker

#: Retry delays short enough that a test sees every retry within seconds.
FAST_RETRIES = [0.05, 0.1, 0.2]


@contextlib.asynccontextmanager
async def running_worker(db: Database, settings: Settings, **kwargs: Any) -> AsyncIterator[Worker]:
    """A worker delivering in the background of the test's loop until the block ends."""
    worker = Worker(db, settings, poll_interval=0.02, **kwargs)
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await asyncio.wait_for(task, 30)


async def create_webhook(
    client: httpx.AsyncClient, tenant: Tenant, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhooks",
        json={"url": url, "events": events or ["*"]},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def create_ticket(client: httpx.AsyncClient, tenant: Tenant, **overrides: Any) -> str:
    """Create a ticket through the v1 API; answers its id (the event to deliver is made)."""
    return str((await post_ticket(client, tenant, **overrides))["id"])
