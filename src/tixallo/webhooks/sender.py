"""One HTTP attempt: sign, connect to the checked address, never follow a redirect.

Any 2xx is a success; any other status, a timeout (the whole exchange is bounded, so a
receiver that drips its answer cannot hold a worker), a refused address or a connection
error is a failure. The response body is read up to a small limit and discarded.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from tixallo.webhooks import ssrf

MAX_RESPONSE_BYTES = 64 * 1024
MAX_ERROR_LENGTH = 300


@dataclass(frozen=True, slots=True)
class Outcome:
    succeeded: bool
    status_code: int | None
    error: str | None
    duration_ms: int


def new_client(timeout: float) -> httpx.AsyncClient:
    """The worker's client: no redirects, no proxy from the environment, bounded waits."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
    )


async def _pinned_request(url: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL rewritten to the checked address, with the Host header and TLS server name
    of the original host (so virtual hosts and certificates still match)."""
    target = await ssrf.resolve(url)
    parts = urlsplit(url)
    address = f"[{target.address}]" if ":" in target.address else target.address
    pinned = urlunsplit(
        (parts.scheme, f"{address}:{target.port}", parts.path or "/", parts.query, "")
    )
    host_header = parts.netloc.rsplit("@", 1)[-1]
    extensions: dict[str, Any] = {}
    if parts.scheme == "https":
        extensions["sni_hostname"] = target.host
    return pinned, {"host": host_header}, extensions


async def send(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    body: bytes,
    *,
    allow_private: bool,
    timeout: float,  # noqa: ASYNC109  (bounds connect, send and answer together)
) -> Outcome:
    started = time.perf_counter()

    def outcome(status: int | None, error: str | None) -> Outcome:
        ok = status is not None and 200 <= status < 300
        return Outcome(
            succeeded=ok,
            status_code=status,
            error=error[:MAX_ERROR_LENGTH] if error else None,
            duration_ms=int((time.perf_counter() - started) * 1000),
        )

    try:
        async with asyncio.timeout(timeout):
            request_url = url
            extra: dict[str, str] = {}
            extensions: dict[str, Any] = {}
            if not allow_private:
                request_url, extra, extensions = await _pinned_request(url)
            request = client.build_request(
                "POST",
                request_url,
                content=body,
                headers={**headers, **extra},
                extensions=extensions,
            )
            response = await client.send(request, stream=True)
            try:
                received = 0
                async for chunk in response.aiter_raw():
                    received += len(chunk)
                    if received >= MAX_RESPONSE_BYTES:
                        break
            finally:
                await response.aclose()
    except TimeoutError:
        return outcome(None, f"timed out after {timeout:g} s")
    except ssrf.BlockedAddress as exc:
        return outcome(None, f"refused: {exc}")
    except httpx.TimeoutException:
        return outcome(None, f"timed out after {timeout:g} s")
    except httpx.HTTPError as exc:
        return outcome(None, f"connection error: {type(exc).__name__}: {exc}".rstrip(": "))
    except OSError as exc:
        return outcome(None, f"connection error: {exc}")
    if 300 <= response.status_code < 400:
        return outcome(response.status_code, "redirects are not followed")
    if not 200 <= response.status_code < 300:
        return outcome(response.status_code, f"HTTP {response.status_code}")
    return outcome(response.status_code, None)
