"""GET /api/v1/events: every event exactly once, in commit order, resumable by cursor."""

from __future__ import annotations

import asyncio
import base64
import random
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.support.hostile import b64
from tests.support.tenants import Tenant, TenantFactory, ticket_body
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


# Positions per workspace and signed cursors (issue 13, item 12; item 3 for `after` ≥ 2^63)


def cursor_body(cursor: str) -> str:
    """The readable half of a signed cursor: "<position>:<unix seconds>"."""
    body = cursor.partition(".")[0]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()


async def positions_of(db: Database, tenant: Tenant) -> list[int | None]:
    async with db.transaction(write=False) as session:
        stmt = select(Event.position).where(Event.workspace_id == tenant.id)
        return sorted((await session.execute(stmt)).scalars(), key=lambda p: p or 0)


async def test_positions_count_per_workspace_so_cursors_say_nothing_of_the_others(
    client: httpx.AsyncClient, db: Database, tenants: TenantFactory
) -> None:
    """B counted A's activity from the gap between two of its own cursors."""
    a, b = await tenants(), await tenants()
    _, first = await read_all(client, b)
    for i in range(3):
        await client.post("/api/v1/tickets", json=ticket_body(subject=f"A{i}"), headers=a.headers)
        await client.post(
            "/api/v1/tickets",
            json=ticket_body(subject=f"B{i}", customer={"email": f"b{i}@b.io"}),
            headers=b.headers,
        )
        await read_all(client, a)  # A's events are sequenced between B's
    events, second = await read_all(client, b, after=first)
    assert len(events) == 6  # 3 customer.created + 3 ticket.created
    assert int(cursor_body(second).split(":")[0]) - int(cursor_body(first).split(":")[0]) == 6
    assert await positions_of(db, b) == [1, 2, 3, 4, 5, 6]
    assert await positions_of(db, a) == [1, 2, 3, 4]  # 1 customer + 3 tickets


async def test_a_cursor_of_another_workspace_is_refused(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    a, b = await tenants(), await tenants()
    await client.post("/api/v1/tickets", json=ticket_body(), headers=a.headers)
    _, a_cursor = await read_all(client, a)
    response = await client.get("/api/v1/events", params={"after": a_cursor}, headers=b.headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "after"
    assert "not a cursor this feed returned" in response.json()["error"]["message"]


async def test_a_cursor_cannot_be_forged_to_escape_the_retention(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """The client keeps an expired cursor's position and writes a fresh time next to it
    (with the expired cursor's tag, and as an unsigned cursor of the old format)."""
    _, cursor = await read_all(client, tenant)
    position, _ = cursor_body(cursor).split(":")
    later = clock.now() + timedelta(days=31)
    fresh = f"{position}:{int(later.timestamp())}".encode()
    forged = [f"{b64(fresh)}.{cursor.partition('.')[2]}", b64(fresh)]
    clock.set_clock(lambda: later)
    try:
        expired = await client.get(
            "/api/v1/events", params={"after": cursor}, headers=tenant.headers
        )
        answers = [
            await client.get("/api/v1/events", params={"after": f}, headers=tenant.headers)
            for f in forged
        ]
    finally:
        clock.set_clock(None)
    assert expired.status_code == 410
    assert [r.status_code for r in answers] == [400, 400], [r.text for r in answers]
    assert all(r.json()["error"]["param"] == "after" for r in answers)


async def test_an_old_format_cursor_is_a_clear_400(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    old = b64(f"12:{int(clock.now().timestamp())}".encode())
    response = await client.get("/api/v1/events", params={"after": old}, headers=tenant.headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == "after"
    assert "before feed cursors were signed" in error["message"]


@pytest.mark.parametrize(
    "body",
    [
        f"{2**63}:{{now}}",
        f"{2**64}:{{now}}",
        f"{10**30}:{{now}}",
        "-1:{now}",
        "1:99999999999999999999",
        "1:-99999999999999999999",
        "1:{now}:3",
        "x:{now}",
    ],
)
async def test_after_out_of_range_is_400_naming_it(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, body: str
) -> None:
    """Positions are BIGINT: one ≥ 2^63 was a 500 (overflow in the driver). Refused unsigned
    (old format), with a forged tag, and even signed with the server's own key."""
    raw = body.replace("{now}", str(int(clock.now().timestamp()))).encode()

    async def check(after: str) -> None:
        response = await client.get(
            "/api/v1/events", params={"after": after}, headers=tenant.headers
        )
        assert response.status_code == 400, (after, response.text)
        assert response.json()["error"]["param"] == "after"

    await check(b64(raw))
    await check(f"{b64(raw)}.{b64(b'0' * 16)}")
    from tixallo.events.cursor import cursor_key, signed_message
    from tixallo.server_secrets import sign

    key = await cursor_key(db)
    await check(f"{b64(raw)}.{b64(sign(key, signed_message(tenant.id, raw)))}")


@pytest.mark.parametrize("after", [".", "a.", ".a", "a.b.c", "%%%.%%%", "MTI6MTc3.!!"])
async def test_malformed_signed_cursors_are_400(
    client: httpx.AsyncClient, tenant: Tenant, after: str
) -> None:
    response = await client.get("/api/v1/events", params={"after": after}, headers=tenant.headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "after"


async def test_all_processes_share_one_signing_key(db: Database, database_url: str) -> None:
    """The key is created once in the database: another Database (another process) on the
    same database gets the same one, and racing first uses agree on it."""
    from tixallo.config import Settings
    from tixallo.events.cursor import cursor_key

    other = Database(Settings(database_url=database_url))
    try:
        keys = await asyncio.gather(*(cursor_key(d) for d in (db, other, db, other)))
    finally:
        await other.dispose()
    assert len(set(keys)) == 1 and len(keys[0]) == 32


async def test_concurrent_sequencers_give_each_workspace_gap_free_unique_positions(
    db: Database, tenants: TenantFactory
) -> None:
    """Writers of two workspaces commit while several sequencers run at once (on PostgreSQL
    really concurrently; the counter row's lock keeps each workspace's numbering whole)."""
    from tixallo.events import feed

    a, b = await tenants(), await tenants()

    async def write(tenant: Tenant, n: int) -> None:
        for i in range(5):
            async with db.transaction() as session:
                await tickets.create_ticket(
                    session,
                    tenant.ctx,
                    tickets.TicketCreate(subject=f"{n}-{i}", customer_email=f"w{n}@x.io"),
                )
            await asyncio.sleep(0)

    async def sequence(tenant: Tenant) -> None:
        for _ in range(10):
            await feed.catch_up(db, tenant.ctx)
            await asyncio.sleep(0.001)

    await asyncio.gather(
        *(write(t, n) for n in range(4) for t in (a, b)),
        *(sequence(t) for _ in range(3) for t in (a, b)),
    )
    for tenant in (a, b):
        await feed.catch_up(db, tenant.ctx)
        positions = await positions_of(db, tenant)
        assert positions == list(range(1, len(positions) + 1))
        assert len(positions) == 4 * 5 + 4  # 20 tickets, 4 customers
