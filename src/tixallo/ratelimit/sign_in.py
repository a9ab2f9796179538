"""The agent app's sign-in budget: failed password checks per address and per account.

Both budgets are checked before a password is verified (argon2 is slow, and guessing must
stay slow too) and spent only by a failure. They go through the application's limiter, so
with Redis every server process sees the same failures.
"""

from __future__ import annotations

from typing import Any

from tixallo.ratelimit.budget import Budget
from tixallo.ratelimit.http import address_of, limiter_of

# Failed sign-ins to the agent app allowed per moving window of 15 minutes.
SIGN_IN_PER_ADDRESS = Budget(20, 15 * 60)
SIGN_IN_PER_ACCOUNT = Budget(8, 15 * 60)


def _account(email: str) -> str:
    return email.strip().lower()


async def sign_in_allowed(request: Any, account: str) -> bool:
    """Whether the agent app may check a password for ``account`` from this address now:
    both the address's and the account's failed sign-ins are under budget."""
    limiter = limiter_of(request)
    if limiter is None:
        return True
    address = address_of(request)
    by_address = await limiter.hit(
        SIGN_IN_PER_ADDRESS.item("sign-in-address"), address, spend=False
    )
    by_account = await limiter.hit(
        SIGN_IN_PER_ACCOUNT.item("sign-in-account"), _account(account), spend=False
    )
    return by_address.allowed and by_account.allowed


async def record_failed_sign_in(request: Any, account: str) -> None:
    """Spend one failure of the address's and of the account's budget."""
    limiter = limiter_of(request)
    if limiter is None:
        return
    await limiter.hit(SIGN_IN_PER_ADDRESS.item("sign-in-address"), address_of(request))
    await limiter.hit(SIGN_IN_PER_ACCOUNT.item("sign-in-account"), _account(account))
