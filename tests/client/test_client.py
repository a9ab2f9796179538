"""tixallo.client against a real server: every v1 endpoint, pagination, errors."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support.live import LiveServer
from tixallo.client import Tixallo, TixalloError


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.com"


def test_tickets_messages_and_merge(api: Tixallo) -> None:
    email = unique("ada")
    ticket = api.tickets.create(
        subject="Printer on fire",
        customer_email=email,
        customer_name="Ada",
        body="Help",
        priority="high",
        tags=["hardware"],
    )
    assert ticket["subject"] == "Printer on fire"
    assert ticket["customer"]["email"] == email
    assert ticket["priority"] == "high" and ticket["tags"] == ["hardware"]
    assert api.tickets.get(ticket["id"]) == ticket

    updated = api.tickets.update(ticket["id"], status="waiting", tags=["hardware", "fire"])
    assert updated["status"] == "waiting" and sorted(updated["tags"]) == ["fire", "hardware"]
    # Only the fields given change.
    assert updated["priority"] == "high" and updated["subject"] == "Printer on fire"

    reply = api.tickets.create_message(ticket["id"], body="On it")
    assert reply["ticket_id"] == ticket["id"] and reply["body"] == "On it"
    bodies = [m["body"] for m in api.tickets.list_all_messages(ticket["id"])]
    assert bodies == ["Help", "On it"]
    page = api.tickets.list_messages(ticket["id"], limit=1)
    assert [m["body"] for m in page.data] == ["Help"] and page.has_more and page.next_cursor

    other = api.tickets.create(subject="Duplicate", customer_email=email, body="Same printer")
    target = api.tickets.merge(other["id"], target_id=ticket["id"])
    assert target["id"] == ticket["id"]
    merged = api.tickets.get(other["id"])
    assert merged["merged_into_id"] == ticket["id"] and merged["status"] == "closed"


def test_list_all_follows_every_page(api: Tixallo) -> None:
    email = unique("pages")
    made = [api.tickets.create(subject=f"Page {n}", customer_email=email)["id"] for n in range(7)]
    seen = [t["id"] for t in api.tickets.list_all(customer_email=email, limit=2)]
    assert seen == list(reversed(made))  # newest first, each once, across four pages
    first = api.tickets.list(customer_email=email, limit=5)
    assert len(first.data) == 5 and first.has_more
    rest = api.tickets.list(customer_email=email, limit=5, cursor=first.next_cursor)
    assert len(rest.data) == 2 and not rest.has_more and rest.next_cursor is None
    api.tickets.update(made[0], status="resolved")
    resolved = [t["id"] for t in api.tickets.list_all(customer_email=email, status="resolved")]
    assert resolved == [made[0]]


def test_update_can_unassign_and_refuses_unknown_status(api: Tixallo) -> None:
    ticket = api.tickets.create(subject="Assign me", customer_email=unique("assign"))
    assert api.tickets.update(ticket["id"], assignee_id=None)["assignee_id"] is None
    with pytest.raises(TixalloError) as caught:
        api.tickets.update(ticket["id"], status="bogus")  # type: ignore[arg-type]
    assert caught.value.status == 400 and caught.value.param == "status"


def test_customers_companies_and_inboxes(api: Tixallo) -> None:
    email = f"bob-{uuid.uuid4().hex[:8]}@globex-{uuid.uuid4().hex[:6]}.io"
    created = api.customers.upsert(email=email, name="Bob")
    again = api.customers.upsert(email=email.upper(), name="Bobby")
    assert again["id"] == created["id"] and again["name"] == "Bobby"
    assert api.customers.get(created["id"])["name"] == "Bobby"
    assert [c["id"] for c in api.customers.list(email=email).data] == [created["id"]]
    company = created["company"]
    assert company is not None
    assert api.companies.get(company["id"]) == company
    assert company["id"] in {c["id"] for c in api.companies.list_all()}
    by_company = [c["id"] for c in api.customers.list_all(company_id=company["id"])]
    assert by_company == [created["id"]]
    assert any(c["id"] == created["id"] for c in api.customers.list_all())

    inboxes = api.inboxes.list()
    assert inboxes[0]["is_default"]
    assert api.inboxes.get(inboxes[0]["id"]) == inboxes[0]


def test_chat_conversation_to_ticket(api: Tixallo) -> None:
    conversations = api.chat.conversations
    conv = conversations.start(visitor_email=unique("eve"), visitor_name="Eve")
    assert conv["status"] == "active"
    said = conversations.send_message(conv["id"], content="Hello?", sender_type="visitor")
    assert said["conversation_id"] == conv["id"]
    assert [m["content"] for m in conversations.list_all_messages(conv["id"])] == ["Hello?"]
    assert conversations.list_messages(conv["id"]).data[0]["id"] == said["id"]
    assert conversations.get(conv["id"])["id"] == conv["id"]
    assert conv["id"] in {c["id"] for c in conversations.list(status="active").data}
    assert conversations.end(conv["id"])["status"] == "ended"
    assert conv["id"] in {c["id"] for c in conversations.list_all(status="ended")}
    ticket = conversations.create_ticket(conv["id"], subject="From chat")
    assert ticket["source"] == "chat" and ticket["subject"] == "From chat"
    with pytest.raises(TixalloError) as caught:
        conversations.create_ticket(conv["id"])
    assert caught.value.status == 409


def test_webhooks_and_deliveries(api: Tixallo) -> None:
    hook = api.webhooks.create(url="https://example.com/hook", events=["ticket.created"])
    assert hook["secret"].startswith("whsec_")
    assert "secret" not in api.webhooks.get(hook["id"])
    assert hook["id"] in {w["id"] for w in api.webhooks.list_all()}
    assert api.webhooks.list(limit=1).data
    changed = api.webhooks.update(hook["id"], description="CRM", events=["*"])
    assert changed["description"] == "CRM" and changed["events"] == ["*"]
    rotated = api.webhooks.rotate_secret(hook["id"])
    assert rotated["secret"] != hook["secret"]
    assert api.webhooks.enable(hook["id"])["enabled"] is True

    api.tickets.create(subject="For the hook", customer_email=unique("hook"))
    deadline = time.monotonic() + 20
    while not (deliveries := api.webhooks.list_deliveries(hook["id"]).data):
        assert time.monotonic() < deadline, "no delivery was made"
        time.sleep(0.2)
    assert deliveries[0]["webhook_id"] == hook["id"]
    listed = [d["id"] for d in api.webhooks.list_all_deliveries(hook["id"])]
    assert listed[0] == deliveries[0]["id"]
    again = api.webhooks.redeliver(hook["id"], deliveries[0]["id"])
    assert again["id"] == deliveries[0]["id"] and again["status"] == "pending"
    api.webhooks.delete(hook["id"])
    with pytest.raises(TixalloError) as caught:
        api.webhooks.get(hook["id"])
    assert caught.value.status == 404


def test_event_feed_resumes(api: Tixallo) -> None:
    start = api.events.list(limit=100)
    while start.has_more:
        start = api.events.list(after=start.next_cursor, limit=100)
    email = unique("feed")
    ticket = api.tickets.create(subject="Feed me", customer_email=email)
    events = list(api.events.list_all(after=start.next_cursor, types=["ticket.created"]))
    assert [e["data"]["id"] for e in events] == [ticket["id"]]
    assert all(e["type"] == "ticket.created" for e in events)


def test_errors_carry_the_error_body(api: Tixallo, server: LiveServer) -> None:
    with pytest.raises(TixalloError) as caught:
        api.tickets.get("tkt_missing")
    error = caught.value
    assert (error.status, error.type) == (404, "not_found")
    assert "tkt_missing" in error.message and error.request_id
    with pytest.raises(TixalloError) as caught:
        api.tickets.create(subject="x", customer_email="not-an-email")
    assert caught.value.status == 400 and caught.value.param == "customer.email"
    with Tixallo("th_" + "x" * 43, server.url) as stranger, pytest.raises(TixalloError) as caught:
        stranger.tickets.list()
    assert caught.value.type == "authentication_error"


def test_a_client_error_is_not_retried(server: LiveServer) -> None:
    sent: list[httpx.Request] = []
    http = httpx.Client(event_hooks={"request": [sent.append]})
    with Tixallo(server.key, server.url, http_client=http) as client, pytest.raises(TixalloError):
        client.tickets.get("tkt_missing")
    assert len(sent) == 1


def test_updated_since_takes_a_datetime(api: Tixallo) -> None:
    email = unique("since")
    before = datetime.now(tz=UTC) - timedelta(seconds=1)
    made = api.tickets.create(subject="Recent", customer_email=email)
    found = list(api.tickets.list_all(customer_email=email, updated_since=before))
    assert [t["id"] for t in found] == [made["id"]]
    later = datetime.now(tz=UTC) + timedelta(hours=1)
    assert not api.tickets.list(customer_email=email, updated_since=later).data
    with pytest.raises(TixalloError) as caught:
        api.tickets.list(updated_since=datetime(2026, 1, 1))  # no time zone
    assert caught.value.param == "updated_since"
