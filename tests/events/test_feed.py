"""GET /api/v1/events: every event exactly once, in commit order, resumable by cursor."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import Tenant, TenantFactory, ticket_body
from tixallo import clock
from tixallo.db import Database
from tixallo.events.models import Event
from tixallo.tickets import service as tickets


async def read_all(
    client: httpx.AsyncClient, tenant: Tenant, after: str | None = None, **params: Any
) -> tuple[list[dict[str, Any]], str]:
    events: list[dict[str, Any]] = []
    while True:
        query = {**params, **({"after": after} if after else {})}
        response = await client.get("/api/v1/events", params=query, headers=tenant.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        events.extend(body["data"])
        after = body["next_cursor"]
        assert after
        if not body["has_more"]:
            return events, after


async def test_feed_lists_events_oldest_first_and_resumes(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ticket = (
        await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
    ).json()
    events, cursor = await read_all(client, tenant)
    assert [e["type"] for e in events] == ["customer.created", "ticket.created"]
    assert events[1]["data"]["id"] == ticket["data"]["id"]
    assert set(events[0]) >= {"id", "type", "created_at", "workspace_id", "data"}
    again, same = await read_all(client, tenant, after=cursor)
    assert again == []
    await client.patch(
        f"/api/v1/tickets/{ticket['data']['id']}",
        json={"status": "resolved"},
        headers=tenant.headers,
    )
    more, _ = await read_all(client, tenant, after=same)
    assert [e["type"] for e in more] == ["ticket.updated", "ticket.resolved"]
    assert more[0]["changes"] == {"status": ["open", "resolved"]}


async def test_types_filter_and_paging(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for i in range(5):
        await client.post(
            "/api/v1/tickets",
            json=ticket_body(subject=f"T{i}", customer={"email": f"c{i}@x.io"}),
            headers=tenant.headers,
        )
    page = (
        await client.get("/api/v1/events?types=ticket.created&limit=2", headers=tenant.headers)
    ).json()
    assert [e["data"]["subject"] for e in page["data"]] == ["T0", "T1"]
    assert page["has_more"] is True
    rest, _ = await read_all(client, tenant, after=page["next_cursor"], types="ticket.created")
    assert [e["data"]["subject"] for e in rest] == ["T2", "T3", "T4"]


async def test_event_types_need_their_read_scope(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    owner = await tenants()
    await client.post("/api/v1/tickets", json=ticket_body(), headers=owner.headers)
    tickets_only = {"Authorization": f"Bearer {await tenants.key(owner, ['tickets:read'])}"}
    visible = (await client.get("/api/v1/events", headers=tickets_only)).json()["data"]
    assert [e["type"] for e in visible] == ["ticket.created"]
    refused = await client.get("/api/v1/events?types=customer.created", headers=tickets_only)
    assert refused.status_code == 403
    assert "customers:read" in refused.json()["error"]["message"]
    writer = {"Authorization": f"Bearer {await tenants.key(owner, ['tickets:write'])}"}
    assert (await client.get("/api/v1/events", headers=writer)).status_code == 403


@pytest.mark.parametrize(
    ("query", "status", "param"),
    [
        ("types=ticket.exploded", 400, "types"),
        ("after=%%%", 400, "after"),
        ("limit=0", 400, "limit"),
    ],
)
async def test_bad_feed_parameters(
    client: httpx.AsyncClient, tenant: Tenant, query: str, status: int, param: str
) -> None:
    response = await client.get(f"/api/v1/events?{query}", headers=tenant.headers)
    assert response.status_code == status, response.text
    assert response.json()["error"]["param"] == param


async def test_a_cursor_older_than_retention_is_410(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    _, cursor = await read_all(client, tenant)
    later = clock.now() + timedelta(days=31)
    clock.set_clock(lambda: later)
    try:
        response = await client.get(f"/api/v1/events?after={cursor}", headers=tenant.headers)
    finally:
        clock.set_clock(None)
    assert response.status_code == 410
    assert response.json()["error"]["type"] == "gone"
    assert "retention" in response.json()["error"]["message"]


async def test_feeds_are_per_workspace(client: httpx.AsyncClient, tenants: TenantFactory) -> None:
    a, b = await tenants(), await tenants()
    await client.post("/api/v1/tickets", json=ticket_body(subject="B's"), headers=b.headers)
    events, _ = await read_all(client, a)
    assert events == []


async def test_a_consumer_that_was_away_catches_up_exactly_once_in_order(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    _, cursor = await read_all(client, tenant)
    async with db.transaction() as session:
        for i in range(1000):
            await tickets.create_ticket(
                session, tenant.ctx, tickets.TicketCreate(subject=f"S{i}", customer_email="a@b.co")
            )
    events, _ = await read_all(client, tenant, after=cursor, types="ticket.created", limit=100)
    assert [e["data"]["number"] for e in events] == list(range(1, 1001))
    assert len({e["id"] for e in events}) == 1000


async def test_no_event_is_skipped_when_commits_land_out_of_order(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    """Writers hold their transactions open for random times, so events commit in another
    order than they were created, while a reader follows the feed the whole time."""
    from tixallo.auth.service import create_key

    async with db.transaction() as session:
        # The reader polls as fast as it can: give it a budget that never refuses.
        created = await create_key(
            session, tenant.ctx, name="reader", scopes=["*"], rate_limit="1000000/60"
        )
    tenant = Tenant(created=tenant.created, key=created.secret, ctx=tenant.ctx)
    writers, per_writer = 20, 5
    done = asyncio.Event()
    seen: list[str] = []

    async def writer(n: int) -> None:
        rng = random.Random(n)
        for i in range(per_writer):
            async with db.transaction() as session:
                await tickets.create_ticket(
                    session,
                    tenant.ctx,
                    tickets.TicketCreate(subject=f"w{n}-{i}", customer_email=f"w{n}@x.io"),
                )
                await asyncio.sleep(rng.uniform(0, 0.03))  # commit late, out of order

    async def reader() -> None:
        cursor: str | None = None
        while True:
            finished = done.is_set()
            page, cursor = await read_all(client, tenant, after=cursor, types="ticket.created")
            seen.extend(e["id"] for e in page)
            if finished:
                return
            await asyncio.sleep(0.005)

    reading = asyncio.create_task(reader())
    await asyncio.gather(*(writer(n) for n in range(writers)))
    done.set()
    await reading
    async with db.transaction(write=False) as session:
        all_ids = set(
            (
                await session.execute(
                    select(Event.id).where(
                        Event.workspace_id == tenant.id, Event.type == "ticket.created"
                    )
                )
            ).scalars()
        )
        positions = (await session.execute(select(func.count(Event.position)))).scalar_one()
    assert len(seen) == len(set(seen)), "an event was delivered twice"
    assert set(seen) == all_ids and len(all_ids) == writers * per_writer
    assert positions >= len(all_ids)
