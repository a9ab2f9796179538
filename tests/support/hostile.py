"""Hostile values: for query and path parameters, what an attacker (or a buggy client) sends
to find a 500, each a string as it would appear in a URL, before percent-encoding; and the
webhook URLs that reach private addresses, which registration and sending must refuse.

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

#: Webhook URLs that reach loopback, private, link-local or metadata addresses, in every
#: spelling that parses; ``{port}`` is a local receiver's, so a URL that slips through is seen.
PRIVATE_URLS = [
    "http://127.0.0.1:{port}/hook",
    "http://localhost:{port}/hook",  # a name resolving to 127.0.0.1
    "http://2130706433:{port}/",  # decimal 127.0.0.1
    "http://0x7f000001:{port}/",  # hex
    "http://0177.0.0.1:{port}/",  # octal
    "http://127.1:{port}/",
    "http://[::1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",  # IPv4-mapped IPv6
    "http://[::ffff:a9fe:a9fe]/",  # mapped 169.254.169.254
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fd00:ec2::254]/",  # AWS metadata over IPv6
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://0.0.0.0:{port}/",
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    # IPv6 forms that carry an IPv4 address, judged by it (issue 13, item 8)
    "http://[::127.0.0.1]:{port}/",  # IPv4-compatible
    "http://[::ffff:0:127.0.0.1]:{port}/",  # IPv4-translated
    "http://[64:ff9b:1::7f00:1]:{port}/",  # local-use NAT64 wrapping 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # well-known NAT64 wrapping the metadata address
    "http://[::a9fe:a9fe]/",  # IPv4-compatible 169.254.169.254
    "http://[::a00:1]/",  # IPv4-compatible 10.0.0.1
    "http://[2002:a9fe:a9fe::1]/",  # 6to4 wrapping 169.254.169.254
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
    "http://[fec0::1]/",  # deprecated site-local
]
