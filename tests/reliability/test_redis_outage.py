"""Redis stopped under load and started again.

The test runs its own ``redis-server`` on a free port (never the shared one other tests use)
and a real `tixallo serve` pointed at it. While Redis is down the API keeps serving on its
per-process fallback budget: no 5xx, a small key is still limited (429), failed sign-in
attempts from one address are still refused past their budget. When Redis is back, the
server spends from Redis again within seconds.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.support.reliability import Processes, Row, base_env, get_json, record_row, scale
from tests.support.server import free_port
from tests.support.tenants import Tenant, ticket_body
from tixallo.auth.service import create_key
from tixallo.db import Database
from tixallo.tickets.models import Ticket

REDIS_SERVER = shutil.which("redis-server")


class OwnRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER
        subprocess.run(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "yes"],
            check=True,
            capture_output=True,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while self.cli("ping") != "PONG":
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.cli("shutdown", "nosave")
        deadline = time.monotonic() + 20
        while self.cli("ping") == "PONG":
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not stop")
            time.sleep(0.05)

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout.strip()

    def keys(self) -> int:
        out = self.cli("dbsize")
        return int(out) if out.isdigit() else -1


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if REDIS_SERVER is None or shutil.which("redis-cli") is None:
        pytest.skip("redis-server is not installed")
    redis = OwnRedis()
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


class Load:
    """Threads creating tickets with a roomy key, recording every status and ticket id."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url, self.key = base_url, key
        self.statuses: Counter[int] = Counter()
        self.created: list[str] = []
        self.errors = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run) for _ in range(4)]

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            while not self.stop.is_set():
                try:
                    response = http.post(
                        "/api/v1/tickets",
                        json=ticket_body(),
                        headers={"Authorization": f"Bearer {self.key}"},
                    )
                except httpx.TransportError:
                    with self.lock:
                        self.errors += 1
                    continue
                with self.lock:
                    self.statuses[response.status_code] += 1
                    if response.status_code == 201:
                        self.created.append(response.json()["data"]["id"])
                time.sleep(0.01)

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def _codes(base_url: str, key: str, n: int, forwarded: str | None = None) -> list[int]:
    headers = {"Authorization": f"Bearer {key}"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    with httpx.Client(base_url=base_url, timeout=30) as http:
        return [http.get("/api/v1/tickets", headers=headers).status_code for _ in range(n)]


async def test_redis_stopped_and_started_keeps_serving_and_limiting(
    backend: str,
    db: Database,
    tenant: Tenant,
    processes: Processes,
    database_url: str,
    own_redis: OwnRedis,
) -> None:
    async with db.transaction() as session:
        roomy = (await create_key(session, tenant.ctx, name="load", scopes=["*"])).secret
        small = [
            (
                await create_key(
                    session, tenant.ctx, name=f"small{i}", scopes=["*"], rate_limit="5/60"
                )
            ).secret
            for i in range(2)
        ]
    env = base_env(
        database_url, TIXALLO_REDIS_URL=own_redis.url, TIXALLO_FAILED_AUTH_RATE_LIMIT="5/60"
    )
    server = processes.server(env)
    outage = scale(3, 60)
    with Load(server.base_url, roomy) as load:
        deadline = time.monotonic() + 30
        while sum(load.statuses.values()) < 5 or own_redis.keys() <= 0:
            assert time.monotonic() < deadline, ("not spending from Redis", load.statuses)
            await asyncio.sleep(0.1)
        ready: Any = await get_json(server.base_url, "/readyz")
        assert ready["checks"]["redis"] == "ok"

        await asyncio.to_thread(own_redis.stop)
        down_at = time.monotonic()
        # Still limited on the fallback: a 5/60 key gets its 6th request refused.
        limited = await asyncio.to_thread(_codes, server.base_url, small[0], 6)
        # Failed authentication from one address is still limited.
        bad = await asyncio.to_thread(
            _codes, server.base_url, "th_not_a_key_at_all", 7, "203.0.113.9"
        )
        await asyncio.sleep(max(0.0, outage - (time.monotonic() - down_at)))
        during = dict(load.statuses)

        await asyncio.to_thread(own_redis.start)
        up_at = time.monotonic()
        while own_redis.keys() <= 0:
            if time.monotonic() - up_at > 30:
                raise AssertionError("the server did not go back to Redis within 30 s")
            await asyncio.sleep(0.1)
        recovery = time.monotonic() - up_at
        # Back on Redis: a fresh small key's budget is spent in Redis again.
        after = await asyncio.to_thread(_codes, server.base_url, small[1], 6)
    ready_after: Any = await get_json(server.base_url, "/readyz")
    async with db.transaction(write=False) as session:
        stored = set(
            await session.scalars(select(Ticket.id).where(Ticket.workspace_id == tenant.id))
        )
    lost = len(set(load.created) - stored)
    server_errors = sum(n for code, n in load.statuses.items() if code >= 500)
    total = sum(load.statuses.values())
    record_row(
        Row(
            "Redis stopped and started",
            backend,
            total,
            1,
            len(load.created),
            lost,
            0,
            server_errors,
            f"down {outage}s, back on Redis {recovery:.1f}s after restart; "
            f"fallback limit {limited[-1]}, failed auth {bad[-1]}",
        )
    )
    assert server_errors == 0, load.statuses
    assert set(load.statuses) == {201}, load.statuses
    assert lost == 0
    assert load.errors == 0
    assert sum(during.values()) > 0
    assert limited == [200] * 5 + [429]
    assert bad[:5] == [401] * 5 and bad[5:] == [429, 429], bad
    assert after == [200] * 5 + [429]
    assert recovery < 15
    assert ready_after["checks"]["redis"] == "ok"
