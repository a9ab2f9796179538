"""Per-endpoint payload formats, against a real HTTP receiver and a real worker.

A ``tacohelp`` endpoint receives ``{"event", "timestamp", "data"}`` with ``data`` exactly as
the external GET of that ticket or conversation answers; a ``tixallo`` endpoint keeps the v1
event; both signatures verify over the body actually sent; the format is refused by name
when bad, everywhere it is set, and a change applies to new deliveries only.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import subprocess
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.support.cli import run_tixallo
from tests.support.receiver import Receiver, Reply, wait_until
from tests.support.tenants import Tenant, TenantFactory
from tests.support.web import sign_in
from tests.support.webhooks import create_ticket, create_webhook, running_worker
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.tacohelp import shapes
from tixallo.tickets import service as tickets
from tixallo.webhooks import formats

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
NOTE = "INTERNAL: the customer is a known troll"


async def _hook(
    client: httpx.AsyncClient,
    tenant: Tenant,
    url: str,
    events: list[str],
    payload_format: str,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhooks",
        json={"url": url, "events": events, "format": payload_format},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    assert data["format"] == payload_format
    return data


async def _deliver(db: Database, settings: Settings, receiver: Receiver, count: int) -> None:
    async with running_worker(db, settings):
        await wait_until(lambda: len(receiver.requests) >= count)


async def _external(client: httpx.AsyncClient, tenant: Tenant, path: str) -> dict[str, Any]:
    response = await client.get(f"/api/external/{path}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_tacohelp_endpoint_receives_the_ticket_as_the_external_get_shows_it(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    settings: Settings,
    make_receiver: Any,
) -> None:
    taco, native = make_receiver(), make_receiver()
    await _hook(client, tenant, taco.url(), ["ticket.created"], "tacohelp")
    await create_webhook(client, tenant, native.url(), ["ticket.created"])
    ticket_id = await create_ticket(client, tenant)
    async with running_worker(db, settings):
        await wait_until(lambda: len(taco.requests) == 1 and len(native.requests) == 1)

    payload = taco.requests[0].json
    assert list(payload) == ["event", "timestamp", "data"]
    assert payload["event"] == "ticket.created"
    assert RFC3339_UTC.match(payload["timestamp"])
    assert payload["data"] == await _external(client, tenant, f"tickets/{ticket_id}")
    shapes.TicketDetail.model_validate(payload["data"], by_alias=True, by_name=False)
    assert payload["data"]["status"] == "OPEN" and payload["data"]["priority"] == "HIGH"
    assert payload["data"]["ticketNumber"] == 1

    # The tixallo endpoint still gets the v1 event, unchanged.
    event = native.requests[0].json
    assert event["type"] == "ticket.created" and event["id"] == native.ids()[0]
    assert event["data"]["id"] == ticket_id and event["data"]["status"] == "open"
    assert set(event) >= {"id", "type", "created_at", "workspace_id", "data"}
    assert "event" not in event
    # One event, one webhook-id, whatever the format.
    assert taco.ids() == native.ids()


async def test_a_tacohelp_delivery_verifies_with_a_tacohelp_receiver_and_standardwebhooks(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    hook = await _hook(client, tenant, receiver.url(), ["ticket.created"], "tacohelp")
    await create_ticket(client, tenant)
    await _deliver(db, settings, receiver, 1)
    got = receiver.requests[0]
    secret = str(hook["secret"])

    # Written from the TacoHelp document: hex HMAC-SHA256 of the raw body, keyed by the secret.
    expected = hmac.new(secret.encode(), got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["x-webhook-signature"], expected)
    verified = Webhook(secret).verify(got.body, got.headers)
    assert verified["event"] == "ticket.created"

    tampered = got.body.replace(b"OPEN", b"CLOSED")
    assert hmac.new(secret.encode(), tampered, hashlib.sha256).hexdigest() != expected


async def test_no_internal_note_reaches_a_tacohelp_payload(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    await _hook(client, tenant, receiver.url(), ["*"], "tacohelp")
    ticket_id = await create_ticket(client, tenant)
    async with db.transaction() as session:
        await tickets.add_message(
            session,
            tenant.ctx,
            ticket_id,
            body=NOTE,
            internal=True,
            author_member_id=tenant.created.owner.id,
        )
    commented = await client.post(
        f"/api/external/tickets/{ticket_id}/comments",
        json={"content": "We are on it."},
        headers=tenant.headers,
    )
    assert commented.status_code == 201, commented.text
    # ticket.created, then ticket.message.created and ticket.commented for the comment.
    await _deliver(db, settings, receiver, 3)

    events = [r.json["event"] for r in receiver.requests]
    assert sorted(events) == ["ticket.commented", "ticket.created", "ticket.message.created"]
    for got in receiver.requests:
        assert NOTE.encode() not in got.body
    comments = receiver.requests[-1].json["data"]["comments"]
    assert [c["content"] for c in comments] == ["We are on it."]


async def test_chat_events_carry_the_conversation_as_the_external_get_shows_it(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    await _hook(client, tenant, receiver.url(), ["*"], "tacohelp")
    base = "/api/external/chat/conversations"
    started = await client.post(
        base, json={"visitorEmail": "v@example.com"}, headers=tenant.headers
    )
    assert started.status_code == 201, started.text
    conversation_id = started.json()["id"]
    sent = await client.post(
        f"{base}/{conversation_id}/messages",
        json={"content": "Hello!", "senderType": "agent"},
        headers=tenant.headers,
    )
    assert sent.status_code == 201, sent.text
    # customer.created is recorded too (a new visitor), and is not sent in this format.
    await _deliver(db, settings, receiver, 2)

    shown = await _external(client, tenant, f"chat/conversations/{conversation_id}")
    by_event = {r.json["event"]: r.json for r in receiver.requests}
    assert set(by_event) == {"chat.conversation.started", "chat.message.created"}
    for payload in by_event.values():
        assert payload["data"] == shown
        shapes.ConversationDetail.model_validate(payload["data"], by_alias=True, by_name=False)
    assert shown["messages"][0]["senderType"] == "agent"


async def test_customer_events_are_not_delivered_to_a_tacohelp_endpoint(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    settings: Settings,
    make_receiver: Any,
) -> None:
    taco, native = make_receiver(), make_receiver()
    hook = await _hook(client, tenant, taco.url(), ["*"], "tacohelp")
    await create_webhook(client, tenant, native.url(), ["*"])
    await create_ticket(client, tenant)  # a new customer: customer.created, then ticket.created
    async with running_worker(db, settings):
        await wait_until(lambda: len(native.requests) == 2 and len(taco.requests) == 1)

    assert sorted(r.json["type"] for r in native.requests) == [
        "customer.created",
        "ticket.created",
    ]
    deliveries = await client.get(
        f"/api/v1/webhooks/{hook['id']}/deliveries", headers=tenant.headers
    )
    assert [d["event_type"] for d in deliveries.json()["data"]] == ["ticket.created"]
    assert [r.json["event"] for r in taco.requests] == ["ticket.created"]


async def test_a_tacohelp_endpoint_cannot_name_customer_events(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    refused = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/h", "events": ["customer.created"], "format": "tacohelp"},
        headers=tenant.headers,
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["param"] == "events"
    native = await create_webhook(client, tenant, "http://127.0.0.1:9/h", ["customer.updated"])
    switched = await client.patch(
        f"/api/v1/webhooks/{native['id']}", json={"format": "tacohelp"}, headers=tenant.headers
    )
    assert switched.status_code == 400 and switched.json()["error"]["param"] == "events"
    listed = (await client.get("/api/v1/webhooks", headers=tenant.headers)).json()["data"]
    assert [(w["id"], w["format"]) for w in listed] == [(native["id"], "tixallo")]


async def test_v1_refuses_a_bad_format_by_name_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.headers
    bad = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/h", "events": ["*"], "format": "xml"},
        headers=h,
    )
    assert bad.status_code == 400, bad.text
    assert bad.json()["error"]["param"] == "format"
    assert (await client.get("/api/v1/webhooks", headers=h)).json()["data"] == []

    hook = await create_webhook(client, tenant, "http://127.0.0.1:9/h")
    assert hook["format"] == "tixallo"
    patched = await client.patch(
        f"/api/v1/webhooks/{hook['id']}",
        json={"format": "TacoHelp", "description": "changed"},
        headers=h,
    )
    assert patched.status_code == 400 and patched.json()["error"]["param"] == "format"
    shown = (await client.get(f"/api/v1/webhooks/{hook['id']}", headers=h)).json()["data"]
    assert shown["format"] == "tixallo" and shown["description"] == ""
    changed = await client.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"format": "tacohelp"}, headers=h
    )
    assert changed.status_code == 200 and changed.json()["data"]["format"] == "tacohelp"


async def test_a_format_change_applies_to_new_deliveries_only(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    h = tenant.headers
    hook = await create_webhook(client, tenant, receiver.url(), ["ticket.created"])
    first = await create_ticket(client, tenant)
    await _deliver(db, settings, receiver, 1)
    assert receiver.requests[0].json["type"] == "ticket.created"

    changed = await client.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"format": "tacohelp"}, headers=h
    )
    assert changed.status_code == 200, changed.text
    second = await create_ticket(client, tenant, subject="Second")
    old = (await client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=h)).json()
    first_delivery = next(d for d in old["data"] if d["status"] == "succeeded")
    redelivered = await client.post(
        f"/api/v1/webhooks/{hook['id']}/deliveries/{first_delivery['id']}/redeliver", headers=h
    )
    assert redelivered.status_code == 202
    await _deliver(db, settings, receiver, 3)

    later = {r.json.get("data", {}).get("id"): r.json for r in receiver.requests[1:]}
    # The delivery made before the change is sent again as it was made: a v1 event.
    assert later[first]["type"] == "ticket.created" and "event" not in later[first]
    # The event recorded after the change arrives in the new format.
    assert later[second]["event"] == "ticket.created"
    assert later[second]["data"]["subject"] == "Second"


async def test_a_payload_that_cannot_be_rendered_holds_up_nothing_and_is_not_lost(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    settings: Settings,
    make_receiver: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A tacohelp body that fails to render (a bug, say a shape that no longer fits) is not
    allowed to stop fan-out: the other endpoints get their events, the failing delivery
    shows why in its own log, and once the cause is gone a redeliver sends it."""
    taco, native = make_receiver(), make_receiver()
    hook = await _hook(client, tenant, taco.url(), ["ticket.created"], "tacohelp")
    await create_webhook(client, tenant, native.url(), ["ticket.created"])

    async def broken(*_args: Any, **_kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("the shape no longer fits")

    monkeypatch.setattr(formats, "ticket_document", broken)
    ticket_id = await create_ticket(client, tenant)
    deliveries = f"/api/v1/webhooks/{hook['id']}/deliveries"

    async def taco_delivery() -> dict[str, Any]:
        listed = await client.get(deliveries, headers=tenant.headers)
        found: dict[str, Any] = listed.json()["data"][0]
        return found

    async with running_worker(db, settings):
        await wait_until(lambda: len(native.requests) == 1)
        for _ in range(100):
            if (await taco_delivery())["status"] == "failed":
                break
            await asyncio.sleep(0.05)
    assert native.requests[0].json["data"]["id"] == ticket_id
    assert taco.requests == []  # nothing half-built was sent
    failed = await taco_delivery()
    assert failed["status"] == "failed"
    assert "could not be built" in (failed["last_error"] or "")

    monkeypatch.undo()
    redelivered = await client.post(
        f"{deliveries}/{failed['id']}/redeliver", headers=tenant.headers
    )
    assert redelivered.status_code == 202
    await _deliver(db, settings, taco, 1)
    assert taco.requests[0].json["data"] == await _external(client, tenant, f"tickets/{ticket_id}")


async def test_a_retried_tacohelp_delivery_sends_the_same_bytes_after_the_ticket_changed(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    await _hook(client, tenant, receiver.url(), ["ticket.created"], "tacohelp")
    answers = iter([500])
    receiver.reply = lambda _r: Reply(status=next(answers, 200))
    ticket_id = await create_ticket(client, tenant, subject="Before")
    async with running_worker(db, settings):
        await wait_until(lambda: len(receiver.requests) == 1)
    changed = await client.patch(
        f"/api/v1/tickets/{ticket_id}", json={"subject": "After"}, headers=tenant.headers
    )
    assert changed.status_code == 200, changed.text
    await _deliver(db, settings, receiver, 2)

    first, retry = receiver.requests[0], receiver.requests[1]
    assert retry.body == first.body  # the snapshot made at fan-out, byte for byte
    assert retry.json["data"]["subject"] == "Before"
    assert retry.headers["webhook-id"] == first.headers["webhook-id"]


async def test_tacohelp_payloads_of_two_workspaces_stay_their_own(
    client: httpx.AsyncClient,
    tenants: TenantFactory,
    db: Database,
    settings: Settings,
    make_receiver: Any,
) -> None:
    """Two workspaces' tickets share the number 1; each endpoint gets its own workspace's."""
    a, b = await tenants(), await tenants()
    got: dict[str, Receiver] = {}
    for tenant, subject in ((a, "Ticket of A"), (b, "Ticket of B")):
        got[subject] = make_receiver()
        await _hook(client, tenant, got[subject].url(), ["ticket.created"], "tacohelp")
        await create_ticket(client, tenant, subject=subject)
    async with running_worker(db, settings):
        await wait_until(lambda: all(len(r.requests) == 1 for r in got.values()))
    for subject, received in got.items():
        assert [r.json["data"]["subject"] for r in received.requests] == [subject]


async def test_the_app_sets_the_format_refuses_a_bad_one_and_tests_in_it(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    csrf = await sign_in(client, tenant.created.user.email)
    refused = await client.post(
        "/settings/webhooks",
        data={"csrf": csrf, "url": receiver.url(), "events": ["*"], "format": "xml"},
    )
    assert refused.status_code == 400 and "format must be one of" in refused.text
    listed = (await client.get("/api/v1/webhooks", headers=tenant.headers)).json()["data"]
    assert listed == []

    created = await client.post(
        "/settings/webhooks",
        data={"csrf": csrf, "url": receiver.url(), "events": ["*"], "format": "tacohelp"},
    )
    assert created.status_code == 200, created.text
    [hook] = (await client.get("/api/v1/webhooks", headers=tenant.headers)).json()["data"]
    assert hook["format"] == "tacohelp"
    assert "<td><code>tacohelp</code></td>" in (await client.get("/settings/webhooks")).text

    page = f"/settings/webhooks/{hook['id']}"
    tested = await client.post(f"{page}/test", data={"csrf": csrf})
    assert "Test event: delivered" in tested.text
    test_event = receiver.requests[0].json
    assert test_event["event"] == "webhook.test" and RFC3339_UTC.match(test_event["timestamp"])
    assert test_event["data"]["webhookId"] == hook["id"]

    bad_edit = await client.post(
        page, data={"csrf": csrf, "url": receiver.url(), "events": ["*"], "format": "xml"}
    )
    assert bad_edit.status_code == 400 and "format must be one of" in bad_edit.text
    edited = await client.post(
        page, data={"csrf": csrf, "url": receiver.url(), "events": ["*"], "format": "tixallo"}
    )
    assert edited.status_code == 303
    shown = (await client.get(f"/api/v1/webhooks/{hook['id']}", headers=tenant.headers)).json()
    assert shown["data"]["format"] == "tixallo"


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TIXALLO_DATABASE_URL": settings.database_url or "",
        "TIXALLO_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    return run_tixallo(env, *args, ok=False, timeout=120)


async def test_the_cli_sets_the_format_and_refuses_a_bad_one(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    slug = tenant.created.workspace.slug
    common = ["webhook", "create", "--workspace", slug, "--url", "http://127.0.0.1:9/h"]
    bad = _cli(settings, *common, "--events", "*", "--format", "xml")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == ["error: format must be one of: tixallo, tacohelp."]
    assert (await client.get("/api/v1/webhooks", headers=tenant.headers)).json()["data"] == []

    made = _cli(settings, *common, "--events", "ticket.created", "--format", "tacohelp")
    assert made.returncode == 0, made.stderr
    listed = _cli(settings, "webhook", "list", "--workspace", slug)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split("\t")[3] == "tacohelp"
    hooks = (await client.get("/api/v1/webhooks", headers=tenant.headers)).json()["data"]
    assert [h["format"] for h in hooks] == ["tacohelp"]


def test_the_tacohelp_body_is_compact_json() -> None:
    from datetime import UTC, datetime

    from tixallo.webhooks.formats import tacohelp_body

    body = tacohelp_body("ticket.updated", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), {"a": "é"})
    assert (
        body
        == '{"event":"ticket.updated","timestamp":"2026-01-02T03:04:05Z","data":{"a":"é"}}'.encode()
    )
    assert json.loads(body)["data"] == {"a": "é"}


def test_only_customer_events_lack_a_tacohelp_shape() -> None:
    from tixallo.events.service import EVENT_TYPES
    from tixallo.webhooks.formats import receives

    shapeless = [t for t in EVENT_TYPES if not receives("tacohelp", t)]
    assert shapeless == ["customer.created", "customer.updated"]
    assert all(receives("tixallo", t) for t in EVENT_TYPES)
