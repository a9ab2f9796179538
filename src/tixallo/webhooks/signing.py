"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

The secret is ``whsec_`` + base64 of 32 random bytes. Each attempt is signed over
``"{webhook-id}.{webhook-timestamp}.{raw body}"`` with HMAC-SHA256 keyed by the decoded
secret; ``webhook-id`` is the event id, the same on every retry, so receivers can drop
duplicates.

``X-Webhook-Signature`` is for receivers written from the TacoHelp document, which says only
"signed with HMAC-SHA256": such a receiver computes the HMAC of the raw body keyed by the
secret it was shown, and compares hex digests. So that header is exactly that, and nothing a
Standard Webhooks library reads.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

SECRET_PREFIX = "whsec_"
USER_AGENT = "Tixallo-Webhooks/1"


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 signature>``: the value of ``webhook-signature``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_body_hex(secret: str, body: bytes) -> str:
    """The value of ``X-Webhook-Signature``: lowercase hex HMAC-SHA256 of the raw body, keyed
    by the secret exactly as shown (``whsec_…`` as UTF-8 bytes, not decoded)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signed_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    signature = sign(secret, msg_id, timestamp, body)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
        "x-webhook-signature": sign_body_hex(secret, body),
    }
