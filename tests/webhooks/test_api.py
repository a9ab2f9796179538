"""/api/v1/webhooks: shapes, validation, the secret shown once, tenancy and scopes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.support.receiver import Receiver, wait_until
from tests.support.tenants import Tenant, TenantFactory
from tests.support.webhooks import create_ticket, create_webhook, running_worker
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.webhooks.models import WebhookEndpoint
from tixallo.webhooks.signing import SECRET_PREFIX


async def test_create_answers_the_secret_once(client: httpx.AsyncClient, tenant: Tenant) -> None:
    hook = await create_webhook(client, tenant, "http://127.0.0.1:9/hook", ["ticket.created"])
    assert hook["secret"].startswith(SECRET_PREFIX)
    assert len(hook["secret"]) == len(SECRET_PREFIX) + 44  # base64 of 32 bytes
    assert hook["events"] == ["ticket.created"]
    assert hook["enabled"] is True
    got = await client.get(f"/api/v1/webhooks/{hook['id']}", headers=tenant.headers)
    assert got.status_code == 200
    assert "secret" not in got.json()["data"]
    listed = await client.get("/api/v1/webhooks", headers=tenant.headers)
    assert [h["id"] for h in listed.json()["data"]] == [hook["id"]]
    assert "secret" not in listed.json()["data"][0]
    assert hook["secret"] not in listed.text + got.text


async def test_secret_is_sealed_at_rest_with_a_secret_key(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings
) -> None:
    from tixallo.app import create_app

    sealed_settings = settings.model_copy(update={"secret_key": "k" * 40})
    app = create_app(sealed_settings, db=db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://tixallo.test"
    ) as sealed_client:
        hook = await create_webhook(sealed_client, tenant, "http://127.0.0.1:9/")
    async with db.transaction(write=False) as session:
        stored = await session.scalar(
            select(WebhookEndpoint.secret_sealed).where(WebhookEndpoint.id == hook["id"])
        )
    assert stored is not None and stored.startswith("s1:")
    assert hook["secret"] not in stored
    assert hook["secret"].removeprefix(SECRET_PREFIX) not in stored


async def test_idempotent_create_replays_without_the_secret(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = {"url": "http://127.0.0.1:9/", "events": ["*"]}
    headers = {**tenant.headers, "Idempotency-Key": "create-hook-1"}
    first = await client.post("/api/v1/webhooks", json=body, headers=headers)
    again = await client.post("/api/v1/webhooks", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert "secret" in first.json()["data"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert "secret" not in again.json()["data"]
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    listed = await client.get("/api/v1/webhooks", headers=tenant.headers)
    assert len(listed.json()["data"]) == 1


async def test_rotate_secret_answers_a_new_secret(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hook = await create_webhook(client, tenant, "http://127.0.0.1:9/")
    rotated = await client.post(
        f"/api/v1/webhooks/{hook['id']}/rotate_secret", headers=tenant.headers
    )
    assert rotated.status_code == 200
    assert rotated.json()["data"]["secret"].startswith(SECRET_PREFIX)
    assert rotated.json()["data"]["secret"] != hook["secret"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"url": "ftp://example.com/x", "events": ["*"]}, "url"),
        ({"url": "not a url", "events": ["*"]}, "url"),
        ({"url": "http://user:pw@127.0.0.1/", "events": ["*"]}, "url"),
        ({"url": "http://127.0.0.1:9/", "events": []}, "events"),
        ({"url": "http://127.0.0.1:9/", "events": ["ticket.exploded"]}, "events"),
        ({"url": "http://127.0.0.1:9/"}, "events"),
        ({"events": ["*"]}, "url"),
        ({"url": "http://127.0.0.1:9/", "events": ["*"], "secret": "mine"}, "secret"),
        ({"url": "http://127.0.0.1:9/", "events": ["*"], "description": "x" * 501}, "description"),
    ],
)
async def test_bad_input_is_a_400_naming_the_field(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], param: str
) -> None:
    response = await client.post("/api/v1/webhooks", json=body, headers=tenant.headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param
    listed = await client.get("/api/v1/webhooks", headers=tenant.headers)
    assert listed.json()["data"] == []


async def test_patch_changes_fields_and_validates(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hook = await create_webhook(client, tenant, "http://127.0.0.1:9/a", ["ticket.created"])
    changed = await client.patch(
        f"/api/v1/webhooks/{hook['id']}",
        json={"url": "http://127.0.0.1:9/b", "events": ["ticket.updated"], "description": "ops"},
        headers=tenant.headers,
    )
    assert changed.status_code == 200
    data = changed.json()["data"]
    assert (data["url"], data["events"], data["description"]) == (
        "http://127.0.0.1:9/b",
        ["ticket.updated"],
        "ops",
    )
    bad = await client.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"events": ["nope"]}, headers=tenant.headers
    )
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "events"
    disabled = await client.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"enabled": False}, headers=tenant.headers
    )
    assert disabled.json()["data"]["enabled"] is False
    assert disabled.json()["data"]["disabled_reason"]


async def test_delete_removes_the_webhook(client: httpx.AsyncClient, tenant: Tenant) -> None:
    hook = await create_webhook(client, tenant, "http://127.0.0.1:9/")
    deleted = await client.delete(f"/api/v1/webhooks/{hook['id']}", headers=tenant.headers)
    assert deleted.status_code == 204
    again = await client.get(f"/api/v1/webhooks/{hook['id']}", headers=tenant.headers)
    assert again.status_code == 404


async def test_disabled_endpoint_keeps_events_until_enabled(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    hook = await create_webhook(client, tenant, receiver.url(), ["ticket.created"])
    await client.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"enabled": False}, headers=tenant.headers
    )
    ticket_id = await create_ticket(client, tenant)
    async with running_worker(db, settings):
        pending: list[Any] = []
        for _ in range(200):
            listed = await client.get(
                f"/api/v1/webhooks/{hook['id']}/deliveries?status=pending",
                headers=tenant.headers,
            )
            pending = listed.json()["data"]
            if pending:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        assert len(pending) == 1
        assert receiver.requests == []
        await client.post(f"/api/v1/webhooks/{hook['id']}/enable", headers=tenant.headers)
        await wait_until(lambda: len(receiver.requests) == 1)
    assert receiver.requests[0].json["data"]["id"] == ticket_id


async def _all_routes(
    client: httpx.AsyncClient, headers: dict[str, str], hook_id: str, delivery_id: str
) -> list[httpx.Response]:
    base = f"/api/v1/webhooks/{hook_id}"
    return [
        await client.get(base, headers=headers),
        await client.patch(base, json={"description": "x"}, headers=headers),
        await client.post(f"{base}/rotate_secret", headers=headers),
        await client.post(f"{base}/enable", headers=headers),
        await client.get(f"{base}/deliveries", headers=headers),
        await client.post(f"{base}/deliveries/{delivery_id}/redeliver", headers=headers),
        await client.delete(base, headers=headers),
    ]


async def _one_delivery(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, url: str
) -> tuple[str, str]:
    hook = await create_webhook(client, tenant, url, ["ticket.created"])
    await create_ticket(client, tenant)
    from tixallo.webhooks import fanout

    await fanout.fan_out(db, None)
    listed = await client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=tenant.headers)
    assert len(listed.json()["data"]) == 1, listed.text
    return hook["id"], listed.json()["data"][0]["id"]


async def test_other_workspace_gets_404_on_every_route(
    client: httpx.AsyncClient, tenants: TenantFactory, db: Database, settings: Settings
) -> None:
    a, b = await tenants(), await tenants()
    hook_id, delivery_id = await _one_delivery(client, b, db, settings, "http://127.0.0.1:9/")
    for response in await _all_routes(client, a.headers, hook_id, delivery_id):
        assert response.status_code == 404, (response.request.url, response.text)
    # A's own webhook with B's delivery id is 404 too.
    own = await create_webhook(client, a, "http://127.0.0.1:9/")
    crossed = await client.post(
        f"/api/v1/webhooks/{own['id']}/deliveries/{delivery_id}/redeliver", headers=a.headers
    )
    assert crossed.status_code == 404
    listed = await client.get("/api/v1/webhooks", headers=a.headers)
    assert [h["id"] for h in listed.json()["data"]] == [own["id"]]
    still = await client.get(f"/api/v1/webhooks/{hook_id}", headers=b.headers)
    assert still.status_code == 200 and still.json()["data"]["description"] == ""


async def test_scopes_are_required_on_every_route(
    client: httpx.AsyncClient, tenants: TenantFactory, db: Database, settings: Settings
) -> None:
    owner = await tenants()
    hook_id, delivery_id = await _one_delivery(client, owner, db, settings, "http://127.0.0.1:9/")
    no_webhooks = {"Authorization": f"Bearer {await tenants.key(owner, ['tickets:read'])}"}
    read_only = {"Authorization": f"Bearer {await tenants.key(owner, ['webhooks:read'])}"}
    for response in await _all_routes(client, no_webhooks, hook_id, delivery_id):
        assert response.status_code == 403, (response.request.url, response.text)
    listing = await client.get("/api/v1/webhooks", headers=no_webhooks)
    assert listing.status_code == 403
    create = await client.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/", "events": ["*"]}, headers=read_only
    )
    assert create.status_code == 403
    responses = await _all_routes(client, read_only, hook_id, delivery_id)
    reads = {0, 4}
    for index, response in enumerate(responses):
        expected = 200 if index in reads else 403
        assert response.status_code == expected, (response.request.url, response.text)
    unauthenticated = await client.get("/api/v1/webhooks")
    assert unauthenticated.status_code == 401
