"""Rate limits: per-key request budgets, a per-address budget for failed authentication,
and the agent app's sign-in budget.

- :mod:`~tixallo.ratelimit.budget`: ``Budget`` (``COUNT/SECONDS``) and ``Decision``, pure values;
- :mod:`~tixallo.ratelimit.limiter`: ``RateLimiter``, the moving windows in memory or Redis
  (failing open onto memory when Redis is down);
- :mod:`~tixallo.ratelimit.http`: what a request spends, its 429, and the headers middleware;
- :mod:`~tixallo.ratelimit.sign_in`: failed sign-ins per address and per account.

Callers import from here; the modules are the package's own layout.
"""

from tixallo.ratelimit.budget import Budget, Decision
from tixallo.ratelimit.http import RateLimitHeaders, check_address, record_failed_auth, spend
from tixallo.ratelimit.limiter import RateLimiter
from tixallo.ratelimit.sign_in import record_failed_sign_in, sign_in_allowed

__all__ = [
    "Budget",
    "Decision",
    "RateLimitHeaders",
    "RateLimiter",
    "check_address",
    "record_failed_auth",
    "record_failed_sign_in",
    "sign_in_allowed",
    "spend",
]
