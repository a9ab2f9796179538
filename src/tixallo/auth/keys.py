"""API keys: ``th_`` + 32 random bytes in base64url without padding.

The secret is shown once; only its SHA-256 is stored (a key has 256 bits of entropy, so a
fast hash is enough and keeps authentication cheap) with a short prefix for display.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

KEY_PREFIX = "th_"
DISPLAY_LENGTH = len(KEY_PREFIX) + 6


def generate_key() -> str:
    return KEY_PREFIX + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    return key[:DISPLAY_LENGTH]


def looks_like_key(value: str) -> bool:
    return value.startswith(KEY_PREFIX) and 20 <= len(value) <= 100
