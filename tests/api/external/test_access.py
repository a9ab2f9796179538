"""Tenant isolation and scope refusal on every /api/external endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.external import assert_error
from tests.support.tenants import Tenant, TenantFactory
from tixallo.context import ALL_SCOPES


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    scope: str
    body: dict[str, Any] | None = None
    success: int = 200

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS = [
    Endpoint("GET", "/tickets", "tickets:read"),
    Endpoint(
        "POST",
        "/tickets",
        "tickets:write",
        {"subject": "Hi", "description": "Help", "createdByEmail": "a@example.com"},
        201,
    ),
    Endpoint("GET", "/tickets/{ticket}", "tickets:read"),
    Endpoint("PATCH", "/tickets/{ticket}", "tickets:write", {"status": "CLOSED"}),
    Endpoint("POST", "/tickets/{ticket}/comments", "tickets:write", {"content": "Hi"}, 201),
    Endpoint("GET", "/chat/conversations", "chat:read"),
    Endpoint("POST", "/chat/conversations", "chat:write", {"visitorEmail": "v@example.com"}, 201),
    Endpoint("GET", "/chat/conversations/{conversation}", "chat:read"),
    Endpoint("PATCH", "/chat/conversations/{conversation}", "chat:write", {"status": "ended"}),
    Endpoint(
        "POST",
        "/chat/conversations/{conversation}/messages",
        "chat:write",
        {"content": "Hi", "senderType": "visitor"},
        201,
    ),
]
RESOURCE_ENDPOINTS = [e for e in ENDPOINTS if "{" in e.path]


@dataclass
class ExternalResources:
    ticket: str
    conversation: str


async def make_external_resources(client: httpx.AsyncClient, tenant: Tenant) -> ExternalResources:
    ticket = await client.post(
        "/api/external/tickets",
        json={"subject": "Theirs", "description": "Private", "createdByEmail": "b@example.com"},
        headers=tenant.headers,
    )
    conversation = await client.post(
        "/api/external/chat/conversations",
        json={"visitorEmail": "b@example.com"},
        headers=tenant.headers,
    )
    assert ticket.status_code == conversation.status_code == 201
    return ExternalResources(ticket.json()["id"], conversation.json()["id"])


def url(endpoint: Endpoint, resources: ExternalResources) -> str:
    path = endpoint.path.format(ticket=resources.ticket, conversation=resources.conversation)
    return f"/api/external{path}"


async def assert_untouched(
    client: httpx.AsyncClient, tenant: Tenant, res: ExternalResources
) -> None:
    ticket = await client.get(f"/api/external/tickets/{res.ticket}", headers=tenant.headers)
    assert ticket.json()["status"] == "OPEN"
    assert ticket.json()["comments"] == []
    chat = await client.get(
        f"/api/external/chat/conversations/{res.conversation}", headers=tenant.headers
    )
    assert chat.json()["status"] == "active"
    assert chat.json()["messages"] == []


@pytest.mark.parametrize("endpoint", RESOURCE_ENDPOINTS, ids=str)
async def test_another_workspaces_resource_is_404(
    client: httpx.AsyncClient, tenants: TenantFactory, endpoint: Endpoint
) -> None:
    mine, theirs = await tenants(), await tenants()
    resources = await make_external_resources(client, theirs)
    response = await client.request(
        endpoint.method, url(endpoint, resources), json=endpoint.body, headers=mine.headers
    )
    assert_error(response, 404)
    assert "Theirs" not in response.text and "b@example.com" not in response.text
    await assert_untouched(client, theirs, resources)


@pytest.mark.parametrize("path", ["/tickets", "/chat/conversations"])
async def test_lists_show_only_your_workspace(
    client: httpx.AsyncClient, tenants: TenantFactory, path: str
) -> None:
    mine, theirs = await tenants(), await tenants()
    await make_external_resources(client, theirs)
    body = (await client.get(f"/api/external{path}", headers=mine.headers)).json()
    assert body["total"] == 0
    assert body.get("tickets", body.get("conversations")) == []


async def test_another_workspaces_member_cannot_be_assigned(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    mine, theirs = await tenants(), await tenants()
    resources = await make_external_resources(client, mine)
    for ref in (theirs.created.owner.id, theirs.created.user.email):
        response = await client.patch(
            f"/api/external/tickets/{resources.ticket}",
            json={"assigneeId": ref},
            headers=mine.headers,
        )
        assert_error(response, 404, "assigneeId")
    got = await client.get(f"/api/external/tickets/{resources.ticket}", headers=mine.headers)
    assert got.json()["assignee"] is None


async def test_another_workspaces_member_cannot_send_as_agent(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    mine, theirs = await tenants(), await tenants()
    resources = await make_external_resources(client, mine)
    response = await client.post(
        f"/api/external/chat/conversations/{resources.conversation}/messages",
        json={"content": "Hi", "senderType": "agent", "senderId": theirs.created.owner.id},
        headers=mine.headers,
    )
    assert_error(response, 404, "senderId")
    await assert_untouched(client, mine, resources)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
async def test_a_key_without_the_scope_is_403(
    client: httpx.AsyncClient, tenants: TenantFactory, endpoint: Endpoint
) -> None:
    tenant = await tenants()
    resources = await make_external_resources(client, tenant)
    others = [s for s in ALL_SCOPES if s != endpoint.scope]
    lacking = {"Authorization": f"Bearer {await tenants.key(tenant, others)}"}
    response = await client.request(
        endpoint.method, url(endpoint, resources), json=endpoint.body, headers=lacking
    )
    assert_error(response, 403)
    assert endpoint.scope in response.json()["error"]["message"]
    await assert_untouched(client, tenant, resources)
    listed = await client.get("/api/external/tickets", headers=tenant.headers)
    assert listed.json()["total"] == 1


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
async def test_the_scope_alone_is_enough(
    client: httpx.AsyncClient, tenants: TenantFactory, endpoint: Endpoint
) -> None:
    tenant = await tenants()
    resources = await make_external_resources(client, tenant)
    only = {"Authorization": f"Bearer {await tenants.key(tenant, [endpoint.scope])}"}
    response = await client.request(
        endpoint.method, url(endpoint, resources), json=endpoint.body, headers=only
    )
    assert response.status_code == endpoint.success, response.text
