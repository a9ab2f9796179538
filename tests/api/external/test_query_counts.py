"""List and detail endpoints cost a fixed number of queries, however many rows they show
(no N+1 can creep in)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from tests.support.tenants import Tenant
from tixallo.db import Database
from tixallo.workspaces.service import add_member


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def queries_for(client: httpx.AsyncClient, db: Database, tenant: Tenant, path: str) -> int:
    await client.get(path, headers=tenant.headers)  # warm the key cache
    with counted(db) as statements:
        response = await client.get(path, headers=tenant.headers)
    assert response.status_code == 200
    return len(statements)


async def add_tickets(client: httpx.AsyncClient, tenant: Tenant, n: int, start: int) -> None:
    for i in range(start, start + n):
        created = await client.post(
            "/api/external/tickets",
            json={"subject": f"T{i}", "description": "d", "createdByEmail": f"c{i}@example.com"},
            headers=tenant.headers,
        )
        await client.patch(
            f"/api/external/tickets/{created.json()['id']}",
            json={"assigneeId": tenant.created.owner.id},
            headers=tenant.headers,
        )


@pytest.mark.parametrize("path", ["/api/external/tickets", "/api/external/chat/conversations"])
async def test_lists_cost_the_same_for_1_and_10_rows(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, path: str
) -> None:
    async def grow(n: int, start: int) -> None:
        if "tickets" in path:
            await add_tickets(client, tenant, n, start)
            return
        for i in range(start, start + n):
            await client.post(
                "/api/external/chat/conversations",
                json={"visitorEmail": f"v{i}@example.com"},
                headers=tenant.headers,
            )

    await grow(1, 0)
    one = await queries_for(client, db, tenant, path)
    await grow(9, 1)
    assert await queries_for(client, db, tenant, path) == one


async def test_ticket_detail_costs_the_same_for_1_and_10_comments(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    async with db.transaction() as session:
        await add_member(session, tenant.id, email="dev@example.com", name="Jordan", role="agent")
    created = await client.post(
        "/api/external/tickets",
        json={"subject": "T", "description": "d", "createdByEmail": "c@example.com"},
        headers=tenant.headers,
    )
    path = f"/api/external/tickets/{created.json()['id']}"
    authors = ["dev@example.com", "x@example.com", None]

    async def comment(i: int) -> None:
        body: dict[str, Any] = {"content": f"c{i}"}
        if authors[i % 3]:
            body["authorEmail"] = authors[i % 3]
        await client.post(f"{path}/comments", json=body, headers=tenant.headers)

    await comment(0)
    one = await queries_for(client, db, tenant, path)
    for i in range(1, 10):
        await comment(i)
    assert await queries_for(client, db, tenant, path) == one


async def test_conversation_detail_costs_the_same_for_1_and_10_messages(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    created = await client.post(
        "/api/external/chat/conversations",
        json={"visitorEmail": "v@example.com"},
        headers=tenant.headers,
    )
    path = f"/api/external/chat/conversations/{created.json()['id']}"

    async def message(i: int) -> None:
        body = {"content": f"m{i}", "senderType": "agent" if i % 2 else "visitor"}
        await client.post(f"{path}/messages", json=body, headers=tenant.headers)

    await message(0)
    one = await queries_for(client, db, tenant, path)
    for i in range(1, 10):
        await message(i)
    assert await queries_for(client, db, tenant, path) == one
    assert one == 2, one  # the conversation, then its messages
