"""Settings → Webhooks over HTTP: create (secret once), edit, disable/enable, rotate, test
event to a real receiver, delete; admins only; other workspaces' webhooks are 404."""

from __future__ import annotations

import json
import re

import httpx

from tests.support.receiver import Receiver
from tests.support.server import free_port
from tests.support.tenants import Tenant, TenantFactory
from tests.support.web import add_agent, sign_in
from tixallo.db import Database
from tixallo.webhooks import signing


async def create_webhook_in_app(client: httpx.AsyncClient, csrf: str, url: str) -> tuple[str, str]:
    response = await client.post(
        "/settings/webhooks",
        data={"csrf": csrf, "url": url, "events": ["ticket.created"], "description": "CRM"},
    )
    assert response.status_code == 200, response.text
    secret = re.search(r'id="secret-value">([^<]+)<', response.text)
    webhook_id = re.search(r"/settings/webhooks/(whk_[^/\"]+)/test", response.text)
    assert secret and webhook_id
    return webhook_id.group(1), secret.group(1)


async def test_webhook_settings_round_trip(client: httpx.AsyncClient, tenant: Tenant) -> None:
    csrf = await sign_in(client, tenant.created.user.email)
    with Receiver() as receiver:
        webhook_id, secret = await create_webhook_in_app(client, csrf, receiver.url("/hooks"))
        page = f"/settings/webhooks/{webhook_id}"
        assert secret not in (await client.get(page)).text  # shown once
        assert receiver.url("/hooks") in (await client.get("/settings/webhooks")).text

        tested = await client.post(f"{page}/test", data={"csrf": csrf})
        assert tested.status_code == 200
        assert "Test event: delivered (HTTP 200)" in tested.text
        assert len(receiver.requests) == 1
        sent = receiver.requests[0]
        payload = json.loads(sent.body)
        assert payload["type"] == "webhook.test"
        expected = signing.sign(
            secret, sent.headers["webhook-id"], int(sent.headers["webhook-timestamp"]), sent.body
        )
        assert sent.headers["webhook-signature"] == expected

        rotated = await client.post(f"{page}/rotate", data={"csrf": csrf})
        new_secret = re.search(r'id="secret-value">([^<]+)<', rotated.text)
        assert new_secret and new_secret.group(1) != secret
        await client.post(f"{page}/test", data={"csrf": csrf})
        again = receiver.requests[1]
        assert again.headers["webhook-signature"] == signing.sign(
            new_secret.group(1),
            again.headers["webhook-id"],
            int(again.headers["webhook-timestamp"]),
            again.body,
        )

    edited = await client.post(
        page,
        data={
            "csrf": csrf,
            "url": "http://127.0.0.1:9/elsewhere",
            "events": ["ticket.created", "chat.message.created"],
            "description": "changed",
        },
    )
    assert edited.status_code == 303
    shown = (await client.get(page)).text
    assert "http://127.0.0.1:9/elsewhere" in shown and "changed" in shown
    bad = await client.post(
        page, data={"csrf": csrf, "url": "http://127.0.0.1:9/x", "events": ["nope"]}
    )
    assert bad.status_code == 400 and "Unknown event type" in bad.text

    disabled = await client.post(f"{page}/enabled", data={"csrf": csrf, "enabled": "false"})
    assert disabled.status_code == 303
    assert "Disabled" in (await client.get(page)).text
    await client.post(f"{page}/enabled", data={"csrf": csrf, "enabled": "true"})
    assert "consecutive failures" in (await client.get(page)).text

    dead = f"http://127.0.0.1:{free_port()}/gone"
    await client.post(page, data={"csrf": csrf, "url": dead, "events": ["*"]})
    failed = await client.post(f"{page}/test", data={"csrf": csrf})
    assert "Test event: failed" in failed.text

    deleted = await client.post(f"{page}/delete", data={"csrf": csrf})
    assert deleted.status_code == 303
    assert (await client.get(page)).status_code == 404


async def test_webhook_create_refuses_bad_input(client: httpx.AsyncClient, tenant: Tenant) -> None:
    csrf = await sign_in(client, tenant.created.user.email)
    for data in (
        {"url": "not a url", "events": ["ticket.created"]},
        {"url": "https://example.com/hook"},
        {"url": "https://example.com/hook", "events": ["ticket.exploded"]},
    ):
        response = await client.post("/settings/webhooks", data={"csrf": csrf, **data})
        assert response.status_code == 400, data
    assert "No webhooks yet" in (await client.get("/settings/webhooks")).text


async def test_agents_cannot_manage_webhooks(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    csrf = await sign_in(client, await add_agent(db, tenant))
    assert (await client.get("/settings/webhooks")).status_code == 403
    response = await client.post(
        "/settings/webhooks",
        data={"csrf": csrf, "url": "https://example.com/h", "events": ["*"]},
    )
    assert response.status_code == 403


async def test_other_workspace_webhook_is_404(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    mine, theirs = await tenants(), await tenants()
    their_csrf = await sign_in(client, theirs.created.user.email)
    webhook_id, _ = await create_webhook_in_app(client, their_csrf, "http://127.0.0.1:9/theirs")
    csrf = await sign_in(client, mine.created.user.email)
    page = f"/settings/webhooks/{webhook_id}"
    assert (await client.get(page)).status_code == 404
    for action in ("", "/test", "/rotate", "/enabled", "/delete", "/deliveries/dlv_x/redeliver"):
        response = await client.post(page + action, data={"csrf": csrf, "url": "http://x.io"})
        assert response.status_code == 404, action
    assert "theirs" not in (await client.get("/settings/webhooks")).text
