"""Refusing webhook URLs that point inside the network (server-side request forgery).

A URL is checked by what its host *resolves to*, at registration and again at every send
(DNS can change between the two). Every address the name resolves to must be public; the
request then connects to the address that was checked, never resolving the name again, so
a DNS answer that flips between a public and a private address cannot slip through.
Decimal, hex and octal spellings of an IP (``2130706433``, ``0x7f000001``) resolve like
any name and are refused for what they are. IPv6 forms that carry an IPv4 address
(IPv4-compatible, -mapped, -translated, NAT64, 6to4, Teredo) are judged by the IPv4 inside,
since that is where the packets end up. Redirects are never followed.

A refusal says the same thing whether the name does not resolve or resolves to a private
address, and never names the address: otherwise anyone who can register a webhook could
map the internal DNS (issue 13, item 9).
``TIXALLO_WEBHOOK_ALLOW_PRIVATE=true`` turns the check off (local development, tests).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from tixallo.errors import Invalid

MAX_URL_LENGTH = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not always covered by ``is_global`` on every Python version, so named explicitly.
_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215): a private network's translator
        "fc00::/7",  # unique local, e.g. AWS metadata fd00:ec2::254
        "fe80::/10",
        "fec0::/10",  # deprecated site-local, still routed inside some networks
        "ff00::/8",
    )
)


# The one answer for every refused host, resolvable or not (see the module docstring).
REFUSAL = "url must resolve to a public address"

# Prefixes whose last 32 bits are an IPv4 address: IPv4-compatible (::a.b.c.d),
# IPv4-translated (::ffff:0:a.b.c.d, RFC 2765) and NAT64's well-known prefix (RFC 6052).
# IPv4-mapped, 6to4 and Teredo have stdlib properties and are handled by those.
_IPV4_IN_LAST_32_BITS = tuple(
    ipaddress.ip_network(n) for n in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48")
)


class BlockedAddress(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach (or does not
    resolve at all). Its text is :data:`REFUSAL` whatever the reason."""

    def __init__(self) -> None:
        super().__init__(REFUSAL)


@dataclass(frozen=True, slots=True)
class Target:
    """Where to connect: the checked address, and the name to send as Host and SNI."""

    url: str
    host: str
    port: int
    address: str


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, if it is of a form that carries one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client, stored inverted; the stdlib inverts it back
    if any(address in network for network in _IPV4_IN_LAST_32_BITS):
        return ipaddress.IPv4Address(address.packed[-4:])
    return None


def is_blocked(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None and is_blocked(inner):
            return True
        if address.ipv4_mapped is not None:
            return False  # the packets go to the IPv4 address, judged above
    if any(address in network for network in _BLOCKED_NETWORKS):
        return True
    return not address.is_global


def check_url(url: str) -> SplitResult:
    """Syntax only: http(s), a host, no credentials. Raises Invalid naming ``url``."""
    if len(url) > MAX_URL_LENGTH:
        raise Invalid(f"url must be at most {MAX_URL_LENGTH} characters.", param="url")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise Invalid("url is not a valid URL.", param="url") from exc
    if parts.scheme not in ("http", "https"):
        raise Invalid("url must start with https:// (or http://).", param="url")
    if not parts.hostname:
        raise Invalid("url must name a host.", param="url")
    if parts.username is not None or parts.password is not None:
        raise Invalid("url must not contain credentials.", param="url")
    if port == 0:
        raise Invalid("url has an invalid port.", param="url")
    return parts


async def resolve(url: str) -> Target:
    """Resolve the URL's host and check every address. Raises BlockedAddress."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise BlockedAddress from exc
    addresses = []
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]
        addresses.append(ipaddress.ip_address(raw))
    if not addresses or any(is_blocked(address) for address in addresses):
        raise BlockedAddress
    return Target(url=url, host=host, port=port, address=str(addresses[0]))


async def check_registration(url: str, *, allow_private: bool) -> str:
    """Validate a URL given to create or update an endpoint; returns it stripped."""
    parts = check_url(url)
    clean = parts.geturl()
    if not allow_private:
        try:
            await resolve(clean)
        except BlockedAddress as exc:
            raise Invalid(f"{REFUSAL}.", param="url") from exc
    return clean
