"""Ticket numbers are per workspace, start at 1, and stay unique and gap-free under load."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from tests.support.tenants import Tenant, TenantFactory, ticket_body
from tixallo.db import Database
from tixallo.errors import Invalid
from tixallo.tickets import service as tickets
from tixallo.tickets.models import Ticket


async def test_fifty_concurrent_creates_get_numbers_1_to_50(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/v1/tickets",
                json=ticket_body(subject=f"T{i}", customer={"email": f"c{i % 7}@acme.com"}),
                headers=tenant.headers,
            )
            for i in range(50)
        )
    )
    assert [r.status_code for r in responses] == [201] * 50, [
        r.text for r in responses if r.status_code != 201
    ]
    assert sorted(r.json()["data"]["number"] for r in responses) == list(range(1, 51))


async def test_numbers_are_per_workspace(client: httpx.AsyncClient, tenants: TenantFactory) -> None:
    a, b = await tenants(), await tenants()
    for tenant in (a, b, a):
        await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
    numbers_a = [
        t["number"] for t in (await client.get("/api/v1/tickets", headers=a.headers)).json()["data"]
    ]
    numbers_b = [
        t["number"] for t in (await client.get("/api/v1/tickets", headers=b.headers)).json()["data"]
    ]
    assert numbers_a == [2, 1] and numbers_b == [1]


async def test_a_failed_create_returns_its_number(db: Database, tenant: Tenant) -> None:
    with pytest.raises(Invalid):
        async with db.transaction() as session:
            await tickets.create_ticket(
                session, tenant.ctx, tickets.TicketCreate(subject="ok", customer_email="a@b.co")
            )
            await tickets.create_ticket(
                session, tenant.ctx, tickets.TicketCreate(subject="", customer_email="a@b.co")
            )
    async with db.transaction() as session:
        view = await tickets.create_ticket(
            session, tenant.ctx, tickets.TicketCreate(subject="next", customer_email="a@b.co")
        )
    assert view.ticket.number == 1
    async with db.transaction(write=False) as session:
        count = len((await session.execute(select(Ticket.id))).all())
    assert count == 1
