"""Hostile values for query and path parameters: what an attacker (or a buggy client) sends
to find a 500. Each is a string as it would appear in a URL, before percent-encoding.

Kept in one place so every test that probes input bounds sends the same shapes, and a shape
found later is added once.
"""

from __future__ import annotations

import base64
import json


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def list_cursor(at: object, ident: object = "tkt_0000000000aaaaaaaaaaaaaaaa") -> str:
    """A keyset cursor in the shape the lists hand out (base64 of ``[datetime, id]``), holding
    whatever the caller likes."""
    return b64(json.dumps([at, ident]).encode())


#: Datetimes that parse but cannot be compared with stored ones (naive), or overflow when
#: converted to UTC, or lie at the very ends of Python's range.
DATETIMES = [
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
]

#: Integers outside every column type, negative, or written in digits ``int()`` accepts but
#: ASCII does not have (superscript two, Arabic-Indic three).
INTEGERS = [
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "253402300800000",
    "-1",
    "²",
    "٣",
]

#: Cursors a client forged: list cursors holding bad datetimes or ids, a feed cursor in the
#: unsigned format with a position beyond BIGINT, a signed one with a made-up tag, garbage.
CURSORS = [
    list_cursor("0001-01-01T00:00:00", "a"),
    list_cursor("0001-01-01T00:00:00+14:00"),
    list_cursor("9999-12-31T23:59:59-14:00"),
    list_cursor("2026-01-01T00:00:00+00:00", "tkt_\u0000"),
    list_cursor("2026-01-01T00:00:00+00:00", "x" * 500),
    b64(b"9223372036854775808:0"),
    b64(b"9223372036854775808:0") + "." + b64(b"forged tag"),
    "!!not base64!!",
]

#: Strings no column stores or that are simply too long.
STRINGS = ["a\x00b", "x" * 5_000]

#: Everything above: each query and path parameter of every GET route gets each of these.
ALL = [*DATETIMES, *INTEGERS, *CURSORS, *STRINGS]
