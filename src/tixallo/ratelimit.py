"""Per-key request budgets (and a per-address budget for failed authentication).

Built on the ``limits`` library's moving-window strategy: an in-process memory store on the
embedded default, the Redis store when ``TIXALLO_REDIS_URL`` is set so that every server
process spends from one shared budget.

Redis trouble never stops the API (fail open): a request that cannot reach Redis is counted
in a per-process memory store instead, Redis is not tried again for ``retry_seconds``, the
outage is logged at most once per ``log_seconds``, and ``/readyz`` reports it.

Failed authentication spends a budget of the client's address. Once that budget is spent,
every request from the address that needs authentication is refused (429) before any key
lookup, so keys cannot be guessed at speed. The happy path pays nothing for this: the
refusal is remembered in process, and a process learns it on the first failure it sees.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from tixallo.api.conditional import is_conditional
from tixallo.bounds import is_ascii_digits
from tixallo.config import Settings
from tixallo.errors import Invalid, RateLimited
from tixallo.metrics import RATE_LIMIT_FALLBACKS, RATE_LIMIT_REFUSALS

log = logging.getLogger("tixallo.ratelimit")

#: How long a failed Redis call keeps the limiter on its memory fallback before trying again.
REDIS_RETRY_SECONDS = 5.0
#: At most one "Redis unreachable" log line per this many seconds (per process).
REDIS_LOG_SECONDS = 60.0
#: Connect / read timeouts towards Redis: a hung Redis must not hang the API.
REDIS_TIMEOUT_SECONDS = 0.5


#: The largest count and window a budget may have (a window of a year).
MAX_COUNT = 1_000_000_000
MAX_SECONDS = 366 * 86_400


@dataclass(frozen=True, slots=True)
class Budget:
    """``count`` requests per ``seconds``-second moving window, written ``COUNT/SECONDS``."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str, *, param: str = "rate_limit") -> Budget:
        """``COUNT/SECONDS`` in ASCII digits, each within :data:`MAX_COUNT` and
        :data:`MAX_SECONDS` (a window beyond what the stores can expire is no budget)."""
        malformed = Invalid(f"{param} is written COUNT/SECONDS, e.g. 100/60.", param=param)
        count_text, slash, seconds_text = text.strip().partition("/")
        if not slash or not is_ascii_digits(count_text) or not is_ascii_digits(seconds_text):
            raise malformed
        count_text, seconds_text = count_text.lstrip("0") or "0", seconds_text.lstrip("0") or "0"
        if count_text == "0" or seconds_text == "0":
            raise Invalid(f"{param} needs a positive count and window.", param=param)
        if len(count_text) > 10 or int(count_text) > MAX_COUNT:
            raise Invalid(f"{param} allows at most {MAX_COUNT} requests.", param=param)
        if len(seconds_text) > 10 or int(seconds_text) > MAX_SECONDS:
            raise Invalid(f"{param} has a window of at most {MAX_SECONDS} seconds.", param=param)
        return cls(int(count_text), int(seconds_text))

    @classmethod
    def stored(cls, text: str) -> Budget:
        """A key's budget as stored. A budget saved before the bounds above existed (say
        ``5000000000/60``) still holds: clamped into range, never a 400 on every request of a
        key that was accepted when it was made."""
        try:
            return cls.parse(text)
        except Invalid:
            count, seconds = (int(part) for part in text.strip().split("/"))
            return cls(min(max(count, 1), MAX_COUNT), min(max(seconds, 1), MAX_SECONDS))

    def item(self, namespace: str) -> RateLimitItem:
        return RateLimitItemPerSecond(self.count, self.seconds, namespace=namespace)

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds}"


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of spending one request from a budget, and the headers that say so."""

    allowed: bool
    limit: int
    remaining: int
    #: Unix time (seconds, rounded up) when a request will next be allowed (refused), or when
    #: the oldest request counted in the window leaves it and the budget grows (allowed).
    reset: int
    #: Seconds to wait before retrying; 0 when allowed.
    retry_after: int
    #: The window of the budget in seconds (for the IETF RateLimit-Policy header).
    window: int = 60
    #: A key's revalidation allowance (conditional GETs answered 304), named in
    #: RateLimit-Policy beside the budget; None for budgets that have none (failed auth).
    allowance: Budget | None = None
    #: What this request left of the allowance, when it spent from it.
    revalidation: Decision | None = None

    def headers(self) -> dict[str, str]:
        # The IETF fields (draft-ietf-httpapi-ratelimit-headers) say the same as X-RateLimit-*:
        # the quota per window, what is left, and seconds until the budget grows again.
        now = int(time.time())
        policy = f'"default";q={self.limit};w={self.window}'
        left = f'"default";r={self.remaining};t={max(0, self.reset - now)}'
        if self.allowance is not None:
            policy += f', "revalidation";q={self.allowance.count};w={self.allowance.seconds}'
        if self.revalidation is not None:
            spent = self.revalidation
            left += f', "revalidation";r={spent.remaining};t={max(0, spent.reset - now)}'
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": policy,
            "RateLimit": left,
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers

    def error(self, message: str) -> RateLimited:
        return RateLimited(message, retry_after=self.retry_after)


class RateLimiter:
    """One per application (per server process). ``close()`` releases the Redis client."""

    def __init__(
        self,
        *,
        default: Budget,
        failed_auth: Budget,
        redis_url: str = "",
        retry_seconds: float = REDIS_RETRY_SECONDS,
        log_seconds: float = REDIS_LOG_SECONDS,
    ) -> None:
        self.default = default
        self.failed_auth = failed_auth
        self.redis_url = redis_url
        self.retry_seconds = retry_seconds
        self.log_seconds = log_seconds
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._redis: MovingWindowRateLimiter | None = None
        if redis_url:
            self._redis = MovingWindowRateLimiter(_redis_storage(redis_url))
        self._redis_down_until = 0.0
        self._redis_logged_at = -math.inf
        self._redis_error: str | None = None
        # address -> Unix time until which its failed-auth budget is known to be spent.
        self._blocked: dict[str, float] = {}
        self._budgets: dict[str, Budget] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        return cls(
            default=Budget.parse(settings.rate_limit, param="TIXALLO_RATE_LIMIT"),
            failed_auth=Budget.parse(
                settings.failed_auth_rate_limit, param="TIXALLO_FAILED_AUTH_RATE_LIMIT"
            ),
            redis_url=settings.redis_url,
        )

    @property
    def uses_redis(self) -> bool:
        return self._redis is not None

    @property
    def redis_degraded(self) -> bool:
        """True while Redis is configured but the last call to it failed recently."""
        return self._redis is not None and time.monotonic() < self._redis_down_until

    def budget_of(self, per_key: str | None) -> Budget:
        """The key's own budget (``ApiKey.rate_limit``), or the global default."""
        if per_key is None:
            return self.default
        budget = self._budgets.get(per_key)
        if budget is None:
            budget = self._budgets[per_key] = Budget.stored(per_key)
        return budget

    async def hit_key(self, key_id: str, per_key: str | None) -> Decision:
        """Spend one request of the key's budget (refused requests spend nothing)."""
        return await self._hit(self.budget_of(per_key).item("key"), key_id)

    async def peek_key(self, key_id: str, per_key: str | None) -> Decision:
        """Whether the key could spend one request now, without spending it (a conditional
        GET is charged only once it is known not to answer 304)."""
        return await self._hit(self.budget_of(per_key).item("key"), key_id, spend=False)

    async def hit_revalidation(self, key_id: str, per_key: str | None) -> Decision:
        """Spend one of the key's revalidation allowance: as many conditional GETs per window
        as its budget has requests, counted apart from the budget."""
        return await self._hit(self.budget_of(per_key).item("revalidation"), key_id)

    async def sign_in_allowed(self, address: str, account: str) -> bool:
        """Whether the agent app may check a password now: both the address's and the
        account's failed sign-ins are under budget. Counted in Redis when configured, so
        every server process sees the same failures."""
        by_address = await self._hit(
            SIGN_IN_PER_ADDRESS.item("sign-in-address"), address, spend=False
        )
        by_account = await self._hit(
            SIGN_IN_PER_ACCOUNT.item("sign-in-account"), _account(account), spend=False
        )
        return by_address.allowed and by_account.allowed

    async def sign_in_failed(self, address: str, account: str) -> None:
        await self._hit(SIGN_IN_PER_ADDRESS.item("sign-in-address"), address)
        await self._hit(SIGN_IN_PER_ACCOUNT.item("sign-in-account"), _account(account))

    def check_address(self, address: str) -> Decision | None:
        """A refusal if ``address`` has spent its failed-auth budget, else None. No I/O."""
        until = self._blocked.get(address)
        if until is None:
            return None
        now = time.time()
        if until <= now:
            del self._blocked[address]
            return None
        return _refusal(self.failed_auth.count, until, now, window=self.failed_auth.seconds)

    async def record_failed_auth(self, address: str) -> Decision:
        """Spend one failure of the address's budget; a refusal blocks it until it frees."""
        decision = await self._hit(self.failed_auth.item("auth-failure"), address)
        if not decision.allowed:
            if len(self._blocked) > 100_000:
                self._blocked.clear()
            self._blocked[address] = float(decision.reset)
        return decision

    async def _hit(self, item: RateLimitItem, identifier: str, *, spend: bool = True) -> Decision:
        limiter = self._memory
        if self._redis is not None and not self.redis_degraded:
            try:
                return await _spend(self._redis, item, identifier, spend=spend)
            except Exception as exc:  # any Redis failure means: fail open, on memory
                self._on_redis_failure(exc)
        if self._redis is not None:
            RATE_LIMIT_FALLBACKS.inc()
        return await _spend(limiter, item, identifier, spend=spend)

    def _on_redis_failure(self, exc: BaseException) -> None:
        now = time.monotonic()
        self._redis_down_until = now + self.retry_seconds
        self._redis_error = type(getattr(exc, "storage_error", exc)).__name__
        if now - self._redis_logged_at >= self.log_seconds:
            self._redis_logged_at = now
            log.warning(
                "Redis is unreachable (%s): rate limits fall back to per-process memory "
                "until it answers again",
                self._redis_error,
            )

    async def check(self) -> str:
        """For /readyz: "ok", or why Redis is not usable (never raises)."""
        if self._redis is None:
            return "not configured"
        try:
            if await self._redis.storage.check():
                self._redis_down_until = 0.0
                return "ok"
            reason = "no answer"
        except Exception as exc:  # reported, not raised: readiness must always answer
            reason = type(exc).__name__
        self._on_redis_failure(ConnectionError(reason))
        return f"unavailable ({reason}); rate limits are per process until it answers"

    async def reset(self) -> None:
        """Forget every window (tests and benchmarks)."""
        self._blocked.clear()
        await self._memory.storage.reset()
        if self._redis is not None:
            await self._redis.storage.reset()

    async def close(self) -> None:
        if self._redis is not None:
            storage: Any = self._redis.storage
            bridge = getattr(storage, "bridge", None)
            client = getattr(bridge, "storage", None)
            closer = getattr(client, "aclose", None) or getattr(client, "close", None)
            if closer is not None:
                try:
                    result = closer()
                    if hasattr(result, "__await__"):
                        await result
                except Exception:  # closing a dead connection is not worth a failure
                    log.debug("closing the Redis client failed", exc_info=True)


