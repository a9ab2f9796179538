"""A request budget (``COUNT/SECONDS``) and the decision of spending from one.

Pure values: no store, no I/O. The limiter (:mod:`tixallo.ratelimit.limiter`) makes
decisions; the HTTP side (:mod:`tixallo.ratelimit.http`) turns them into headers and 429s.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond

from tixallo.bounds import is_ascii_digits
from tixallo.errors import Invalid, RateLimited

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


def refusal(limit: int, next_allowed: float, now: float, *, window: int) -> Decision:
    """A refused decision: nothing left until ``next_allowed`` (Unix time)."""
    return Decision(
        allowed=False,
        limit=limit,
        remaining=0,
        reset=math.ceil(next_allowed),
        retry_after=max(1, math.ceil(next_allowed - now)),
        window=window,
    )
