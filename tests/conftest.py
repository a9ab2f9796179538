"""Shared fixtures: a real, migrated database per test (SQLite always; PostgreSQL when
TIXALLO_TEST_POSTGRES_URL is set, and required when CI is set), the real ASGI app over httpx,
factories for workspaces and keys, a webhook receiver, and an app with chosen settings.
Fixtures only: what they hand out is built in tests/support.

Each DB test runs once per backend. SQLite tests get a copy of a database file migrated once
per session; PostgreSQL tests share a database migrated once per session and truncated after
each test (real commits, so concurrency tests see what production sees).
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.databases import BACKENDS, POSTGRES_URL, truncate_all
from tests.support.ratelimit import REDIS_URL, ClientFactory
from tests.support.receiver import Receiver
from tests.support.tenants import Tenant, TenantFactory
from tixallo import migrate
from tixallo.app import create_app
from tixallo.auth.service import key_cache
from tixallo.config import Settings
from tixallo.db import Database


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite: runs on the embedded SQLite database")
    config.addinivalue_line("markers", "postgres: runs on PostgreSQL (TIXALLO_TEST_POSTGRES_URL)")
    config.addinivalue_line("markers", "redis: needs Redis (TIXALLO_TEST_REDIS_URL)")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def _server_url(url: str, database: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{database}"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    if not POSTGRES_URL:
        # `make test` needs no extra service; .ci/run sets the URL so these run there.
        pytest.skip("TIXALLO_TEST_POSTGRES_URL is not set")
    name = f"tixallo_test_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = _server_url(POSTGRES_URL, name)
    migrate.upgrade(url)
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "tixallo.db"
        shutil.copy(template, target)
        return f"sqlite+aiosqlite:///{target}"
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, webhook_allow_private=True)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    key_cache.clear()
    yield database
    if not database.is_sqlite:
        await truncate_all(database)
    await database.dispose()
    key_cache.clear()


@pytest.fixture
async def client(db: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tixallo.test") as c:
        yield c


@pytest.fixture
def tenants(db: Database) -> TenantFactory:
    return TenantFactory(db)


@pytest.fixture
async def tenant(tenants: TenantFactory) -> Tenant:
    return await tenants()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def make_receiver() -> Iterator[Callable[[], Receiver]]:
    """``make_receiver()`` as often as a test needs receivers; all closed after it."""
    made: list[Receiver] = []

    def make() -> Receiver:
        made.append(Receiver())
        return made[-1]

    yield make
    for r in made:
        r.close()


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
