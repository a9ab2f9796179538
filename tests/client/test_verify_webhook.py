"""Tixallo.verify_webhook: signatures made by standardwebhooks and by a real server."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from tests.support.live import LiveServer
from tests.support.receiver import Receiver
from tixallo.client import Tixallo, WebhookVerificationError

SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()
BODY = json.dumps({"id": "evt_1", "type": "ticket.created", "data": {"id": "tkt_1"}})


def signed(body: str = BODY, *, at: datetime | None = None) -> dict[str, str]:
    when = at or datetime.now(tz=UTC)
    signature = Webhook(SECRET).sign("evt_1", when, body)
    return {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
    }


def test_a_standardwebhooks_signature_verifies() -> None:
    assert Tixallo.verify_webhook(SECRET, signed(), BODY.encode())["data"] == {"id": "tkt_1"}
    # Header names are case-insensitive, several signatures may be sent (one must match).
    headers = {k.title(): v for k, v in signed().items()}
    headers["Webhook-Signature"] = "v1,bm9wZQ== " + headers["Webhook-Signature"]
    assert Tixallo.verify_webhook(SECRET, headers, BODY)["id"] == "evt_1"


@pytest.mark.parametrize(
    "tamper",
    ["body", "secret", "id", "old", "future", "missing", "version"],
)
def test_a_bad_signature_is_refused(tamper: str) -> None:
    headers, body, secret = signed(), BODY, SECRET
    if tamper == "body":
        body = BODY.replace("tkt_1", "tkt_2")
    elif tamper == "secret":
        secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    elif tamper == "id":
        headers["webhook-id"] = "evt_2"
    elif tamper == "old":
        headers = signed(at=datetime.fromtimestamp(time.time() - 301, tz=UTC))
    elif tamper == "future":
        headers = signed(at=datetime.fromtimestamp(time.time() + 301, tz=UTC))
    elif tamper == "missing":
        del headers["webhook-signature"]
    elif tamper == "version":
        headers["webhook-signature"] = headers["webhook-signature"].replace("v1,", "v2,")
    with pytest.raises(WebhookVerificationError):
        Tixallo.verify_webhook(secret, headers, body)


def test_a_real_delivery_verifies(api: Tixallo, server: LiveServer, receiver: Receiver) -> None:
    hook = api.webhooks.create(url=receiver.url(), events=["ticket.created"])
    email = f"signed-{uuid.uuid4().hex[:8]}@example.com"
    ticket = api.tickets.create(subject="Signed", customer_email=email)
    try:
        deadline = time.monotonic() + 20
        seen = 0
        while True:
            assert time.monotonic() < deadline, "the ticket's delivery never came"
            if seen == len(receiver.requests):
                time.sleep(0.05)
                continue
            got = receiver.requests[seen]
            seen += 1
            event = Tixallo.verify_webhook(hook["secret"], got.headers, got.body)
            if event["data"]["id"] == ticket["id"]:
                break
        assert event["type"] == "ticket.created"
        with pytest.raises(WebhookVerificationError):
            Tixallo.verify_webhook(hook["secret"], got.headers, got.body + b" ")
    finally:
        api.webhooks.delete(hook["id"])