# Failed sign-ins to the agent app allowed per moving window of 15 minutes.
SIGN_IN_PER_ADDRESS = Budget(20, 15 * 60)
SIGN_IN_PER_ACCOUNT = Budget(8, 15 * 60)


def _account(email: str) -> str:
    return email.strip().lower()


def _redis_storage(url: str) -> Storage:
    uri = url if url.startswith("async+") else f"async+{url}"
    return RedisStorage(
        uri,
        wrap_exceptions=True,
        connect_timeout=REDIS_TIMEOUT_SECONDS,
        stream_timeout=REDIS_TIMEOUT_SECONDS,
    )


async def _spend(
    limiter: MovingWindowRateLimiter, item: RateLimitItem, who: str, *, spend: bool = True
) -> Decision:
    allowed = await (limiter.hit(item, who) if spend else limiter.test(item, who))
    stats = await limiter.get_window_stats(item, who)
    now = time.time()
    if not allowed:
        return _refusal(item.amount, stats.reset_time, now, window=item.get_expiry())
    return Decision(
        allowed=True,
        limit=item.amount,
        remaining=max(0, stats.remaining),
        reset=math.ceil(stats.reset_time),
        retry_after=0,
        window=item.get_expiry(),
    )


def _refusal(limit: int, next_allowed: float, now: float, *, window: int) -> Decision:
    return Decision(
        allowed=False,
        limit=limit,
        remaining=0,
        reset=math.ceil(next_allowed),
        retry_after=max(1, math.ceil(next_allowed - now)),
        window=window,
    )


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


