"""/api/v1/chat/conversations: v1 envelopes, keyset paging, the ended rule, tenancy, scopes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.tenants import Tenant, TenantFactory
from tixallo.context import ALL_SCOPES

BASE = "/api/v1/chat/conversations"


async def start(client: httpx.AsyncClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    body = {"visitor_email": "sam@example.com", "visitor_name": "Sam", **body}
    response = await client.post(BASE, json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def send(
    client: httpx.AsyncClient, tenant: Tenant, conversation_id: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"{BASE}/{conversation_id}/messages", json=body, headers=tenant.headers
    )


async def test_start_and_get(client: httpx.AsyncClient, tenant: Tenant) -> None:
    data = await start(client, tenant)
    assert data["status"] == "active"
    assert (data["visitor_name"], data["visitor_email"]) == ("Sam", "sam@example.com")
    assert data["customer_id"].startswith("cus_")
    assert data["ticket_id"] is None
    got = await client.get(f"{BASE}/{data['id']}", headers=tenant.headers)
    assert got.json() == {"data": data}


async def test_list_pages_by_cursor_newest_first(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ids = [(await start(client, tenant, visitor_email=f"v{n}@example.com"))["id"] for n in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(BASE, params=params, headers=tenant.headers)).json()
        seen += [c["id"] for c in page["data"]]
        assert page["has_more"] == (page["next_cursor"] is not None)
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert seen == ids[::-1]


async def test_status_filter(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ended = await start(client, tenant)
    active = await start(client, tenant)
    response = await client.patch(
        f"{BASE}/{ended['id']}", json={"status": "ended"}, headers=tenant.headers
    )
    assert response.json()["data"]["status"] == "ended"
    for status, expected in (("ended", ended["id"]), ("active", active["id"])):
        page = (await client.get(f"{BASE}?status={status}", headers=tenant.headers)).json()
        assert [c["id"] for c in page["data"]] == [expected]


async def test_messages_page_oldest_first(client: httpx.AsyncClient, tenant: Tenant) -> None:
    conversation = await start(client, tenant)
    for n in range(3):
        response = await send(
            client, tenant, conversation["id"], content=f"m{n}", sender_type="visitor"
        )
        assert response.status_code == 201
        message = response.json()["data"]
        assert (message["sender_type"], message["sender_id"]) == ("visitor", None)
    agent = await send(
        client,
        tenant,
        conversation["id"],
        content="On it",
        sender_type="agent",
        sender_id=tenant.created.owner.id,
    )
    assert agent.json()["data"]["sender_id"] == tenant.created.owner.id
    first = (
        await client.get(f"{BASE}/{conversation['id']}/messages?limit=2", headers=tenant.headers)
    ).json()
    assert [m["content"] for m in first["data"]] == ["m0", "m1"]
    rest = (
        await client.get(
            f"{BASE}/{conversation['id']}/messages",
            params={"cursor": first["next_cursor"]},
            headers=tenant.headers,
        )
    ).json()
    assert [m["content"] for m in rest["data"]] == ["m2", "On it"]
    assert rest["has_more"] is False


async def test_ended_conversations_refuse_messages_with_409(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    conversation = await start(client, tenant)
    for _ in range(2):
        ended = await client.patch(
            f"{BASE}/{conversation['id']}", json={"status": "ended"}, headers=tenant.headers
        )
        assert ended.status_code == 200
    refused = await send(client, tenant, conversation["id"], content="Hi", sender_type="visitor")
    assert refused.status_code == 409
    assert "ended" in refused.json()["error"]["message"]
    reopen = await client.patch(
        f"{BASE}/{conversation['id']}", json={"status": "active"}, headers=tenant.headers
    )
    assert reopen.status_code == 409


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"visitor_email": "sam@example.com", "visitorEmail": "x"}, "visitorEmail"),
        ({}, "visitor_email"),
        ({"visitor_email": "nope"}, "visitor_email"),
    ],
)
async def test_bad_start_is_400(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], param: str
) -> None:
    response = await client.post(BASE, json=body, headers=tenant.headers)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


async def test_a_conversation_becomes_a_ticket(client: httpx.AsyncClient, tenant: Tenant) -> None:
    conversation = await start(client, tenant)
    await send(client, tenant, conversation["id"], content="Invoice wrong", sender_type="visitor")
    created = await client.post(f"{BASE}/{conversation['id']}/ticket", headers=tenant.headers)
    assert created.status_code == 201, created.text
    ticket = created.json()["data"]
    assert (ticket["source"], ticket["subject"]) == ("chat", "Invoice wrong")
    assert ticket["customer"]["email"] == "sam@example.com"
    got = await client.get(f"{BASE}/{conversation['id']}", headers=tenant.headers)
    assert got.json()["data"]["ticket_id"] == ticket["id"]
    again = await client.post(
        f"{BASE}/{conversation['id']}/ticket", json={"subject": "Again"}, headers=tenant.headers
    )
    assert again.status_code == 409
    messages = await client.get(f"/api/v1/tickets/{ticket['id']}/messages", headers=tenant.headers)
    assert messages.json()["data"][0]["body"] == "Sam: Invoice wrong"


ENDPOINTS: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("GET", "", "chat:read", None),
    ("POST", "", "chat:write", {"visitor_email": "v@example.com"}),
    ("GET", "/{id}", "chat:read", None),
    ("PATCH", "/{id}", "chat:write", {"status": "ended"}),
    ("GET", "/{id}/messages", "chat:read", None),
    ("POST", "/{id}/messages", "chat:write", {"content": "Hi", "sender_type": "visitor"}),
    ("POST", "/{id}/ticket", "chat:write", None),
    ("POST", "/{id}/ticket", "tickets:write", None),
]


async def assert_untouched(client: httpx.AsyncClient, tenant: Tenant, conversation_id: str) -> None:
    data = (await client.get(f"{BASE}/{conversation_id}", headers=tenant.headers)).json()["data"]
    assert (data["status"], data["ticket_id"]) == ("active", None)
    messages = await client.get(f"{BASE}/{conversation_id}/messages", headers=tenant.headers)
    assert messages.json()["data"] == []


@pytest.mark.parametrize(("method", "suffix", "scope", "body"), ENDPOINTS)
async def test_a_key_without_the_scope_is_403(
    client: httpx.AsyncClient,
    tenants: TenantFactory,
    method: str,
    suffix: str,
    scope: str,
    body: dict[str, Any] | None,
) -> None:
    tenant = await tenants()
    conversation = await start(client, tenant)
    lacking = await tenants.key(tenant, [s for s in ALL_SCOPES if s != scope])
    response = await client.request(
        method,
        BASE + suffix.format(id=conversation["id"]),
        json=body,
        headers={"Authorization": f"Bearer {lacking}"},
    )
    assert response.status_code == 403
    assert scope in response.json()["error"]["message"]
    await assert_untouched(client, tenant, conversation["id"])
    listed = (await client.get(BASE, headers=tenant.headers)).json()
    assert len(listed["data"]) == 1


RESOURCE_ENDPOINTS = [
    (m, s, b) for m, s, scope, b in ENDPOINTS if "{id}" in s and scope != "tickets:write"
]


@pytest.mark.parametrize(("method", "suffix", "body"), RESOURCE_ENDPOINTS)
async def test_another_workspaces_conversation_is_404(
    client: httpx.AsyncClient,
    tenants: TenantFactory,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    mine, theirs = await tenants(), await tenants()
    conversation = await start(client, theirs)
    response = await client.request(
        method, BASE + suffix.format(id=conversation["id"]), json=body, headers=mine.headers
    )
    assert response.status_code == 404
    await assert_untouched(client, theirs, conversation["id"])
    assert (await client.get(BASE, headers=mine.headers)).json()["data"] == []
