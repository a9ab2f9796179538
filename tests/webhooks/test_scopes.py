"""A key subscribes a webhook only to event types its scopes could read (issue 13, item 1):
otherwise ``webhooks:write`` alone would read every ticket, customer and chat message. The
app's admins may subscribe to all; a revoked key's webhooks stop; a rotated key's
successor inherits them; fan-out holds deliveries to what the subscribing key may read."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from tests.support.tenants import Tenant
from tests.support.web import sign_in
from tests.support.webhooks import create_ticket
from tixallo.auth.service import create_key
from tixallo.db import Database
from tixallo.events.models import Event
from tixallo.webhooks import fanout
from tixallo.webhooks.models import WebhookEndpoint

HOOK = "http://127.0.0.1:9/hook"
READ_ALL = ["tickets:read", "customers:read", "chat:read"]


async def make_scoped_key(
    db: Database, tenant: Tenant, scopes: list[str]
) -> tuple[str, dict[str, str]]:
    """A key of the tenant's workspace: its id and the headers that authenticate as it."""
    async with db.transaction() as session:
        made = await create_key(session, tenant.ctx, name="scoped", scopes=scopes)
    return made.api_key.id, {"Authorization": f"Bearer {made.secret}"}


async def subscribe(
    client: httpx.AsyncClient, headers: dict[str, str], events: list[str]
) -> httpx.Response:
    return await client.post(
        "/api/v1/webhooks", json={"url": HOOK, "events": events}, headers=headers
    )


async def stored(db: Database, webhook_id: str) -> WebhookEndpoint:
    async with db.transaction(write=False) as session:
        endpoint = await session.get(WebhookEndpoint, webhook_id)
    assert endpoint is not None
    return endpoint


