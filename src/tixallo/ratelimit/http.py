"""The HTTP side of rate limiting: what the API's auth dependency spends per request, the
429 it raises, and the middleware that puts the headers on every response.

``api/deps.py`` calls :func:`check_address`, :func:`record_failed_auth` and :func:`spend`
once per authenticated request; :class:`RateLimitHeaders` wraps the application.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from tixallo.api.conditional import is_conditional
from tixallo.metrics import RATE_LIMIT_REFUSALS
from tixallo.ratelimit.budget import Decision
from tixallo.ratelimit.limiter import RateLimiter


class RateLimitHeaders:
    """Pure ASGI middleware: puts the request's rate-limit headers (set by the auth
    dependency in ``scope["state"]["rate_limit"]``) on its response, error or not, and
    marks API responses as not cacheable."""

    def __init__(self, app: Any, *, api_prefixes: tuple[str, ...] = ("/api/",)) -> None:
        self.app = app
        self.api_prefixes = api_prefixes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        is_api = scope["path"].startswith(self.api_prefixes)

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                decision: Decision | None = state.get("rate_limit")
                if decision is not None:
                    for name, value in decision.headers().items():
                        if name.lower().encode() not in present:
                            headers.append((name.lower().encode(), value.encode()))
                if is_api:
                    if b"cache-control" not in present:
                        headers.append((b"cache-control", b"no-store"))
                    headers.append(
                        (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
                    )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- the auth path (api/deps.py calls these once per authenticated request) ---------------


def limiter_of(request: Any) -> RateLimiter | None:
    """The application's limiter; None where an app runs without one."""
    limiter: RateLimiter | None = getattr(request.state, "rate_limiter", None)
    return limiter


def address_of(request: Any) -> str:
    """The client address a per-address budget counts against."""
    client = request.client
    return str(client.host) if client is not None else "unknown"


def check_address(request: Any) -> None:
    """Refuse (429) a client address that has spent its failed-authentication budget."""
    limiter = limiter_of(request)
    if limiter is None:
        return
    refusal = limiter.check_address(address_of(request))
    if refusal is not None:
        request.state.rate_limit = refusal
        RATE_LIMIT_REFUSALS.labels("failed_auth").inc()
        raise refusal.error(
            "Too many failed authentication attempts from this address. "
            f"Retry after {refusal.retry_after} seconds."
        )


async def record_failed_auth(request: Any) -> None:
    """Count a failed authentication; the one that exceeds the budget is refused (429)."""
    limiter = limiter_of(request)
    if limiter is None:
        return
    decision = await limiter.record_failed_auth(address_of(request))
    request.state.rate_limit = decision
    if not decision.allowed:
        RATE_LIMIT_REFUSALS.labels("failed_auth").inc()
        raise decision.error(
            "Too many failed authentication attempts from this address. "
            f"Retry after {decision.retry_after} seconds."
        )


async def spend(request: Any, key_id: str, per_key: str | None) -> None:
    """Spend one request of the key's budget, or refuse (429) before any work is done.

    A conditional GET (If-None-Match naming a tag) spends one of the key's revalidation
    allowance instead, before its handler runs; ConditionalGet charges the budget too unless
    the answer is a 304. Once the allowance is spent, conditional GETs are counted in the
    budget up front like any other request, 304 or not. So the handlers a key can run per
    window are at most its budget plus its allowance, however it sets its headers."""
    limiter = limiter_of(request)
    if limiter is None:
        return
    allowance = limiter.budget_of(per_key)
    if is_conditional(request.method, request.headers.get("if-none-match")):
        decision = await limiter.peek_key(key_id, per_key)
        if decision.allowed:
            revalidation = await limiter.hit_revalidation(key_id, per_key)
            if revalidation.allowed:
                # Charged by ConditionalGet once the answer is known not to be a 304.
                request.state.rate_limit_pending = _charge_later(
                    limiter, key_id, per_key, revalidation
                )
            else:
                decision = await limiter.hit_key(key_id, per_key)
            decision = replace(decision, revalidation=revalidation)
    else:
        decision = await limiter.hit_key(key_id, per_key)
    decision = replace(decision, allowance=allowance)
    request.state.rate_limit = decision
    if not decision.allowed:
        RATE_LIMIT_REFUSALS.labels("key").inc()
        raise decision.error(
            f"Rate limit exceeded: this API key may make {decision.limit} requests per "
            f"{allowance.seconds} seconds. "
            f"Retry after {decision.retry_after} seconds."
        )


def _charge_later(
    limiter: RateLimiter, key_id: str, per_key: str | None, revalidation: Decision
) -> Callable[[], Awaitable[Decision]]:
    async def charge() -> Decision:
        decision = await limiter.hit_key(key_id, per_key)
        return replace(decision, allowance=limiter.budget_of(per_key), revalidation=revalidation)

    return charge
