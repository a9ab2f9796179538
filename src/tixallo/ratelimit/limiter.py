"""The limiter: moving-window budgets per key and per address, in memory or in Redis.

Built on the ``limits`` library's moving-window strategy: an in-process memory store on the
embedded default, the Redis store when ``TIXALLO_REDIS_URL`` is set so that every server
process spends from one shared budget.

Redis trouble never stops the API (fail open): a request that cannot reach Redis is counted
in a per-process memory store instead, Redis is not tried again for ``retry_seconds``, the
outage is logged at most once per ``log_seconds``, and ``/readyz`` reports it.

Failed authentication spends a budget of the client's address. Once that budget is spent,
the address is remembered in process (:meth:`RateLimiter.check_address`), so the happy path
pays no store round trip for it and a process learns a refusal on the first failure it sees.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from tixallo.config import Settings
from tixallo.metrics import RATE_LIMIT_FALLBACKS
from tixallo.ratelimit.budget import Budget, Decision, refusal

# The package's logger name, kept from when it was one module: log filters name it.
log = logging.getLogger("tixallo.ratelimit")

#: How long a failed Redis call keeps the limiter on its memory fallback before trying again.
REDIS_RETRY_SECONDS = 5.0
#: At most one "Redis unreachable" log line per this many seconds (per process).
REDIS_LOG_SECONDS = 60.0
#: Connect / read timeouts towards Redis: a hung Redis must not hang the API.
REDIS_TIMEOUT_SECONDS = 0.5


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
        return await self.hit(self.budget_of(per_key).item("key"), key_id)

    async def peek_key(self, key_id: str, per_key: str | None) -> Decision:
        """Whether the key could spend one request now, without spending it (a conditional
        GET is charged only once it is known not to answer 304)."""
        return await self.hit(self.budget_of(per_key).item("key"), key_id, spend=False)

    async def hit_revalidation(self, key_id: str, per_key: str | None) -> Decision:
        """Spend one of the key's revalidation allowance: as many conditional GETs per window
        as its budget has requests, counted apart from the budget."""
        return await self.hit(self.budget_of(per_key).item("revalidation"), key_id)

    def check_address(self, address: str) -> Decision | None:
        """A refusal if ``address`` has spent its failed-auth budget, else None. No I/O."""
        until = self._blocked.get(address)
        if until is None:
            return None
        now = time.time()
        if until <= now:
            del self._blocked[address]
            return None
        return refusal(self.failed_auth.count, until, now, window=self.failed_auth.seconds)

    async def record_failed_auth(self, address: str) -> Decision:
        """Spend one failure of the address's budget; a refusal blocks it until it frees."""
        decision = await self.hit(self.failed_auth.item("auth-failure"), address)
        if not decision.allowed:
            if len(self._blocked) > 100_000:
                self._blocked.clear()
            self._blocked[address] = float(decision.reset)
        return decision

    async def hit(self, item: RateLimitItem, identifier: str, *, spend: bool = True) -> Decision:
        """Spend one request of ``item`` for ``identifier`` (with ``spend=False`` only ask
        whether one could be spent): the budgets above, and those other modules own (the
        agent app's sign-in budgets), all go through here and share the Redis fallback."""
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
        return refusal(item.amount, stats.reset_time, now, window=item.get_expiry())
    return Decision(
        allowed=True,
        limit=item.amount,
        remaining=max(0, stats.remaining),
        reset=math.ceil(stats.reset_time),
        retry_after=0,
        window=item.get_expiry(),
    )
