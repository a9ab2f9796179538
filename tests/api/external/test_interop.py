"""One set of tickets behind both APIs, and internal notes that never leave through
/api/external."""

from __future__ import annotations

import httpx

from tests.support.tenants import Tenant, ticket_body
from tixallo.db import Database
from tixallo.tickets import service as tickets
from tixallo.workspaces.service import add_member


async def test_a_ticket_created_externally_is_visible_in_v1(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(
        "/api/external/tickets",
        json={
            "subject": "Login page shows blank screen",
            "description": "When I try to log in using Safari...",
            "priority": "HIGH",
            "createdByEmail": "Client@Example.com",
            "tags": ["bug", "safari"],
        },
        headers=tenant.headers,
    )
    external = created.json()
    v1 = (await client.get(f"/api/v1/tickets/{external['id']}", headers=tenant.headers)).json()
    ticket = v1["data"]
    assert ticket["number"] == external["ticketNumber"]
    assert (ticket["status"], ticket["priority"], ticket["source"]) == ("open", "high", "api")
    assert ticket["tags"] == ["bug", "safari"]
    assert ticket["customer"]["email"] == "client@example.com"
    messages = await client.get(
        f"/api/v1/tickets/{external['id']}/messages", headers=tenant.headers
    )
    [first] = messages.json()["data"]
    assert first["body"] == "When I try to log in using Safari..."
    assert first["author"]["email"] == "client@example.com"
    listed = (await client.get("/api/v1/tickets", headers=tenant.headers)).json()
    assert [t["id"] for t in listed["data"]] == [external["id"]]


async def test_a_ticket_created_in_v1_is_visible_externally(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
    v1 = created.json()["data"]
    await client.post(
        f"/api/v1/tickets/{v1['id']}/messages",
        json={"body": "Any news?", "author_email": "sam@acme.com"},
        headers=tenant.headers,
    )
    got = await client.get(f"/api/external/tickets/{v1['id']}", headers=tenant.headers)
    assert got.status_code == 200
    external = got.json()
    assert external["ticketNumber"] == v1["number"]
    assert (external["status"], external["priority"], external["source"]) == (
        "OPEN",
        "HIGH",
        "API",
    )
    assert external["createdBy"] == {"name": "Sam", "email": "sam@acme.com"}
    assert external["description"] == ticket_body()["body"]
    assert [(c["content"], c["author"]["name"]) for c in external["comments"]] == [
        ("Any news?", "Sam")
    ]
    listed = (await client.get("/api/external/tickets", headers=tenant.headers)).json()
    assert [t["id"] for t in listed["tickets"]] == [v1["id"]]


async def test_an_external_patch_shows_in_v1_and_back(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    v1 = (await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)).json()
    ticket_id = v1["data"]["id"]
    await client.patch(
        f"/api/external/tickets/{ticket_id}",
        json={"status": "WAITING", "assigneeId": tenant.created.user.email},
        headers=tenant.headers,
    )
    data = (await client.get(f"/api/v1/tickets/{ticket_id}", headers=tenant.headers)).json()
    assert data["data"]["status"] == "waiting"
    assert data["data"]["assignee_id"] == tenant.created.owner.id
    await client.patch(
        f"/api/v1/tickets/{ticket_id}",
        json={"status": "resolved", "assignee_id": None},
        headers=tenant.headers,
    )
    got = (await client.get(f"/api/external/tickets/{ticket_id}", headers=tenant.headers)).json()
    assert (got["status"], got["assignee"]) == ("RESOLVED", None)


async def test_internal_notes_never_appear_in_comments(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    created = await client.post(
        "/api/external/tickets",
        json={"subject": "Refund", "createdByEmail": "sam@example.com"},
        headers=tenant.headers,
    )
    ticket_id = created.json()["id"]
    async with db.transaction() as session:
        await tickets.add_message(
            session,
            tenant.ctx,
            ticket_id,
            body="SECRET: customer is on the watch list",
            internal=True,
            author_member_id=tenant.created.owner.id,
        )
    posted = await client.post(
        f"/api/external/tickets/{ticket_id}/comments",
        json={"content": "We are on it.", "authorEmail": tenant.created.user.email},
        headers=tenant.headers,
    )
    assert posted.status_code == 201
    assert posted.json()["author"] == {
        "name": tenant.created.user.name,
        "email": tenant.created.user.email,
    }
    got = await client.get(f"/api/external/tickets/{ticket_id}", headers=tenant.headers)
    body = got.json()
    assert "SECRET" not in got.text
    assert body["description"] == ""
    assert [c["content"] for c in body["comments"]] == ["We are on it."]
    for path in ("/api/external/tickets", f"/api/v1/tickets/{ticket_id}/messages"):
        assert "SECRET" not in (await client.get(path, headers=tenant.headers)).text


async def test_a_members_email_comments_as_that_member(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    async with db.transaction() as session:
        await add_member(session, tenant.id, email="dev@example.com", name="Jordan", role="agent")
    created = await client.post(
        "/api/external/tickets",
        json={"subject": "Bug", "description": "It broke", "createdByEmail": "sam@example.com"},
        headers=tenant.headers,
    )
    ticket_id = created.json()["id"]
    posted = await client.post(
        f"/api/external/tickets/{ticket_id}/comments",
        json={"content": "Looking.", "authorEmail": "DEV@example.com"},
        headers=tenant.headers,
    )
    assert posted.json()["author"] == {"name": "Jordan", "email": "dev@example.com"}
    customer_comment = await client.post(
        f"/api/external/tickets/{ticket_id}/comments",
        json={"content": "Thanks"},
        headers=tenant.headers,
    )
    assert customer_comment.json()["author"] == {"name": "sam", "email": "sam@example.com"}
    assigned = await client.patch(
        f"/api/external/tickets/{ticket_id}",
        json={"assigneeId": "dev@example.com"},
        headers=tenant.headers,
    )
    assert assigned.json()["assignee"] == {"name": "Jordan", "email": "dev@example.com"}


async def test_unknown_fields_are_ignored(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = await client.post(
        "/api/external/tickets",
        json={
            "subject": "Hi",
            "createdByEmail": "a@example.com",
            "id": "clx_forged",
            "ticketNumber": 999,
            "organizationId": "org_1",
        },
        headers=tenant.headers,
    )
    assert created.status_code == 201
    assert created.json()["id"] != "clx_forged"
    assert created.json()["ticketNumber"] == 1
    assert created.json()["priority"] == "MEDIUM"


async def test_lists_are_newest_first(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ids = []
    for n in range(3):
        created = await client.post(
            "/api/external/tickets",
            json={"subject": f"T{n}", "createdByEmail": "a@example.com"},
            headers=tenant.headers,
        )
        ids.append(created.json()["id"])
    listed = (await client.get("/api/external/tickets", headers=tenant.headers)).json()
    assert [t["id"] for t in listed["tickets"]] == ids[::-1]


async def test_an_idempotent_retry_creates_one_ticket(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = {"subject": "Once", "createdByEmail": "a@example.com"}
    headers = {**tenant.headers, "Idempotency-Key": "create-once-1"}
    first = await client.post("/api/external/tickets", json=body, headers=headers)
    second = await client.post("/api/external/tickets", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    listed = (await client.get("/api/external/tickets", headers=tenant.headers)).json()
    assert listed["total"] == 1


async def test_the_external_api_has_its_own_openapi_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/external/openapi.json")
    paths = set(response.json()["paths"])
    assert paths == {
        "/tickets",
        "/tickets/{ticketId}",
        "/tickets/{ticketId}/comments",
        "/chat/conversations",
        "/chat/conversations/{conversationId}",
        "/chat/conversations/{conversationId}/messages",
    }
