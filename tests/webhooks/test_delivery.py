"""End to end: outbox event -> worker -> a real HTTP receiver on localhost."""

from __future__ import annotations

import asyncio
import hashlib
import hmac

import httpx
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from tests.support.receiver import Receiver, Reply, wait_until
from tests.support.tenants import Tenant
from tests.support.webhooks import FAST_RETRIES, create_ticket, create_webhook, running_worker
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.events.models import Event
from tixallo.tickets import service as tickets
from tixallo.webhooks.models import WebhookAttempt


async def test_delivery_verifies_with_standardwebhooks(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    hook = await create_webhook(client, tenant, receiver.url(), ["ticket.created"])
    ticket_id = await create_ticket(client, tenant)
    async with running_worker(db, settings):
        await wait_until(lambda: len(receiver.requests) == 1)
    got = receiver.requests[0]
    payload = Webhook(hook["secret"]).verify(got.body, got.headers)
    assert payload["type"] == "ticket.created"
    assert payload["data"]["id"] == ticket_id
    assert payload["workspace_id"] == tenant.id
    assert set(payload) == {"id", "type", "created_at", "workspace_id", "data"}
    assert got.headers["webhook-id"] == payload["id"]
    assert payload["id"].startswith("evt_")
    # The same delivery verifies for a receiver written from the TacoHelp document.
    tacohelp = hmac.new(hook["secret"].encode(), got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["x-webhook-signature"], tacohelp)
    assert got.headers["content-type"] == "application/json"
    async with db.transaction(write=False) as session:
        event = await session.get(Event, payload["id"])
    assert event is not None and event.type == "ticket.created"


async def test_signature_fails_with_another_secret(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    hook = await create_webhook(client, tenant, receiver.url(), ["ticket.created"])
    rotated = await client.post(
        f"/api/v1/webhooks/{hook['id']}/rotate_secret", headers=tenant.headers
    )
    await create_ticket(client, tenant)
    async with running_worker(db, settings):
        await wait_until(lambda: len(receiver.requests) == 1)
    got = receiver.requests[0]
    Webhook(rotated.json()["data"]["secret"]).verify(got.body, got.headers)
    try:
        Webhook(hook["secret"]).verify(got.body, got.headers)
    except Exception as exc:
        assert "signature" in str(exc).lower()
    else:
        raise AssertionError("the old secret still verifies after rotation")


async def test_retries_follow_the_schedule_then_succeed(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    answers = iter([500, 503, 200])
    receiver.reply = lambda _r: Reply(status=next(answers))
    hook = await create_webhook(client, tenant, receiver.url(), ["ticket.created"])
    await create_ticket(client, tenant)
    async with running_worker(db, settings):
        await wait_until(lambda: len(receiver.requests) == 3)
        await asyncio.sleep(0.3)
    times = [r.at for r in receiver.requests]
    assert len(times) == 3
    assert len(set(receiver.ids())) == 1, "webhook-id changed across retries"
    assert times[1] - times[0] >= FAST_RETRIES[0]
    assert times[2] - times[1] >= FAST_RETRIES[1]
    listed = await client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=tenant.headers)
    delivery = listed.json()["data"][0]
    assert delivery["status"] == "succeeded"
    assert delivery["attempt_count"] == 3
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 200]
    assert [a["succeeded"] for a in delivery["attempts"]] == [False, False, True]
    assert all(a["duration_ms"] >= 0 for a in delivery["attempts"])


async def test_delivery_fails_after_the_last_retry(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    receiver.reply = lambda _r: Reply(status=500)
    hook = await create_webhook(client, tenant, receiver.url(), ["ticket.created"])
    await create_ticket(client, tenant)
    async with running_worker(db, settings):
        await wait_until(lambda: len(receiver.requests) == 1 + len(FAST_RETRIES))
        await asyncio.sleep(0.5)
    assert len(receiver.requests) == 1 + len(FAST_RETRIES)
    listed = await client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=tenant.headers)
    delivery = listed.json()["data"][0]
    assert delivery["status"] == "failed"
    assert delivery["next_attempt_at"] is None
    assert delivery["last_status_code"] == 500
    endpoint = await client.get(f"/api/v1/webhooks/{hook['id']}", headers=tenant.headers)
    assert endpoint.json()["data"]["consecutive_failures"] == 4
    assert endpoint.json()["data"]["enabled"] is True


async def test_connection_error_is_a_failed_attempt(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    url = receiver.url()
    receiver.close()  # nothing listens on the port any more
    hook = await create_webhook(client, tenant, url, ["ticket.created"])
    await create_ticket(client, tenant)
    async with running_worker(db, settings):

        async def attempts() -> int:
            async with db.transaction(write=False) as session:
                return len(list(await session.scalars(select(WebhookAttempt))))

        for _ in range(200):
            if await attempts() >= 2:
                break
            await asyncio.sleep(0.02)
    listed = await client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=tenant.headers)
    attempt = listed.json()["data"][0]["attempts"][0]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("connection error")


async def test_breaker_disables_after_ten_failures_and_enable_delivers_kept_events(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    receiver.reply = lambda _r: Reply(status=500)
    hook = await create_webhook(client, tenant, receiver.url(), ["ticket.created"])
    first = [await create_ticket(client, tenant, subject=f"early {i}") for i in range(6)]
    async with running_worker(db, settings):
        await wait_until(lambda: len(receiver.requests) >= 10)
        await asyncio.sleep(0.6)  # retries would be due by now if the endpoint were enabled
        assert len(receiver.requests) == 10
        endpoint = await client.get(f"/api/v1/webhooks/{hook['id']}", headers=tenant.headers)
        data = endpoint.json()["data"]
        assert data["enabled"] is False
        assert "10 consecutive" in data["disabled_reason"]
        # Events while disabled are kept, not sent.
        later = [await create_ticket(client, tenant, subject=f"late {i}") for i in range(3)]
        await asyncio.sleep(0.5)
        assert len(receiver.requests) == 10
        receiver.reply = lambda _r: Reply(status=200)
        enabled = await client.post(f"/api/v1/webhooks/{hook['id']}/enable", headers=tenant.headers)
        assert enabled.status_code == 200
        assert enabled.json()["data"]["enabled"] is True

        def delivered_tickets() -> set[str]:
            return {r.json["data"]["id"] for r in list(receiver.requests) if r.json and True}

        await wait_until(lambda: delivered_tickets() >= set(first) | set(later))
    endpoint = await client.get(f"/api/v1/webhooks/{hook['id']}", headers=tenant.headers)
    assert endpoint.json()["data"]["consecutive_failures"] == 0


async def test_no_internal_note_in_any_payload(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    await create_webhook(client, tenant, receiver.url(), ["*"])
    ticket_id = await create_ticket(client, tenant, body="public first message")
    async with db.transaction() as session:
        await tickets.add_message(
            session,
            tenant.ctx,
            ticket_id,
            body="SECRET-NOTE do not leak",
            author_member_id=tenant.created.owner.id,
            internal=True,
        )
    reply = await client.post(
        f"/api/v1/tickets/{ticket_id}/messages",
        json={"body": "public reply"},
        headers=tenant.headers,
    )
    assert reply.status_code == 201
    closed = await client.patch(
        f"/api/v1/tickets/{ticket_id}", json={"status": "closed"}, headers=tenant.headers
    )
    assert closed.status_code == 200
    async with db.transaction(write=False) as session:
        expected = len(
            list(await session.scalars(select(Event.id).where(Event.workspace_id == tenant.id)))
        )
    async with running_worker(db, settings):
        await wait_until(lambda: len(receiver.requests) == expected)
    types = {r.json["type"] for r in receiver.requests}
    assert {
        "ticket.created",
        "ticket.message.created",
        "ticket.commented",
        "ticket.closed",
    } <= types
    for got in receiver.requests:
        assert b"SECRET-NOTE" not in got.body
    posted = [r.json for r in receiver.requests if r.json["type"] == "ticket.message.created"]
    assert len(posted) == 1 and posted[0]["data"]["body"] == "public reply"


async def test_events_reach_one_endpoint_in_creation_order(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    await create_webhook(client, tenant, receiver.url(), ["ticket.created"])
    made = [await create_ticket(client, tenant, subject=f"n{i}") for i in range(15)]
    async with running_worker(db, settings):
        await wait_until(lambda: len(receiver.requests) == 15)
    assert [r.json["data"]["id"] for r in receiver.requests] == made


async def test_redeliver_sends_the_same_event_again(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    hook = await create_webhook(client, tenant, receiver.url(), ["ticket.created"])
    await create_ticket(client, tenant)
    async with running_worker(db, settings):
        await wait_until(lambda: len(receiver.requests) == 1)
        listed = await client.get(
            f"/api/v1/webhooks/{hook['id']}/deliveries", headers=tenant.headers
        )
        delivery = listed.json()["data"][0]
        again = await client.post(
            f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver",
            headers=tenant.headers,
        )
        assert again.status_code == 202, again.text
        assert again.json()["data"]["status"] == "pending"
        await wait_until(lambda: len(receiver.requests) == 2)
    assert receiver.ids()[0] == receiver.ids()[1] == delivery["event_id"]


async def test_a_hanging_receiver_does_not_delay_another_endpoint(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    settings: Settings,
    make_receiver: object,
) -> None:
    slow, fast = make_receiver(), make_receiver()  # type: ignore[operator]
    slow.reply = lambda _r: Reply(delay=5.0)  # longer than the 2 s timeout
    await create_webhook(client, tenant, slow.url(), ["ticket.created"])
    await create_webhook(client, tenant, fast.url(), ["ticket.created"])
    for i in range(5):
        await create_ticket(client, tenant, subject=f"t{i}")
    async with running_worker(db, settings):
        await wait_until(lambda: len(fast.requests) == 5, timeout=1.5)
        assert len(slow.requests) <= 1
