"""Refusing webhook URLs that point inside the network (server-side request forgery).

A URL is checked by what its host *resolves to*, at registration and again at every send
(DNS can change between the two). Every address the name resolves to must be public; the
request then connects to the address that was checked, never resolving the name again, so
a DNS answer that flips between a public and a private address cannot slip through.
Decimal, hex and octal spellings of an IP (``2130706433``, ``0x7f000001``) resolve like
any name and are refused for what they are. Redirects are never followed.
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
        "64:ff9b::/96",  # NAT64 can reach private IPv4 behind it
        "fc00::/7",  # unique local, e.g. AWS metadata fd00:ec2::254
        "fe80::/10",
        "ff00::/8",
    )
)


class BlockedAddress(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where to connect: the checked address, and the name to send as Host and SNI."""

    url: str
    host: str
    port: int
    address: str


def is_blocked(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_blocked(mapped)
        if address.teredo is not None:
            return True
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
        raise BlockedAddress(f"the host {host!r} could not be resolved") from exc
    addresses = []
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]
        addresses.append(ipaddress.ip_address(raw))
    if not addresses:
        raise BlockedAddress(f"the host {host!r} has no address")
    for address in addresses:
        if is_blocked(address):
            raise BlockedAddress(
                f"the host {host!r} resolves to a private or reserved address ({address})"
            )
    return Target(url=url, host=host, port=port, address=str(addresses[0]))


async def check_registration(url: str, *, allow_private: bool) -> str:
    """Validate a URL given to create or update an endpoint; returns it stripped."""
    parts = check_url(url)
    clean = parts.geturl()
    if not allow_private:
        try:
            await resolve(clean)
        except BlockedAddress as exc:
            raise Invalid(f"url is not allowed: {exc}.", param="url") from exc
    return clean
