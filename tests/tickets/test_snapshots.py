"""Read-only ticket views (snapshots) show exactly what the ORM's views show."""

from __future__ import annotations

import httpx
import pytest

from tests.support.tenants import Tenant, TenantFactory, ticket_body
from tixallo.db import Database
from tixallo.tickets import repository
from tixallo.tickets import service as tickets
from tixallo.tickets.public import ticket_public


async def test_snapshots_equal_the_orm_views(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    ids = []
    for n, email in enumerate(["ann@acme.com", "bob@gmail.com", "cy@acme.com"]):
        created = await client.post(
            "/api/v1/tickets",
            json=ticket_body(customer={"email": email}, tags=[f"t{n}", "shared"]),
            headers=tenant.headers,
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["data"]["id"])
    assigned = await client.patch(
        f"/api/v1/tickets/{ids[0]}",
        json={"assignee_id": tenant.created.owner.id, "status": "waiting"},
        headers=tenant.headers,
    )
    assert assigned.status_code == 200
    async with db.transaction(write=False) as session:
        for ticket_id in ids:
            orm = ticket_public(await tickets.get_ticket(session, tenant.ctx, ticket_id))
            snapshot = ticket_public(await tickets.read_ticket(session, tenant.ctx, ticket_id))
            assert snapshot == orm
        page = await repository.list_tickets(
            session, tenant.ctx, repository.TicketFilters(), limit=10, cursor=None
        )
        assert [ticket_public(v) for v in page.items] == [
            ticket_public(await tickets.get_ticket(session, tenant.ctx, i)) for i in reversed(ids)
        ]
    first = ticket_public(page.items[-1])
    assert first["assignee"]["id"] == tenant.created.owner.id
    assert first["customer"]["company"]["domain"] == "acme.com"
    assert ticket_public(page.items[1])["customer"]["company"] is None  # gmail.com: no company


async def test_a_snapshot_cannot_be_changed(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    created = await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
    async with db.transaction() as session:
        view = await tickets.read_ticket(session, tenant.ctx, created.json()["data"]["id"])
        with pytest.raises(Exception):  # noqa: B017 - the ORM's own error, whichever it is
            view.ticket.subject = "changed"


async def test_reading_a_missing_or_foreign_ticket_is_not_found(
    client: httpx.AsyncClient, tenants: TenantFactory, tenant: Tenant
) -> None:
    other = await tenants()
    created = await client.post("/api/v1/tickets", json=ticket_body(), headers=other.headers)
    ticket_id = created.json()["data"]["id"]
    assert (
        await client.get(f"/api/v1/tickets/{ticket_id}", headers=tenant.headers)
    ).status_code == 404
    assert (await client.get("/api/v1/tickets/tkt_nope", headers=tenant.headers)).status_code == 404
    assert (
        await client.get(f"/api/v1/tickets/{ticket_id}", headers=other.headers)
    ).status_code == 200
