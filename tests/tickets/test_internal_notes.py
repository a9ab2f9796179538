"""Internal notes exist for agents only: no endpoint and no event payload ever shows one."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from tests.support.tenants import Tenant, ticket_body
from tixallo.db import Database
from tixallo.errors import Invalid
from tixallo.events.models import Event
from tixallo.tickets import repository
from tixallo.tickets import service as tickets

NOTE = "INTERNAL-NOTE-7f3a: customer is on the watch list"


async def test_no_endpoint_and_no_event_shows_an_internal_note(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    ticket = (
        await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
    ).json()["data"]
    async with db.transaction() as session:
        await tickets.add_message(
            session,
            tenant.ctx,
            ticket["id"],
            body=NOTE,
            author_member_id=tenant.created.owner.id,
            internal=True,
        )
    other = (
        await client.post(
            "/api/v1/tickets", json=ticket_body(subject="other"), headers=tenant.headers
        )
    ).json()["data"]
    # Move the note with a merge too: merged notes must stay hidden.
    await client.post(
        f"/api/v1/tickets/{ticket['id']}/merge",
        json={"target_id": other["id"]},
        headers=tenant.headers,
    )
    await client.post(
        f"/api/v1/tickets/{other['id']}/messages", json={"body": "public"}, headers=tenant.headers
    )
    customer_id = ticket["customer"]["id"]
    company_id = ticket["customer"]["company"]["id"]
    paths = [
        "/api/v1/tickets",
        f"/api/v1/tickets/{ticket['id']}",
        f"/api/v1/tickets/{other['id']}",
        f"/api/v1/tickets/{ticket['id']}/messages",
        f"/api/v1/tickets/{other['id']}/messages",
        "/api/v1/customers",
        f"/api/v1/customers/{customer_id}",
        "/api/v1/companies",
        f"/api/v1/companies/{company_id}",
        "/api/v1/inboxes",
    ]
    for path in paths:
        response = await client.get(path, headers=tenant.headers)
        assert response.status_code == 200, path
        assert "INTERNAL-NOTE-7f3a" not in response.text, path
    async with db.transaction(write=False) as session:
        events = (await session.execute(select(Event))).scalars().all()
        hidden = await repository.list_messages(
            session, tenant.ctx, other["id"], include_internal=True
        )
    assert any(m.message.body == NOTE for m in hidden.items)  # the note is there for agents
    assert events
    for event in events:
        assert "INTERNAL-NOTE-7f3a" not in json.dumps(event.data), event.type


async def test_internal_note_needs_a_member_author(db: Database, tenant: Tenant) -> None:
    async with db.transaction() as session:
        view = await tickets.create_ticket(
            session, tenant.ctx, tickets.TicketCreate(subject="s", customer_email="a@b.co")
        )
        with pytest.raises(Invalid):
            await tickets.add_message(session, tenant.ctx, view.ticket.id, body=NOTE, internal=True)
