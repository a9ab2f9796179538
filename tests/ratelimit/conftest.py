"""Fixtures for the rate-limit tests: an app built with chosen budgets, keys with their own
budgets, and a client that can pose as another address."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tixallo.app import create_app
from tixallo.auth.service import create_key
from tixallo.config import Settings
from tixallo.db import Database

REDIS_URL = os.environ.get("TIXALLO_TEST_REDIS_URL", "")

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "redis: needs Redis (TIXALLO_TEST_REDIS_URL)")


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("TIXALLO_TEST_REDIS_URL is not set")
    return REDIS_URL


@pytest.fixture
def app_client(db: Database, database_url: str) -> ClientFactory:
    """``async with app_client(rate_limit="5/2", client_address="10.0.0.9") as c`` — a client
    on a fresh app (its own limiter) with those settings, over the test's database."""

    @asynccontextmanager
    async def open_client(
        *, client_address: str = "127.0.0.1", **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        settings = Settings(database_url=database_url, **overrides)
        app = create_app(settings, db=db)
        transport = httpx.ASGITransport(app=app, client=(client_address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://tixallo.test") as c:
            yield c

    return open_client


async def make_key(db: Database, tenant: Tenant, *, rate_limit: str | None = None) -> str:
    async with db.transaction() as session:
        created = await create_key(
            session, tenant.ctx, name="budgeted", scopes=["*"], rate_limit=rate_limit
        )
    return created.secret


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