def _limiter_of(request: Any) -> RateLimiter | None:
    limiter: RateLimiter | None = getattr(request.state, "rate_limiter", None)
    return limiter


def _address_of(request: Any) -> str:
    client = request.client
    return str(client.host) if client is not None else "unknown"


def check_address(request: Any) -> None:
    """Refuse (429) a client address that has spent its failed-authentication budget."""
    limiter = _limiter_of(request)
    if limiter is None:
        return
    refusal = limiter.check_address(_address_of(request))
    if refusal is not None:
        request.state.rate_limit = refusal
        RATE_LIMIT_REFUSALS.labels("failed_auth").inc()
        raise refusal.error(
            "Too many failed authentication attempts from this address. "
            f"Retry after {refusal.retry_after} seconds."
        )


async def record_failed_auth(request: Any) -> None:
    """Count a failed authentication; the one that exceeds the budget is refused (429)."""
    limiter = _limiter_of(request)
    if limiter is None:
        return
    decision = await limiter.record_failed_auth(_address_of(request))
    request.state.rate_limit = decision
    if not decision.allowed:
        RATE_LIMIT_REFUSALS.labels("failed_auth").inc()
        raise decision.error(
            "Too many failed authentication attempts from this address. "
            f"Retry after {decision.retry_after} seconds."
        )


async def sign_in_allowed(request: Any, account: str) -> bool:
    """Whether the agent app may check a password for ``account`` from this address."""
    limiter = _limiter_of(request)
    return limiter is None or await limiter.sign_in_allowed(_address_of(request), account)


async def record_failed_sign_in(request: Any, account: str) -> None:
    limiter = _limiter_of(request)
    if limiter is not None:
        await limiter.sign_in_failed(_address_of(request), account)


async def spend(request: Any, key_id: str, per_key: str | None) -> None:
    """Spend one request of the key's budget, or refuse (429) before any work is done.

    A conditional GET (If-None-Match naming a tag) spends one of the key's revalidation
    allowance instead, before its handler runs; ConditionalGet charges the budget too unless
    the answer is a 304. Once the allowance is spent, conditional GETs are counted in the
    budget up front like any other request, 304 or not. So the handlers a key can run per
    window are at most its budget plus its allowance, however it sets its headers."""
    limiter = _limiter_of(request)
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
