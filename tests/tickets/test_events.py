"""Every change records its events in the outbox, in the change's own transaction."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from tests.support.tenants import Tenant, ticket_body
from tixallo.db import Database
from tixallo.events.models import Event
from tixallo.events.service import event_payload
from tixallo.tickets import service as tickets


async def events_of(db: Database, tenant: Tenant) -> list[Event]:
    async with db.transaction(write=False) as session:
        stmt = (
            select(Event)
            .where(Event.workspace_id == tenant.id)
            .order_by(Event.created_at, Event.id)
        )
        return list((await session.execute(stmt)).scalars())


async def test_changes_record_their_events(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    ticket = (
        await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
    ).json()["data"]
    url = f"/api/v1/tickets/{ticket['id']}"
    await client.patch(url, json={"status": "resolved", "priority": "low"}, headers=tenant.headers)
    await client.patch(url, json={"status": "open"}, headers=tenant.headers)
    await client.patch(url, json={"status": "closed"}, headers=tenant.headers)
    await client.post(f"{url}/messages", json={"body": "hi"}, headers=tenant.headers)
    types = [e.type for e in await events_of(db, tenant)]
    assert types == [
        "customer.created",
        "ticket.created",
        "ticket.updated",
        "ticket.resolved",
        "ticket.updated",
        "ticket.reopened",
        "ticket.updated",
        "ticket.closed",
        "ticket.message.created",
        "ticket.commented",
    ]


async def test_update_events_carry_what_changed(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    ticket = (
        await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
    ).json()["data"]
    await client.patch(
        f"/api/v1/tickets/{ticket['id']}",
        json={"priority": "urgent", "tags": ["vip"]},
        headers=tenant.headers,
    )
    updated = next(e for e in await events_of(db, tenant) if e.type == "ticket.updated")
    payload = event_payload(updated)
    assert payload["changes"] == {
        "priority": ["high", "urgent"],
        "tags": [["bug", "safari"], ["vip"]],
    }
    assert payload["data"]["priority"] == "urgent"
    assert payload["id"].startswith("evt_") and payload["workspace_id"] == tenant.id


async def test_a_patch_that_changes_nothing_records_nothing(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    ticket = (
        await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
    ).json()["data"]
    before = len(await events_of(db, tenant))
    await client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"priority": "high"}, headers=tenant.headers
    )
    assert len(await events_of(db, tenant)) == before


async def test_a_rolled_back_change_records_no_event(db: Database, tenant: Tenant) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await tickets.create_ticket(
                session, tenant.ctx, tickets.TicketCreate(subject="s", customer_email="a@b.co")
            )
            raise RuntimeError("crash before commit")
    assert await events_of(db, tenant) == []
