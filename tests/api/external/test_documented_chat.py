"""The chat endpoints, tested only against what TacoHelp's document promises."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.external import assert_error, parse_time
from tests.support.tenants import Tenant, TenantFactory

BASE = "/api/external/chat/conversations"
DOC_VISITOR = {"visitorName": "Sam", "visitorEmail": "sam@example.com"}


async def start(
    client: httpx.AsyncClient, tenant: Tenant, headers: dict[str, str] | None = None, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        BASE, json={**DOC_VISITOR, **body}, headers=headers or tenant.headers
    )
    assert response.status_code == 201, response.text
    started: dict[str, Any] = response.json()
    return started


async def send(
    client: httpx.AsyncClient, tenant: Tenant, conversation_id: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"{BASE}/{conversation_id}/messages", json=body, headers=tenant.headers
    )


async def test_start_answers_201_with_the_documented_conversation(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = await start(client, tenant)
    assert isinstance(body["id"], str) and body["id"]
    assert body["status"] == "active"
    assert body["visitorName"] == "Sam"
    assert body["visitorEmail"] == "sam@example.com"
    parse_time(body["createdAt"])


async def test_list_has_the_documented_shape_and_defaults(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    started = await start(client, tenant)
    response = await client.get(BASE, headers=tenant.headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"conversations", "total", "limit", "offset"}
    assert (body["total"], body["limit"], body["offset"]) == (1, 50, 0)
    [item] = body["conversations"]
    assert {"id", "status", "visitorName", "visitorEmail", "createdAt", "updatedAt"} <= set(item)
    assert item["id"] == started["id"]
    assert (item["status"], item["visitorName"], item["visitorEmail"]) == (
        "active",
        "Sam",
        "sam@example.com",
    )
    parse_time(item["updatedAt"])


async def test_limit_is_clamped_at_100_and_offset_pages(
    client: httpx.AsyncClient, tenant: Tenant, tenants: TenantFactory
) -> None:
    second = {"Authorization": f"Bearer {await tenants.key(tenant, ['*'])}"}
    ids = {(await start(client, tenant, second if n % 2 else None))["id"] for n in range(101)}
    clamped = (await client.get(f"{BASE}?limit=1000", headers=tenant.headers)).json()
    assert (clamped["limit"], clamped["total"], len(clamped["conversations"])) == (100, 101, 100)
    rest = (await client.get(f"{BASE}?limit=100&offset=100", headers=tenant.headers)).json()
    assert (rest["offset"], len(rest["conversations"])) == (100, 1)
    seen = [c["id"] for c in clamped["conversations"] + rest["conversations"]]
    assert len(seen) == 101 and set(seen) == ids


async def test_status_filter_and_ending(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ending = await start(client, tenant)
    staying = await start(client, tenant, visitorEmail="kim@example.com", visitorName="Kim")
    response = await client.patch(
        f"{BASE}/{ending['id']}", json={"status": "ended"}, headers=tenant.headers
    )
    assert response.status_code == 200
    ended = response.json()
    assert (ended["id"], ended["status"]) == (ending["id"], "ended")
    assert parse_time(ended["updatedAt"]) >= parse_time(ending["createdAt"])
    for status, expected in (("ended", ending["id"]), ("active", staying["id"])):
        body = (await client.get(f"{BASE}?status={status}", headers=tenant.headers)).json()
        assert [c["id"] for c in body["conversations"]] == [expected]
        assert body["total"] == 1


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("status=ACTIVE", "status"),
        ("status=closed", "status"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
    ],
)
async def test_bad_list_parameters_are_400_naming_them(
    client: httpx.AsyncClient, tenant: Tenant, query: str, param: str
) -> None:
    assert_error(await client.get(f"{BASE}?{query}", headers=tenant.headers), 400, param)


async def test_messages_are_sent_and_read_back_in_order(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    conversation = await start(client, tenant)
    response = await send(
        client,
        tenant,
        conversation["id"],
        content="Hi, I need help with my account.",
        senderType="visitor",
    )
    assert response.status_code == 201
    visitor = response.json()
    assert isinstance(visitor["id"], str)
    assert (visitor["senderType"], visitor["content"]) == (
        "visitor",
        "Hi, I need help with my account.",
    )
    parse_time(visitor["createdAt"])
    agent = await send(
        client,
        tenant,
        conversation["id"],
        content="Sure, let me look into that.",
        senderType="agent",
        senderId=tenant.created.owner.id,
    )
    assert agent.status_code == 201
    got = await client.get(f"{BASE}/{conversation['id']}", headers=tenant.headers)
    assert got.status_code == 200
    body = got.json()
    assert (body["id"], body["status"], body["visitorName"], body["visitorEmail"]) == (
        conversation["id"],
        "active",
        "Sam",
        "sam@example.com",
    )
    parse_time(body["createdAt"])
    parse_time(body["updatedAt"])
    first, second = body["messages"]
    assert first == visitor
    assert second["senderType"] == "agent"
    assert second["senderId"] == tenant.created.owner.id
    assert second["content"] == "Sure, let me look into that."


async def test_a_message_to_an_ended_conversation_is_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    conversation = await start(client, tenant)
    await client.patch(
        f"{BASE}/{conversation['id']}", json={"status": "ended"}, headers=tenant.headers
    )
    response = await send(
        client, tenant, conversation["id"], content="Hello?", senderType="visitor"
    )
    assert response.status_code in (400, 409)
    assert_error(response, response.status_code)
    assert "ended" in response.json()["error"]["message"]
    got = (await client.get(f"{BASE}/{conversation['id']}", headers=tenant.headers)).json()
    assert got["messages"] == []


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"visitorName": "Sam"}, "visitorEmail"),
        ({"visitorEmail": "sam"}, "visitorEmail"),
        ({"visitorEmail": 42}, "visitorEmail"),
    ],
)
async def test_bad_start_is_400_and_creates_nothing(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], param: str
) -> None:
    assert_error(await client.post(BASE, json=body, headers=tenant.headers), 400, param)
    assert (await client.get(BASE, headers=tenant.headers)).json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"senderType": "visitor"}, "content"),
        ({"content": " ", "senderType": "visitor"}, "content"),
        ({"content": "hi"}, "senderType"),
        ({"content": "hi", "senderType": "bot"}, "senderType"),
    ],
)
async def test_bad_message_is_400_and_sends_nothing(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], param: str
) -> None:
    conversation = await start(client, tenant)
    assert_error(await send(client, tenant, conversation["id"], **body), 400, param)
    got = (await client.get(f"{BASE}/{conversation['id']}", headers=tenant.headers)).json()
    assert got["messages"] == []


@pytest.mark.parametrize("body", [{}, {"status": "closed"}, {"status": "ENDED"}])
async def test_bad_patch_is_400_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any]
) -> None:
    conversation = await start(client, tenant)
    response = await client.patch(f"{BASE}/{conversation['id']}", json=body, headers=tenant.headers)
    assert_error(response, 400, "status")
    got = (await client.get(f"{BASE}/{conversation['id']}", headers=tenant.headers)).json()
    assert got["status"] == "active"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"status": "ended"}),
        ("POST", "/messages", {"content": "hi", "senderType": "visitor"}),
    ],
)
async def test_unknown_conversation_is_404(
    client: httpx.AsyncClient,
    tenant: Tenant,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    response = await client.request(
        method, f"{BASE}/cnv_missing{suffix}", json=body, headers=tenant.headers
    )
    assert_error(response, 404)
