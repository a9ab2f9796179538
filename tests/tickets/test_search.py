"""Full-text search: ``GET /api/v1/tickets?q=`` and the agent app's queue search."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql

from tests.support.tenants import Tenant, TenantFactory, ticket_body
from tests.support.web import sign_in
from tixallo.db import Database
from tixallo.tickets import repository
from tixallo.tickets import search as search_module
from tixallo.tickets import service as tickets
from tixallo.tickets.models import Message, Ticket
from tixallo.tickets.search import parse_search


async def create(client: httpx.AsyncClient, tenant: Tenant, subject: str, body: str) -> str:
    response = await client.post(
        "/api/v1/tickets",
        json=ticket_body(subject=subject, body=body, tags=[]),
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    ticket_id: str = response.json()["data"]["id"]
    return ticket_id


async def search(client: httpx.AsyncClient, tenant: Tenant, q: str, **params: str) -> list[str]:
    response = await client.get(
        "/api/v1/tickets", params={"q": q, **params}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["data"]]


async def note(db: Database, tenant: Tenant, ticket_id: str, body: str) -> None:
    async with db.transaction() as session:
        await tickets.add_message(
            session,
            tenant.ctx,
            ticket_id,
            body=body,
            author_member_id=tenant.created.owner.id,
            internal=True,
        )


async def test_search_finds_words_in_subjects_and_public_messages(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    invoice = await create(client, tenant, "Invoice PDF is blank", "Printing fails too.")
    login = await create(client, tenant, "Cannot sign in", "The Safari login page stays white.")
    noted = await create(client, tenant, "Refund request", "Please refund order 4411.")
    await note(db, tenant, noted, "Customer is on the escalation list")

    assert await search(client, tenant, "invoice") == [invoice]
    assert await search(client, tenant, "SAFARI") == [login]  # case does not matter
    assert await search(client, tenant, "safari white") == [login]  # every word, one message
    assert await search(client, tenant, "safari invoice") == []
    assert await search(client, tenant, "4411") == [noted]
    # Internal notes are never searched through the API: their words must not leak.
    assert await search(client, tenant, "escalation") == []
    assert await search(client, tenant, "order", status="open") == [noted]
    assert await search(client, tenant, "order", status="closed") == []


async def test_search_pages_newest_first_by_cursor(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ids = [await create(client, tenant, f"Export broken #{n}", "export again") for n in range(5)]
    first = await client.get(
        "/api/v1/tickets", params={"q": "export", "limit": 3}, headers=tenant.headers
    )
    page = first.json()
    assert [t["id"] for t in page["data"]] == ids[::-1][:3]
    assert page["has_more"] is True
    second = await client.get(
        "/api/v1/tickets",
        params={"q": "export", "limit": 3, "cursor": page["next_cursor"]},
        headers=tenant.headers,
    )
    assert [t["id"] for t in second.json()["data"]] == ids[::-1][3:]
    assert second.json()["has_more"] is False


async def test_search_never_crosses_workspaces(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    mine, theirs = await tenants(), await tenants()
    await create(client, theirs, "Secret merger plans", "confidential")
    assert await search(client, mine, "merger") == []
    assert len(await search(client, theirs, "merger")) == 1


@pytest.mark.parametrize(
    ("q", "status"), [("", 400), ("!!! ???", 400), ("x" * 201, 400), ("%", 400)]
)
async def test_a_query_without_words_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, q: str, status: int
) -> None:
    response = await client.get("/api/v1/tickets", params={"q": q}, headers=tenant.headers)
    assert response.status_code == status, response.text
    assert response.json()["error"]["param"] == "q"


async def test_like_wildcards_are_plain_characters(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    plain = await create(client, tenant, "Plain subject", "nothing special here")
    assert await search(client, tenant, "subjec_") == []  # no "_" wildcard
    assert await search(client, tenant, "subject") == [plain]


async def test_the_queue_search_finds_internal_notes_for_agents(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    noted = await create(client, tenant, "Refund request", "Please refund.")
    await note(db, tenant, noted, "escalation approved by finance")
    await sign_in(client, tenant.created.user.email)
    page = await client.get("/", params={"q": "escalation", "view": "all"})
    assert page.status_code == 200
    assert f"/tickets/{noted}" in page.text
    nothing = await client.get("/", params={"q": "!!!", "view": "all"})
    assert nothing.status_code == 200


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_postgresql_search_expressions_are_the_indexed_ones(
    backend: str, db: Database, tenant: Tenant
) -> None:
    """The conditions the search builds can be answered from the GIN indexes of 0004 (an
    expression written slightly differently would silently read every row)."""
    plans = []
    for table, column in ((Ticket, Ticket.subject), (Message, Message.body)):
        stmt = select(table.id).where(search_module._text_matches(column, "invoice blank"))
        sql = str(
            stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
        )
        async with db.engine.connect() as conn:
            await conn.execute(text("SET enable_seqscan = off"))
            plans.append("\n".join(r[0] for r in await conn.exec_driver_sql(f"EXPLAIN {sql}")))
    assert "ix_tickets_search" in plans[0], plans[0]
    assert "ix_messages_search" in plans[1], plans[1]


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_a_search_plans_with_its_values_and_leaves_the_connection_as_it_was(
    backend: str, db: Database, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    found = await create(client, tenant, "Printer jammed", "paper everywhere")
    async with db.transaction(write=False) as session:
        connection = await session.connection()
        page = await repository.list_tickets(
            session,
            tenant.ctx,
            repository.TicketFilters(search=parse_search("printer")),
            limit=10,
            cursor=None,
        )
        mode = (await connection.exec_driver_sql("SHOW plan_cache_mode")).scalar_one()
    assert [v.ticket.id for v in page.items] == [found]
    assert mode == "auto"
