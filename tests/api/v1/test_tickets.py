"""The v1 tickets endpoints: create, list (filters, keyset paging), get, update, messages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.tenants import Tenant, ticket_body
from tixallo.db import Database
from tixallo.workspaces.service import add_member

pytestmark = pytest.mark.usefixtures("db")


async def create(client: httpx.AsyncClient, tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/tickets", json=ticket_body(**overrides), headers=tenant.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def count_tickets(client: httpx.AsyncClient, tenant: Tenant) -> int:
    response = await client.get("/api/v1/tickets", params={"limit": 100}, headers=tenant.headers)
    return len(response.json()["data"])


async def test_create_ticket_answers_the_documented_shape(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ticket = await create(client, tenant, tags=["Bug", " safari ", "bug"])
    assert ticket["id"].startswith("tkt_")
    assert ticket["number"] == 1
    assert ticket["status"] == "open"
    assert ticket["priority"] == "high"
    assert ticket["tags"] == ["bug", "safari"]
    assert ticket["source"] == "api"
    assert ticket["inbox_id"] == tenant.created.inbox.id
    assert ticket["assignee"] is None
    customer = ticket["customer"]
    assert customer["email"] == "sam@acme.com" and customer["name"] == "Sam"
    assert customer["company"]["domain"] == "acme.com"
    assert customer["company"]["name"] == "Acme"
    assert ticket["created_at"].endswith("Z")


async def test_customer_is_resolved_by_email_case_insensitively(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await create(client, tenant, customer={"email": "Sam@ACME.com"})
    second = await create(client, tenant, customer={"email": "sam@acme.com", "name": "Other"})
    assert first["customer"]["id"] == second["customer"]["id"]
    assert second["customer"]["name"] == "sam"  # an existing customer keeps its name
    assert second["number"] == first["number"] + 1


async def test_free_mail_customers_join_no_company(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ticket = await create(client, tenant, customer={"email": "li@gmail.com"})
    assert ticket["customer"]["company"] is None


async def test_get_ticket_shows_customer_and_company_inline(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ticket = await create(client, tenant)
    response = await client.get(f"/api/v1/tickets/{ticket['id']}", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json() == {"data": ticket}


async def test_unknown_ticket_is_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get("/api/v1/tickets/tkt_nope", headers=tenant.headers)
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 501}, "subject"),
        ({"subject": 42}, "subject"),
        ({"customer": {"email": "not-an-email"}}, "customer.email"),
        ({"customer": {}}, "customer.email"),
        ({"priority": "critical"}, "priority"),
        ({"tags": ["ok", "<script>"]}, "tags"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"tags": "bug"}, "tags"),
        ({"number": 7}, "number"),
        ({"workspace_id": "ws_other"}, "workspace_id"),
        ({"body": "x" * 70_000}, "body"),
    ],
)
async def test_invalid_create_is_400_naming_the_field_and_creates_nothing(
    client: httpx.AsyncClient, tenant: Tenant, overrides: dict[str, Any], param: str
) -> None:
    response = await client.post(
        "/api/v1/tickets", json=ticket_body(**overrides), headers=tenant.headers
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == param
    assert error["type"] == "invalid_request"
    assert error["message"]
    assert await count_tickets(client, tenant) == 0


async def test_missing_subject_is_400(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = ticket_body()
    del body["subject"]
    response = await client.post("/api/v1/tickets", json=body, headers=tenant.headers)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "subject"
    assert "required" in response.json()["error"]["message"]


async def test_unknown_inbox_is_404_naming_inbox_id(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/api/v1/tickets", json=ticket_body(inbox_id="inb_nope"), headers=tenant.headers
    )
    assert response.status_code == 404
    assert response.json()["error"]["param"] == "inbox_id"
    assert await count_tickets(client, tenant) == 0


async def test_list_is_newest_first_with_keyset_pages(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for i in range(5):
        await create(client, tenant, subject=f"T{i}")
    page1 = (await client.get("/api/v1/tickets?limit=2", headers=tenant.headers)).json()
    assert [t["subject"] for t in page1["data"]] == ["T4", "T3"]
    assert page1["has_more"] is True
    # A ticket created between pages does not shift the next page.
    await create(client, tenant, subject="T5")
    page2 = (
        await client.get(
            "/api/v1/tickets",
            params={"limit": 2, "cursor": page1["next_cursor"]},
            headers=tenant.headers,
        )
    ).json()
    assert [t["subject"] for t in page2["data"]] == ["T2", "T1"]
    page3 = (
        await client.get(
            "/api/v1/tickets",
            params={"limit": 2, "cursor": page2["next_cursor"]},
            headers=tenant.headers,
        )
    ).json()
    assert [t["subject"] for t in page3["data"]] == ["T0"]
    assert page3 == {"data": page3["data"], "has_more": False, "next_cursor": None}


async def test_limit_defaults_to_50_and_is_clamped_at_100(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    from tixallo.tickets.service import TicketCreate, create_ticket

    async with db.transaction() as session:
        for i in range(101):
            await create_ticket(
                session, tenant.ctx, TicketCreate(subject=f"S{i}", customer_email="a@b.co")
            )
    default = (await client.get("/api/v1/tickets", headers=tenant.headers)).json()
    assert len(default["data"]) == 50
    clamped = (await client.get("/api/v1/tickets?limit=500", headers=tenant.headers)).json()
    assert len(clamped["data"]) == 100 and clamped["has_more"] is True


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("cursor=garbage", "cursor"),
        ("status=pending", "status"),
        ("priority=extreme", "priority"),
        ("sort=subject", "sort"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=2026-01-01T00:00:00", "updated_since"),
        ("customer_email=nope", "customer_email"),
    ],
)
async def test_bad_list_parameters_are_400(
    client: httpx.AsyncClient, tenant: Tenant, query: str, param: str
) -> None:
    response = await client.get(f"/api/v1/tickets?{query}", headers=tenant.headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


async def test_list_filters(client: httpx.AsyncClient, tenant: Tenant, db: Database) -> None:
    async with db.transaction() as session:
        agent, _ = await add_member(
            session, tenant.id, email="agent@example.com", name="Agent", role="agent"
        )
    a = await create(client, tenant, subject="A", tags=["billing"], priority="low")
    b = await create(client, tenant, subject="B", customer={"email": "x@other.org"})
    await client.patch(
        f"/api/v1/tickets/{b['id']}",
        json={"status": "resolved", "assignee_id": agent.id},
        headers=tenant.headers,
    )

    async def subjects(**params: str) -> list[str]:
        response = await client.get("/api/v1/tickets", params=params, headers=tenant.headers)
        assert response.status_code == 200, response.text
        return [t["subject"] for t in response.json()["data"]]

    assert await subjects(status="resolved") == ["B"]
    assert await subjects(priority="low") == ["A"]
    assert await subjects(tag="Billing") == ["A"]
    assert await subjects(assignee_id=agent.id) == ["B"]
    assert await subjects(customer_email="X@Other.org") == ["B"]
    assert await subjects(inbox_id=tenant.created.inbox.id) == ["B", "A"]
    assert await subjects(inbox_id="inb_other") == []
    since = a["updated_at"]
    assert await subjects(updated_since=since, sort="updated_at") == ["A", "B"]


async def test_sort_by_updated_at_pages_oldest_change_first(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await create(client, tenant, subject="first")
    await create(client, tenant, subject="second")
    await client.patch(
        f"/api/v1/tickets/{first['id']}", json={"priority": "urgent"}, headers=tenant.headers
    )
    page = (
        await client.get("/api/v1/tickets?sort=updated_at&limit=1", headers=tenant.headers)
    ).json()
    assert [t["subject"] for t in page["data"]] == ["second"]
    rest = (
        await client.get(
            "/api/v1/tickets",
            params={"sort": "updated_at", "cursor": page["next_cursor"]},
            headers=tenant.headers,
        )
    ).json()
    assert [t["subject"] for t in rest["data"]] == ["first"]


async def test_patch_changes_fields_and_bumps_updated_at(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ticket = await create(client, tenant)
    response = await client.patch(
        f"/api/v1/tickets/{ticket['id']}",
        json={"status": "in_progress", "priority": "urgent", "tags": ["vip"], "subject": "New"},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert (data["status"], data["priority"], data["tags"], data["subject"]) == (
        "in_progress",
        "urgent",
        ["vip"],
        "New",
    )
    assert data["updated_at"] > ticket["updated_at"]
    tagged = await client.get("/api/v1/tickets?tag=bug", headers=tenant.headers)
    assert tagged.json()["data"] == []


async def test_patch_assigns_and_unassigns(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ticket = await create(client, tenant)
    owner = tenant.created.owner
    assigned = await client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": owner.id}, headers=tenant.headers
    )
    assert assigned.json()["data"]["assignee"]["id"] == owner.id
    assert assigned.json()["data"]["assignee"]["email"] == tenant.created.user.email
    unassigned = await client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": None}, headers=tenant.headers
    )
    assert unassigned.json()["data"]["assignee_id"] is None
    kept = await client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"priority": "low"}, headers=tenant.headers
    )
    assert kept.json()["data"]["assignee_id"] is None


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({"status": "done"}, 400, "status"),
        ({"priority": 3}, 400, "priority"),
        ({"assignee_id": "mem_nope"}, 404, "assignee_id"),
        ({"subject": "  "}, 400, "subject"),
        ({"number": 9}, 400, "number"),
    ],
)
async def test_bad_patch_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], status: int, param: str
) -> None:
    ticket = await create(client, tenant)
    response = await client.patch(
        f"/api/v1/tickets/{ticket['id']}", json=body, headers=tenant.headers
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["param"] == param
    after = (await client.get(f"/api/v1/tickets/{ticket['id']}", headers=tenant.headers)).json()
    assert after["data"] == ticket


async def test_messages_are_public_and_oldest_first(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ticket = await create(client, tenant, body="First words")
    reply = await client.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"body": "We are on it", "author_email": tenant.created.user.email.upper()},
        headers=tenant.headers,
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["data"]["author"]["type"] == "member"
    from_customer = await client.post(
        f"/api/v1/tickets/{ticket['id']}/messages", json={"body": "Thanks"}, headers=tenant.headers
    )
    assert from_customer.json()["data"]["author"] == {
        "type": "customer",
        "id": ticket["customer"]["id"],
        "name": "Sam",
        "email": "sam@acme.com",
    }
    cc = await client.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"body": "Me too", "author_email": "colleague@acme.com"},
        headers=tenant.headers,
    )
    assert cc.json()["data"]["author"]["email"] == "colleague@acme.com"
    listed = (
        await client.get(f"/api/v1/tickets/{ticket['id']}/messages", headers=tenant.headers)
    ).json()
    assert [m["body"] for m in listed["data"]] == [
        "First words",
        "We are on it",
        "Thanks",
        "Me too",
    ]
    assert listed["has_more"] is False


@pytest.mark.parametrize(
    ("body", "param"),
    [({"body": ""}, "body"), ({}, "body"), ({"body": "x", "author_email": "bad"}, "author_email")],
)
async def test_bad_message_is_400(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], param: str
) -> None:
    ticket = await create(client, tenant)
    response = await client.post(
        f"/api/v1/tickets/{ticket['id']}/messages", json=body, headers=tenant.headers
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param
    listed = await client.get(f"/api/v1/tickets/{ticket['id']}/messages", headers=tenant.headers)
    assert len(listed.json()["data"]) == 1


async def test_message_on_unknown_ticket_is_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        "/api/v1/tickets/tkt_nope/messages", json={"body": "hi"}, headers=tenant.headers
    )
    assert response.status_code == 404


async def test_merge_moves_messages_and_closes_the_source(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    source = await create(client, tenant, subject="dup", body="from source")
    target = await create(client, tenant, subject="main", body="from target")
    response = await client.post(
        f"/api/v1/tickets/{source['id']}/merge",
        json={"target_id": target["id"]},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["id"] == target["id"]
    merged = (await client.get(f"/api/v1/tickets/{source['id']}", headers=tenant.headers)).json()
    assert merged["data"]["status"] == "closed"
    assert merged["data"]["merged_into_id"] == target["id"]
    bodies = (
        await client.get(f"/api/v1/tickets/{target['id']}/messages", headers=tenant.headers)
    ).json()
    assert sorted(m["body"] for m in bodies["data"]) == ["from source", "from target"]
    again = await client.post(
        f"/api/v1/tickets/{source['id']}/merge",
        json={"target_id": target["id"]},
        headers=tenant.headers,
    )
    assert again.status_code == 409


@pytest.mark.parametrize(("target", "status"), [("self", 400), ("tkt_nope", 404)])
async def test_bad_merge_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, target: str, status: int
) -> None:
    source = await create(client, tenant)
    target_id = source["id"] if target == "self" else target
    response = await client.post(
        f"/api/v1/tickets/{source['id']}/merge",
        json={"target_id": target_id},
        headers=tenant.headers,
    )
    assert response.status_code == status
    assert response.json()["error"]["param"] == "target_id"
    after = (await client.get(f"/api/v1/tickets/{source['id']}", headers=tenant.headers)).json()
    assert after["data"]["status"] == "open"


async def test_member_of_another_workspace_cannot_be_assignee(
    client: httpx.AsyncClient, tenant: Tenant, tenants: Any
) -> None:
    other = await tenants()
    ticket = await create(client, tenant)
    response = await client.patch(
        f"/api/v1/tickets/{ticket['id']}",
        json={"assignee_id": other.created.owner.id},
        headers=tenant.headers,
    )
    assert response.status_code == 404
    assert response.json()["error"]["param"] == "assignee_id"
