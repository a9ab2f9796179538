"""Rate-limit tests' helpers: keys with their own budgets, and the type of the
``app_client`` fixture (a client on a fresh app with chosen settings)."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx

from tests.support.tenants import Tenant
from tixallo.auth.service import create_key
from tixallo.db import Database

#: The shared Redis for tests (``redis://127.0.0.1:6379/N``, a database number per run).
REDIS_URL = os.environ.get("TIXALLO_TEST_REDIS_URL", "")

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


async def make_key(db: Database, tenant: Tenant, *, rate_limit: str | None = None) -> str:
    async with db.transaction() as session:
        created = await create_key(
            session, tenant.ctx, name="budgeted", scopes=["*"], rate_limit=rate_limit
        )
    return created.secret


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
