"""Time-ordered, opaque string ids: a type prefix, 48 bits of milliseconds, 80 random bits.

Ordering by id approximates creation order, which keeps B-tree inserts append-mostly, while
the random tail makes ids unguessable. Clients must treat ids as opaque strings.
"""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{_encode(millis, 10)}{_encode(secrets.randbits(80), 16)}"
