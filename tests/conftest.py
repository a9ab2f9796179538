"""Shared fixtures: a real, migrated database per test (SQLite always; PostgreSQL when
TIXALLO_TEST_POSTGRES_URL is set, and required when CI is set), the real ASGI app over httpx,
and factories for workspaces and keys.

Each DB test runs once per backend. SQLite tests get a copy of a database file migrated once
per session; PostgreSQL tests share a database migrated once per session and truncated after
each test (real commits, so concurrency tests see what production sees).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tixallo import migrate
from tixallo.app import create_app
from tixallo.auth.service import create_key, key_cache
from tixallo.config import Settings
from tixallo.context import Ctx
from tixallo.db import Database
from tixallo.models import Base
from tixallo.workspaces.service import NewWorkspace, create_workspace

POSTGRES_URL = os.environ.get("TIXALLO_TEST_POSTGRES_URL", "")

BACKENDS = [
    pytest.param("sqlite", marks=pytest.mark.sqlite),
    pytest.param("postgres", marks=pytest.mark.postgres),
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite: runs on the embedded SQLite database")
    config.addinivalue_line("markers", "postgres: runs on PostgreSQL (TIXALLO_TEST_POSTGRES_URL)")


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


async def _truncate_all(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    key_cache.clear()
    yield database
    if not database.is_sqlite:
        await _truncate_all(database)
    await database.dispose()
    key_cache.clear()


@pytest.fixture
async def client(db: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tixallo.test") as c:
        yield c


@dataclass
class Tenant:
    """A workspace with its owner and a key; ``headers`` authenticate as that key."""

    created: NewWorkspace
    key: str
    ctx: Ctx

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @property
    def id(self) -> str:
        return self.created.workspace.id


class TenantFactory:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.count = 0

    async def __call__(self, *, scopes: list[str] | None = None, name: str | None = None) -> Tenant:
        self.count += 1
        async with self.db.transaction() as session:
            created = await create_workspace(
                session,
                name=name or f"Workspace {self.count}",
                admin_email=f"owner{self.count}-{uuid.uuid4().hex[:6]}@example.com",
                admin_password="correct horse battery",
                admin_name=f"Owner {self.count}",
            )
            ctx = Ctx(workspace_id=created.workspace.id)
            key = await create_key(session, ctx, name="test", scopes=scopes or ["*"])
        return Tenant(created=created, key=key.secret, ctx=ctx)

    async def key(self, tenant: Tenant, scopes: list[str]) -> str:
        async with self.db.transaction() as session:
            return (await create_key(session, tenant.ctx, name="scoped", scopes=scopes)).secret


@pytest.fixture
def tenants(db: Database) -> TenantFactory:
    return TenantFactory(db)


@pytest.fixture
async def tenant(tenants: TenantFactory) -> Tenant:
    return await tenants()


def ticket_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": "Login page shows blank screen",
        "body": "When I try to log in using Safari the page stays white.",
        "customer": {"email": "sam@acme.com", "name": "Sam"},
        "priority": "high",
        "tags": ["bug", "safari"],
    }
    body.update(overrides)
    return body
