"""A real server process for the fuzz test, on SQLite (always) and PostgreSQL (when
TIXALLO_TEST_POSTGRES_URL is set), with one key to fuzz with, one whose budget is spent, and
a fingerprint of everything stored so a test can prove a refused request changed nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.support.databases import BACKENDS, truncate_all
from tests.support.fuzz import FuzzTarget, seed_fuzz_target
from tests.support.server import running, serve
from tixallo import migrate
from tixallo.config import Settings
from tixallo.db import Database


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
            loop.run_until_complete(truncate_all(database))
        created, key, spent = loop.run_until_complete(seed_fuzz_target(database))
        env = {
            "TIXALLO_DATABASE_URL": url,
            "TIXALLO_LOG_FORMAT": "json",
            "TIXALLO_FAILED_AUTH_RATE_LIMIT": "100000/60",
            # No background writer (the webhook worker) may change rows between a refused
            # request's before and after fingerprints.
            "TIXALLO_RUN_WORKER_IN_PROCESS": "false",
        }
        with running(serve(env, workdir / "server.log")) as server:
            # Spend the spent key's only request.
            spent_headers = {"Authorization": f"Bearer {spent}"}
            assert httpx.get(f"{server.base_url}/api/v1/tickets", headers=spent_headers).is_success
            yield FuzzTarget(server, key, spent, database, loop, created)
            assert "Traceback" not in server.log(), server.log()[-4000:]
    finally:
        loop.run_until_complete(database.dispose())
        loop.close()
