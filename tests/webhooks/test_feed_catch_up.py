"""Webhooks for speed, the feed for completeness: a receiver that was down long enough for
its endpoint to be disabled catches up from the feed and ends with every event exactly once,
in order."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.support.receiver import Receiver, Reply, wait_until
from tests.support.tenants import Tenant
from tests.support.webhooks import create_ticket, create_webhook, running_worker
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.tickets import service as tickets


async def feed_after(
    client: httpx.AsyncClient, tenant: Tenant, cursor: str | None
) -> tuple[list[dict[str, Any]], str]:
    events: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"limit": 100, **({"after": cursor} if cursor else {})}
        page = (await client.get("/api/v1/events", params=params, headers=tenant.headers)).json()
        events.extend(page["data"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            assert cursor is not None
            return events, cursor


async def test_receiver_down_for_1000_changes_catches_up_from_the_feed(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    applied: list[str] = []  # what the consumer applied, in the order it applied it

    def apply(event_id: str) -> None:
        if event_id not in applied:  # webhook-id == event id: duplicates are dropped
            applied.append(event_id)

    hook = await create_webhook(client, tenant, receiver.url(), ["*"])
    async with running_worker(db, settings):
        for i in range(3):
            await create_ticket(client, tenant, subject=f"before {i}")
        # 3 tickets of one customer: 3 ticket.created and 1 customer.created
        await wait_until(lambda: len(set(receiver.ids())) >= 4, timeout=60)
        # The consumer syncs with the feed as it goes and keeps its last cursor.
        seen, cursor = await feed_after(client, tenant, None)
        for event in seen:
            apply(event["id"])
        for event_id in receiver.ids():
            apply(event_id)

        receiver.reply = lambda _r: Reply(status=503)  # the receiver goes down
        async with db.transaction() as session:
            for i in range(1000):
                await tickets.create_ticket(
                    session,
                    tenant.ctx,
                    tickets.TicketCreate(subject=f"while down {i}", customer_email="a@acme.com"),
                )

        async def disabled() -> bool:
            found = await client.get(f"/api/v1/webhooks/{hook['id']}", headers=tenant.headers)
            return found.json()["data"]["enabled"] is False

        for _ in range(600):
            if await disabled():
                break
            await asyncio.sleep(0.1)
        assert await disabled(), "the breaker should have opened after 10 failures"
        assert len(set(receiver.ids())) < 1005  # most events never reached the receiver

    missed, _ = await feed_after(client, tenant, cursor)
    for event in missed:
        apply(event["id"])

    everything, _ = await feed_after(client, tenant, None)
    assert len(everything) == 4 + 1001  # 3 + 1000 tickets, 1 + 1 customers
    assert applied == [e["id"] for e in everything]
