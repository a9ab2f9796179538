"""The ticket endpoints, tested only against what TacoHelp's document promises: paths,
field names, defaults, status codes, upper-case enums, limit clamping and offset paging."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.external import assert_error, parse_time
from tests.support.tenants import Tenant, TenantFactory

DOC_TICKET = {
    "subject": "Login page shows blank screen",
    "description": "When I try to log in using Safari...",
    "priority": "HIGH",
    "createdByEmail": "client@example.com",
    "tags": ["bug", "safari"],
}
LIST_ITEM_FIELDS = {
    "id",
    "ticketNumber",
    "subject",
    "status",
    "priority",
    "tags",
    "createdAt",
    "createdBy",
    "assignee",
}
STATUSES = ["OPEN", "IN_PROGRESS", "WAITING", "RESOLVED", "CLOSED"]
PRIORITIES = ["LOW", "MEDIUM", "HIGH", "URGENT"]


async def create(
    client: httpx.AsyncClient,
    tenant: Tenant,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    response = await client.post(
        "/api/external/tickets",
        json={**DOC_TICKET, **overrides},
        headers=headers or tenant.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_create_answers_201_with_the_documented_ticket(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ticket = await create(client, tenant)
    assert isinstance(ticket["id"], str) and ticket["id"]
    assert isinstance(ticket["ticketNumber"], int)
    assert ticket["subject"] == DOC_TICKET["subject"]
    assert ticket["status"] == "OPEN"
    assert ticket["priority"] == "HIGH"
    assert ticket["source"] == "API"
    assert ticket["tags"] == ["bug", "safari"]
    assert ticket["createdBy"]["email"] == "client@example.com"


async def test_ticket_numbers_count_up(client: httpx.AsyncClient, tenant: Tenant) -> None:
    first = await create(client, tenant)
    second = await create(client, tenant)
    assert second["ticketNumber"] == first["ticketNumber"] + 1


async def test_list_has_the_documented_shape_and_defaults(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await create(client, tenant)
    response = await client.get("/api/external/tickets", headers=tenant.headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"tickets", "total", "limit", "offset"}
    assert (body["total"], body["limit"], body["offset"]) == (1, 50, 0)
    [ticket] = body["tickets"]
    assert set(ticket) >= LIST_ITEM_FIELDS
    assert ticket["id"] == created["id"]
    assert ticket["ticketNumber"] == created["ticketNumber"]
    assert ticket["status"] == "OPEN"
    assert ticket["priority"] == "HIGH"
    assert ticket["tags"] == ["bug", "safari"]
    assert set(ticket["createdBy"]) >= {"name", "email"}
    assert ticket["createdBy"]["email"] == "client@example.com"
    assert ticket["assignee"] is None
    parse_time(ticket["createdAt"])


async def test_limit_is_clamped_at_100(
    client: httpx.AsyncClient, tenant: Tenant, tenants: TenantFactory
) -> None:
    # The documented rate limit is 100 requests a minute per key: spread 101 creates over two.
    second = {"Authorization": f"Bearer {await tenants.key(tenant, ['*'])}"}
    for n in range(101):
        await create(client, tenant, second if n % 2 else None, subject=f"T{n}", description=None)
    response = await client.get("/api/external/tickets?limit=500", headers=tenant.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["limit"] == 100
    assert len(body["tickets"]) == 100
    assert body["total"] == 101
    rest = await client.get("/api/external/tickets?limit=100&offset=100", headers=tenant.headers)
    assert len(rest.json()["tickets"]) == 1


async def test_offset_pages_through_everything_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = {(await create(client, tenant, subject=f"T{n}"))["id"] for n in range(5)}
    seen: list[str] = []
    for offset in (0, 2, 4):
        response = await client.get(
            f"/api/external/tickets?limit=2&offset={offset}", headers=tenant.headers
        )
        body = response.json()
        assert (body["total"], body["limit"], body["offset"]) == (5, 2, offset)
        seen += [t["id"] for t in body["tickets"]]
    assert len(seen) == 5 and set(seen) == created
    past = await client.get("/api/external/tickets?offset=10", headers=tenant.headers)
    assert past.json()["tickets"] == [] and past.json()["total"] == 5


@pytest.mark.parametrize("status", STATUSES)
async def test_status_filter_takes_each_documented_value(
    client: httpx.AsyncClient, tenant: Tenant, status: str
) -> None:
    target = await create(client, tenant)
    other = await create(client, tenant)
    other_status = "OPEN" if status != "OPEN" else "CLOSED"
    for ticket, value in ((target, status), (other, other_status)):
        patched = await client.patch(
            f"/api/external/tickets/{ticket['id']}", json={"status": value}, headers=tenant.headers
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["status"] == value
    response = await client.get(f"/api/external/tickets?status={status}", headers=tenant.headers)
    body = response.json()
    assert [t["id"] for t in body["tickets"]] == [target["id"]]
    assert body["total"] == 1
    assert body["tickets"][0]["status"] == status


@pytest.mark.parametrize("priority", PRIORITIES)
async def test_each_documented_priority_is_accepted(
    client: httpx.AsyncClient, tenant: Tenant, priority: str
) -> None:
    ticket = await create(client, tenant, priority=priority)
    assert ticket["priority"] == priority


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("status=open", "status"),
        ("status=DONE", "status"),
        ("limit=0", "limit"),
        ("limit=-5", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
    ],
)
async def test_bad_list_parameters_are_400_naming_them(
    client: httpx.AsyncClient, tenant: Tenant, query: str, param: str
) -> None:
    response = await client.get(f"/api/external/tickets?{query}", headers=tenant.headers)
    assert_error(response, 400, param)


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"subject": None}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"createdByEmail": None}, "createdByEmail"),
        ({"createdByEmail": "not-an-email"}, "createdByEmail"),
        ({"priority": "high"}, "priority"),
        ({"priority": "CRITICAL"}, "priority"),
        ({"tags": "bug"}, "tags"),
    ],
)
async def test_bad_create_bodies_are_400_naming_the_field(
    client: httpx.AsyncClient, tenant: Tenant, change: dict[str, Any], param: str
) -> None:
    body = {**DOC_TICKET, **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = await client.post("/api/external/tickets", json=body, headers=tenant.headers)
    assert_error(response, 400, param)
    listed = await client.get("/api/external/tickets", headers=tenant.headers)
    assert listed.json()["total"] == 0


async def test_get_returns_description_and_public_comments_oldest_first(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ticket = await create(client, tenant)
    for text in ("Thanks for reporting...", "We've identified the issue..."):
        posted = await client.post(
            f"/api/external/tickets/{ticket['id']}/comments",
            json={"content": text, "authorEmail": "dev@example.com"},
            headers=tenant.headers,
        )
        assert posted.status_code == 201
    response = await client.get(f"/api/external/tickets/{ticket['id']}", headers=tenant.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == ticket["id"]
    assert body["ticketNumber"] == ticket["ticketNumber"]
    assert body["subject"] == DOC_TICKET["subject"]
    assert body["description"] == DOC_TICKET["description"]
    assert [c["content"] for c in body["comments"]] == [
        "Thanks for reporting...",
        "We've identified the issue...",
    ]
    for comment in body["comments"]:
        assert set(comment) >= {"id", "content", "author", "createdAt"}
        assert comment["author"]["name"] == "dev"
        parse_time(comment["createdAt"])


async def test_patch_updates_the_documented_fields(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ticket = await create(client, tenant)
    response = await client.patch(
        f"/api/external/tickets/{ticket['id']}",
        json={
            "status": "IN_PROGRESS",
            "priority": "URGENT",
            "assigneeId": tenant.created.owner.id,
            "tags": ["bug", "urgent"],
        },
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == ticket["id"]
    assert body["status"] == "IN_PROGRESS"
    assert body["priority"] == "URGENT"
    assert body["tags"] == ["bug", "urgent"]
    assert body["assignee"]["email"] == tenant.created.user.email
    assert body["assignee"]["name"] == tenant.created.user.name
    got = await client.get(f"/api/external/tickets/{ticket['id']}", headers=tenant.headers)
    assert got.json()["status"] == "IN_PROGRESS"
    assert got.json()["assignee"]["email"] == tenant.created.user.email


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"status": "in_progress"}, "status"),
        ({"priority": "urgent"}, "priority"),
        ({"assigneeId": "mem_doesnotexist"}, "assigneeId"),
        ({"assigneeId": ""}, "assigneeId"),
        ({"assigneeId": "ghost@example.com"}, "assigneeId"),
        ({"tags": [""]}, "tags"),
    ],
)
async def test_bad_patch_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], param: str
) -> None:
    ticket = await create(client, tenant)
    response = await client.patch(
        f"/api/external/tickets/{ticket['id']}", json=body, headers=tenant.headers
    )
    assert response.status_code in (400, 404)
    assert_error(response, response.status_code, param)
    got = (await client.get(f"/api/external/tickets/{ticket['id']}", headers=tenant.headers)).json()
    assert (got["status"], got["priority"], got["tags"], got["assignee"]) == (
        "OPEN",
        "HIGH",
        ["bug", "safari"],
        None,
    )


async def test_comment_answers_201_with_author_name_and_email(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ticket = await create(client, tenant)
    response = await client.post(
        f"/api/external/tickets/{ticket['id']}/comments",
        json={"content": "We've identified the issue...", "authorEmail": "dev@example.com"},
        headers=tenant.headers,
    )
    assert response.status_code == 201
    body = response.json()
    assert isinstance(body["id"], str)
    assert body["content"] == "We've identified the issue..."
    assert body["author"] == {"name": "dev", "email": "dev@example.com"}
    parse_time(body["createdAt"])


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "content"),
        ({"content": "  "}, "content"),
        ({"content": "x", "authorEmail": "no"}, None),
    ],
)
async def test_bad_comment_is_400(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], param: str | None
) -> None:
    ticket = await create(client, tenant)
    response = await client.post(
        f"/api/external/tickets/{ticket['id']}/comments", json=body, headers=tenant.headers
    )
    assert_error(response, 400, param or "authorEmail")
    got = (await client.get(f"/api/external/tickets/{ticket['id']}", headers=tenant.headers)).json()
    assert got["comments"] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/external/tickets/nope"),
        ("PATCH", "/api/external/tickets/nope"),
        ("POST", "/api/external/tickets/nope/comments"),
    ],
)
async def test_unknown_ticket_is_404(
    client: httpx.AsyncClient, tenant: Tenant, method: str, path: str
) -> None:
    body = {"content": "hello", "status": "OPEN"} if method != "GET" else None
    response = await client.request(method, path, json=body, headers=tenant.headers)
    assert_error(response, 404)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer th_notarealkey"}, {"Authorization": "Basic abc"}],
)
async def test_missing_or_invalid_key_is_401(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/api/external/tickets", headers=headers)
    assert_error(response, 401)


async def test_the_101st_request_in_a_minute_is_429(
    client: httpx.AsyncClient, tenant: Tenant, tenants: TenantFactory
) -> None:
    for _ in range(100):
        assert (
            await client.get("/api/external/tickets", headers=tenant.headers)
        ).status_code == 200
    limited = await client.get("/api/external/tickets", headers=tenant.headers)
    assert_error(limited, 429)
    assert int(limited.headers["Retry-After"]) > 0
    other_key = {"Authorization": f"Bearer {await tenants.key(tenant, ['*'])}"}
    assert (await client.get("/api/external/tickets", headers=other_key)).status_code == 200
