"""Webhook secrets at rest.

Unlike API keys, a signing secret must be recoverable (the worker signs with it), so it
cannot be hashed. With ``TIXALLO_SECRET_KEY`` set it is sealed: encrypted with a keystream
of HMAC-SHA256(key, nonce || counter) (a PRF in counter mode) and authenticated with an
HMAC-SHA256 tag over nonce and ciphertext (encrypt-then-MAC), keys derived separately from
the setting. Without the setting (the embedded default) it is stored as plain text, marked
so; setting the key later seals new and rotated secrets and still opens the old ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SEALED = "s1:"
PLAIN = "p1:"
_NONCE = 16
_TAG = 32


class SealError(Exception):
    """The stored value cannot be opened with the configured key."""


def _keys(secret_key: str) -> tuple[bytes, bytes]:
    root = hashlib.sha256(secret_key.encode()).digest()
    return (
        hmac.new(root, b"tixallo webhook secret enc", hashlib.sha256).digest(),
        hmac.new(root, b"tixallo webhook secret mac", hashlib.sha256).digest(),
    )


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hmac.new(key, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        counter += 1
    return bytes(out[:length])


def seal(value: str, secret_key: str) -> str:
    if not secret_key:
        return PLAIN + value
    enc_key, mac_key = _keys(secret_key)
    data = value.encode()
    nonce = secrets.token_bytes(_NONCE)
    cipher = bytes(a ^ b for a, b in zip(data, _keystream(enc_key, nonce, len(data)), strict=True))
    tag = hmac.new(mac_key, nonce + cipher, hashlib.sha256).digest()
    return SEALED + base64.b64encode(nonce + cipher + tag).decode()


def open_sealed(stored: str, secret_key: str) -> str:
    if stored.startswith(PLAIN):
        return stored[len(PLAIN) :]
    if not stored.startswith(SEALED):
        raise SealError("unknown secret format")
    if not secret_key:
        raise SealError("the secret is sealed but TIXALLO_SECRET_KEY is not set")
    raw = base64.b64decode(stored[len(SEALED) :])
    nonce, cipher, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    enc_key, mac_key = _keys(secret_key)
    if not hmac.compare_digest(tag, hmac.new(mac_key, nonce + cipher, hashlib.sha256).digest()):
        raise SealError("the secret was sealed with another TIXALLO_SECRET_KEY")
    plain = bytes(
        a ^ b for a, b in zip(cipher, _keystream(enc_key, nonce, len(cipher)), strict=True)
    )
    return plain.decode()