async def test_webhooks_write_alone_subscribes_to_nothing(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    _, headers = await make_scoped_key(db, tenant, ["webhooks:write", "webhooks:read"])
    for events, scope in (
        (["*"], "tickets:read"),
        (["ticket.created"], "tickets:read"),
        (["customer.created"], "customers:read"),
        (["chat.message.created"], "chat:read"),
    ):
        response = await client.post(
            "/api/v1/webhooks", json={"url": HOOK, "events": events}, headers=headers
        )
        assert response.status_code == 403, events
        error = response.json()["error"]
        assert error["type"] == "permission_error"
        assert error["param"] == "events"
        assert scope in error["message"]
    listed = await client.get("/api/v1/webhooks", headers=tenant.headers)
    assert listed.json()["data"] == []


async def test_a_key_subscribes_to_the_types_it_can_read(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    _, headers = await make_scoped_key(db, tenant, ["webhooks:write", "tickets:read"])
    star = await client.post(
        "/api/v1/webhooks", json={"url": HOOK, "events": ["*"]}, headers=headers
    )
    assert star.status_code == 403
    message = star.json()["error"]["message"]
    assert "chat:read, customers:read" in message and "ticket.created" in message
    mixed = await client.post(
        "/api/v1/webhooks",
        json={"url": HOOK, "events": ["ticket.created", "customer.updated"]},
        headers=headers,
    )
    assert mixed.status_code == 403
    assert "customer.updated" in mixed.json()["error"]["message"]
    assert "customers:read" in mixed.json()["error"]["message"]
    ok = await client.post(
        "/api/v1/webhooks",
        json={"url": HOOK, "events": ["ticket.created", "ticket.updated"]},
        headers=headers,
    )
    assert ok.status_code == 201, ok.text


async def test_every_read_scope_may_subscribe_to_star(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    key_id, headers = await make_scoped_key(db, tenant, ["webhooks:write", *READ_ALL])
    made = await client.post(
        "/api/v1/webhooks", json={"url": HOOK, "events": ["*"]}, headers=headers
    )
    assert made.status_code == 201
    assert made.json()["data"]["events"] == ["*"]
    assert (await stored(db, made.json()["data"]["id"])).created_by_key_id == key_id


async def test_changing_url_or_events_is_subscribing_anew(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    made = await client.post(
        "/api/v1/webhooks", json={"url": HOOK, "events": ["*"]}, headers=tenant.headers
    )
    hook = made.json()["data"]
    narrow_id, narrow = await make_scoped_key(db, tenant, ["webhooks:write", "tickets:read"])
    path = f"/api/v1/webhooks/{hook['id']}"
    described = await client.patch(path, json={"description": "CRM"}, headers=narrow)
    assert described.status_code == 200
    for change in (
        {"url": "http://127.0.0.1:9/elsewhere"},  # keeps ["*"], which this key cannot read
        {"events": ["chat.message.created"], "description": "not saved either"},
    ):
        refused = await client.patch(path, json=change, headers=narrow)
        assert refused.status_code == 403, change
        assert refused.json()["error"]["param"] == "events"
    unchanged = await stored(db, hook["id"])
    assert (unchanged.url, unchanged.events, unchanged.description) == (HOOK, ["*"], "CRM")
    narrowed = await client.patch(
        path, json={"events": ["ticket.created"], "url": "http://127.0.0.1:9/x"}, headers=narrow
    )
    assert narrowed.status_code == 200
    assert (await stored(db, hook["id"])).created_by_key_id == narrow_id


async def test_fan_out_delivers_only_what_the_subscribing_key_may_read(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    """Defence in depth: a subscription widened behind the API's back (here, written to
    the database) still receives only the types its key can read."""
    _, headers = await make_scoped_key(
        db, tenant, ["webhooks:write", "webhooks:read", "tickets:read"]
    )
    made = await client.post(
        "/api/v1/webhooks", json={"url": HOOK, "events": ["ticket.created"]}, headers=headers
    )
    hook_id = made.json()["data"]["id"]
    async with db.transaction() as session:
        endpoint = await session.get(WebhookEndpoint, hook_id)
        assert endpoint is not None
        endpoint.events = ["*"]
    await create_ticket(client, tenant)
    await fanout.fan_out(db, datetime(1970, 1, 1, tzinfo=UTC))
    async with db.transaction(write=False) as session:
        recorded = {e.type for e in await session.scalars(select(Event))}
    assert "customer.created" in recorded  # the ticket's new requester
    listed = await client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=headers)
    delivered = {d["event_type"] for d in listed.json()["data"]}
    assert delivered == {t for t in recorded if t.startswith("ticket.")}


async def test_revoking_a_key_disables_its_webhooks(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    key_id, headers = await make_scoped_key(db, tenant, ["webhooks:write", *READ_ALL])
    made = await client.post(
        "/api/v1/webhooks", json={"url": HOOK, "events": ["*"]}, headers=headers
    )
    hook_id = made.json()["data"]["id"]
    other = await client.post(
        "/api/v1/webhooks", json={"url": HOOK, "events": ["*"]}, headers=tenant.headers
    )
    csrf = await sign_in(client, tenant.created.user.email)
    revoked = await client.post(f"/settings/keys/{key_id}/revoke", data={"csrf": csrf})
    assert revoked.status_code in (200, 303)

    shown = (await client.get(f"/api/v1/webhooks/{hook_id}", headers=tenant.headers)).json()
    assert shown["data"]["enabled"] is False
    assert "API key that subscribed it was revoked" in shown["data"]["disabled_reason"]
    untouched = f"/api/v1/webhooks/{other.json()['data']['id']}"
    assert (await client.get(untouched, headers=tenant.headers)).json()["data"]["enabled"]

    _, writer = await make_scoped_key(db, tenant, ["webhooks:write", "tickets:read"])
    for attempt in (
        client.post(f"/api/v1/webhooks/{hook_id}/enable", headers=writer),
        client.patch(f"/api/v1/webhooks/{hook_id}", json={"enabled": True}, headers=writer),
    ):
        refused = await attempt
        assert refused.status_code == 403
        assert "revoked" in refused.json()["error"]["message"]
        assert "customers:read" in refused.json()["error"]["message"]
        assert refused.json()["error"]["param"] == "events"
    assert (await stored(db, hook_id)).enabled is False

    reader_id, reader = await make_scoped_key(db, tenant, ["webhooks:write", *READ_ALL])
    enabled = await client.post(f"/api/v1/webhooks/{hook_id}/enable", headers=reader)
    assert enabled.status_code == 200 and enabled.json()["data"]["enabled"] is True
    assert (await stored(db, hook_id)).created_by_key_id == reader_id


async def test_admins_enable_and_subscribe_to_all_in_the_app(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    key_id, headers = await make_scoped_key(db, tenant, ["webhooks:write", "tickets:read"])
    made = await client.post(
        "/api/v1/webhooks", json={"url": HOOK, "events": ["ticket.created"]}, headers=headers
    )
    hook_id = made.json()["data"]["id"]
    csrf = await sign_in(client, tenant.created.user.email)
    await client.post(f"/settings/keys/{key_id}/revoke", data={"csrf": csrf})
    assert (await stored(db, hook_id)).enabled is False
    page = f"/settings/webhooks/{hook_id}"
    enabled = await client.post(f"{page}/enabled", data={"csrf": csrf, "enabled": "true"})
    assert enabled.status_code == 303
    saved = await client.post(page, data={"csrf": csrf, "url": HOOK, "events": ["*"]})
    assert saved.status_code == 303
    endpoint = await stored(db, hook_id)
    assert (endpoint.enabled, endpoint.events, endpoint.created_by_key_id) == (True, ["*"], None)


@pytest.mark.parametrize("now", [True, False])
async def test_a_rotated_keys_successor_inherits_its_webhooks(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, now: bool
) -> None:
    key_id, headers = await make_scoped_key(db, tenant, ["webhooks:write", "tickets:read"])
    made = await client.post(
        "/api/v1/webhooks", json={"url": HOOK, "events": ["ticket.created"]}, headers=headers
    )
    hook_id = made.json()["data"]["id"]
    csrf = await sign_in(client, tenant.created.user.email)
    form = {"csrf": csrf, "now": "1"} if now else {"csrf": csrf}
    rotated = await client.post(f"/settings/keys/{key_id}/rotate", data=form)
    assert rotated.status_code == 200
    endpoint = await stored(db, hook_id)
    assert endpoint.enabled is True
    assert endpoint.created_by_key_id not in (None, key_id)
