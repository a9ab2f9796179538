"""A real server process for the fuzz test, on SQLite (always) and PostgreSQL (when
TIXALLO_TEST_POSTGRES_URL is set), with one key to fuzz with, one whose budget is spent, and
a fingerprint of everything stored so a test can prove a refused request changed nothing."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import schemathesis
from schemathesis.specs.openapi.schemas import OpenApiSchema
from sqlalchemy import select, text

from tests.conftest import BACKENDS
from tests.ops.server import Server, run_server
from tixallo import migrate
from tixallo.auth.service import create_key
from tixallo.config import Settings
from tixallo.context import Ctx
from tixallo.db import Database
from tixallo.models import Base
from tixallo.workspaces.service import NewWorkspace, create_workspace

# Counted by the fingerprint except api_keys, whose last_used_at any authenticated request may
# touch (once a minute) by design.
UNWATCHED_TABLES = {"api_keys", "alembic_version"}


@dataclass
class FuzzTarget:
    server: Server
    key: str
    spent_key: str
    database: Database
    loop: asyncio.AbstractEventLoop
    workspace: NewWorkspace

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def fingerprint(self) -> str:
        """A digest of every stored row (ordered), so any change made shows."""
        return self.loop.run_until_complete(self._fingerprint())

    async def _fingerprint(self) -> str:
        digest = hashlib.sha256()
        async with self.database.transaction(write=False) as session:
            for table in Base.metadata.sorted_tables:
                if table.name in UNWATCHED_TABLES:
                    continue
                rows = (await session.execute(select(table))).all()
                for row in sorted(repr(tuple(r)) for r in rows):
                    digest.update(row.encode())
                digest.update(f"|{table.name}|".encode())
        return digest.hexdigest()


async def _seed(database: Database) -> tuple[NewWorkspace, str, str]:
    async with database.transaction() as session:
        created = await create_workspace(
            session,
            name="Fuzz",
            admin_email="fuzz-owner@example.com",
            admin_password="correct horse battery",
            admin_name="Fuzz Owner",
        )
        ctx = Ctx(workspace_id=created.workspace.id)
        key = await create_key(session, ctx, name="fuzz", scopes=["*"], rate_limit="100000/60")
        spent = await create_key(session, ctx, name="spent", scopes=["*"], rate_limit="1/3600")
    return created, key.secret, spent.secret


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzTarget]:
    workdir = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'fuzz.db'}"
        migrate.upgrade(url)
    else:
        url = str(request.getfixturevalue("postgres_database"))
    loop = asyncio.new_event_loop()
    database = Database(Settings(database_url=url))
    try:
        if request.param == "postgres":
            loop.run_until_complete(_truncate(database))
        created, key, spent = loop.run_until_complete(_seed(database))
        env = {
            "TIXALLO_DATABASE_URL": url,
            "TIXALLO_LOG_FORMAT": "json",
            "TIXALLO_FAILED_AUTH_RATE_LIMIT": "100000/60",
            # No background writer (the webhook worker) may change rows between a refused
            # request's before and after fingerprints.
            "TIXALLO_RUN_WORKER_IN_PROCESS": "false",
        }
        with run_server(env, workdir / "server.log") as server:
            # Spend the spent key's only request.
            spent_headers = {"Authorization": f"Bearer {spent}"}
            assert httpx.get(f"{server.base_url}/api/v1/tickets", headers=spent_headers).is_success
            yield FuzzTarget(server, key, spent, database, loop, created)
            assert "Traceback" not in server.log(), server.log()[-4000:]
    finally:
        loop.run_until_complete(database.dispose())
        loop.close()


async def _truncate(database: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with database.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} CASCADE"))


def load_schema(target: FuzzTarget, path: str) -> OpenApiSchema:
    response = httpx.get(target.server.base_url + path)
    if response.status_code == 404:
        pytest.skip(f"{path} is not served (yet)")
    assert response.status_code == 200, response.text
    schema = schemathesis.openapi.from_dict(response.json())
    prefix = path.rsplit("/", 1)[0]
    schema.config.update(base_url=target.server.base_url + prefix)
    return schema
