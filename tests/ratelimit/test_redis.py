"""With Redis, every server process spends from one budget; without it (Redis down), the API
keeps serving on a per-process memory budget, says so once per interval and on /readyz."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.ratelimit import ClientFactory, bearer, make_key
from tests.support.server import running, serve
from tests.support.tenants import Tenant
from tixallo.db import Database

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


@pytest.mark.redis
async def test_two_apps_share_one_budget_through_redis(
    app_client: ClientFactory, db: Database, tenant: Tenant, redis_url: str
) -> None:
    key = await make_key(db, tenant, rate_limit="4/60")
    async with app_client(redis_url=redis_url) as first, app_client(redis_url=redis_url) as second:
        codes = []
        for n in range(5):
            client = first if n % 2 == 0 else second
            response = await client.get("/api/v1/tickets", headers=bearer(key))
            codes.append((response.status_code, response.headers["X-RateLimit-Remaining"]))
    assert codes == [(200, "3"), (200, "2"), (200, "1"), (200, "0"), (429, "0")]


@pytest.mark.redis
def test_two_server_processes_share_one_budget(
    database_url: str, tenant: Tenant, redis_url: str, tmp_path: Path
) -> None:
    env = {
        "TIXALLO_DATABASE_URL": database_url,
        "TIXALLO_REDIS_URL": redis_url,
        "TIXALLO_RATE_LIMIT": "10/60",
        "TIXALLO_LOG_FORMAT": "json",
    }
    with (
        running(serve(env, tmp_path / "a.log")) as a,
        running(serve(env, tmp_path / "b.log")) as b,
        httpx.Client(timeout=10) as http,
    ):
        codes = []
        for n in range(12):
            server = a if n % 2 == 0 else b
            response = http.get(f"{server.base_url}/api/v1/tickets", headers=tenant.headers)
            codes.append(response.status_code)
        ready = http.get(f"{a.base_url}/readyz").json()
    assert codes == [200] * 10 + [429, 429]
    assert ready["checks"]["redis"] == "ok"


async def test_redis_down_fails_open_on_a_memory_budget(
    app_client: ClientFactory,
    db: Database,
    tenant: Tenant,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = await make_key(db, tenant, rate_limit="3/60")
    caplog.set_level(logging.WARNING, logger="tixallo.ratelimit")
    async with app_client(redis_url=CLOSED_PORT_REDIS) as client:
        codes = [
            (await client.get("/api/v1/tickets", headers=bearer(key))).status_code for _ in range(4)
        ]
        ready = await client.get("/readyz")
        health = await client.get("/healthz")
        metrics = (await client.get("/metrics")).text
    # Served, and still limited: the per-process fallback keeps the key's budget.
    assert codes == [200, 200, 200, 429]
    warnings = [r for r in caplog.records if r.name == "tixallo.ratelimit"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "Redis is unreachable" in warnings[0].getMessage()
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["redis"].startswith("unavailable")
    assert health.status_code == 200
    assert "tixallo_rate_limit_redis_fallbacks_total" in metrics


async def test_redis_failure_is_remembered_for_the_retry_interval() -> None:
    from tixallo.ratelimit import Budget, RateLimiter

    limiter = RateLimiter(
        default=Budget(2, 60),
        failed_auth=Budget(20, 60),
        redis_url=CLOSED_PORT_REDIS,
        retry_seconds=30,
    )
    assert limiter.uses_redis and not limiter.redis_degraded
    who = uuid.uuid4().hex
    decisions = [await limiter.hit_key(who, None) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert limiter.redis_degraded
    assert (await limiter.check()).startswith("unavailable")
    await limiter.close()


@pytest.mark.redis
async def test_failed_sign_ins_are_counted_across_processes_through_redis(
    app_client: ClientFactory, tenant: Tenant, redis_url: str
) -> None:
    """The agent app's sign-in throttle (8 failures per account per 15 minutes) is one
    count for every server process, not one per process."""
    from tests.support.web import csrf_of

    email = tenant.created.user.email
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    async with (
        app_client(redis_url=redis_url, client_address=address) as first,
        app_client(redis_url=redis_url, client_address=address) as second,
    ):
        tokens = {}
        for client in (first, second):
            tokens[id(client)] = csrf_of((await client.get("/signin")).text)
        codes = []
        for n in range(9):
            client = first if n % 2 == 0 else second
            response = await client.post(
                "/signin", data={"csrf": tokens[id(client)], "email": email, "password": "guess"}
            )
            codes.append(response.status_code)
    assert codes == [400] * 8 + [429]
