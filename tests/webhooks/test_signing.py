"""Signing matches the Standard Webhooks reference library; secrets seal and open."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from datetime import UTC, datetime

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.support.receiver import Receiver, wait_until
from tests.support.tenants import Tenant
from tests.support.webhooks import create_ticket, create_webhook
from tixallo.app import create_app
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.webhooks import sealing, signing


def test_secret_format() -> None:
    secret = signing.generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert signing.generate_secret() != secret


def test_signature_equals_the_reference_library() -> None:
    secret = signing.generate_secret()
    body = signing.encode_body({"id": "evt_1", "type": "ticket.created", "data": {"é": "ü"}})
    timestamp = 1_795_402_800
    reference = Webhook(secret).sign(
        "evt_1", datetime.fromtimestamp(timestamp, tz=UTC), body.decode()
    )
    assert signing.sign(secret, "evt_1", timestamp, body) == reference
    headers = signing.signed_headers(secret, "evt_1", timestamp, body)
    assert headers["webhook-signature"] == reference
    assert headers["webhook-id"] == "evt_1"
    assert headers["webhook-timestamp"] == str(timestamp)


def test_x_webhook_signature_is_the_hex_hmac_of_the_body_keyed_by_the_secret_as_shown() -> None:
    """What a receiver written from the TacoHelp document ("signed with HMAC-SHA256") checks."""
    secret = signing.generate_secret()
    body = signing.encode_body({"id": "evt_1", "type": "ticket.created", "data": {"é": "ü"}})
    headers = signing.signed_headers(secret, "evt_1", 1_795_402_800, body)
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    assert headers["x-webhook-signature"] == expected
    assert headers["x-webhook-signature"] != headers["webhook-signature"]


def test_sealed_secret_opens_only_with_its_key() -> None:
    secret = signing.generate_secret()
    sealed = sealing.seal(secret, "key one")
    assert sealed.startswith(sealing.SEALED)
    assert secret not in sealed
    assert sealing.seal(secret, "key one") != sealed  # a fresh nonce each time
    assert sealing.open_sealed(sealed, "key one") == secret
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(sealed, "key two")
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(sealed, "")
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(tampered, "key one")


def test_without_a_key_the_secret_is_stored_marked_plain() -> None:
    secret = signing.generate_secret()
    stored = sealing.seal(secret, "")
    assert stored == sealing.PLAIN + secret
    assert sealing.open_sealed(stored, "a key set later") == secret


async def test_the_server_runs_the_worker_when_asked(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    """The in-process worker of `tixallo serve` starts and stops with the app's lifespan."""
    await create_webhook(client, tenant, receiver.url(), ["ticket.created"])
    await create_ticket(client, tenant)
    app = create_app(settings.model_copy(update={"run_worker_in_process": True}), db=db)
    async with app.router.lifespan_context(app):
        await wait_until(lambda: len(receiver.requests) == 1)
    quiet = create_app(settings.model_copy(update={"run_worker_in_process": False}), db=db)
    await create_ticket(client, tenant)
    async with quiet.router.lifespan_context(quiet):
        await asyncio.sleep(0.5)
    assert len(receiver.requests) == 1
