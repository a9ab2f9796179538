"""What the rate limiter costs each request, on its memory store and on Redis.

Two measurements, each for memory and Redis storage:

1. One decision (``RateLimiter.hit_key``: the moving-window hit plus the window statistics
   the headers need), called back to back from one task, and from 64 concurrent tasks.
2. A whole authenticated request in process (``GET /api/v1/tickets/{id}`` over the ASGI
   app on SQLite), with the limiter and with it switched off, alternating rounds so drift
   hits both alike. The difference is the limiter's share of a real request.

    .venv/bin/python bench/ratelimit_bench.py [--decisions 20000] [--requests 2000] [--rounds 3]

Redis is ``BENCH_REDIS_URL`` (default redis://127.0.0.1:6379/14); skipped when unreachable.
Prints a table and writes bench/results/ratelimit-<time>.json (and ratelimit-latest.json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tixallo import migrate  # noqa: E402
from tixallo.app import create_app  # noqa: E402
from tixallo.auth.service import create_key, key_cache  # noqa: E402
from tixallo.config import Settings  # noqa: E402
from tixallo.context import Ctx  # noqa: E402
from tixallo.db import Database  # noqa: E402
from tixallo.ratelimit import Budget, RateLimiter, http  # noqa: E402
from tixallo.tickets.service import TicketCreate, create_ticket  # noqa: E402
from tixallo.workspaces.service import create_workspace  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
RESULTS = ROOT / "bench" / "results"


def summary(samples_us: list[float]) -> dict[str, float]:
    ordered = sorted(samples_us)
    return {
        "mean_us": round(statistics.fmean(ordered), 1),
        "p50_us": round(ordered[len(ordered) // 2], 1),
        "p99_us": round(ordered[int(len(ordered) * 0.99) - 1], 1),
    }


async def redis_reachable() -> bool:
    limiter = RateLimiter(default=Budget(10, 60), failed_auth=Budget(10, 60), redis_url=REDIS_URL)
    try:
        return (await limiter.check()) == "ok"
    finally:
        await limiter.close()


async def bench_redis_ping(count: int) -> dict[str, float]:
    """One Redis round trip (PING) with the same client library, for scale: a decision is
    two Lua calls, so about two round trips plus the scripts' work."""
    import coredis

    client = coredis.Redis.from_url(REDIS_URL)
    for _ in range(100):
        await client.ping()
    samples: list[float] = []
    for _ in range(count):
        started = time.perf_counter_ns()
        await client.ping()
        samples.append((time.perf_counter_ns() - started) / 1000)
    return summary(samples)


async def bench_decisions(storage: str, count: int) -> dict[str, Any]:
    limiter = RateLimiter(
        default=Budget(100, 60),
        failed_auth=Budget(20, 60),
        redis_url=REDIS_URL if storage == "redis" else "",
    )
    # The default budget (100/60), as it is really spent: a key makes up to 99 requests in
    # its window, then the next key takes over, so every decision is the allowed path over a
    # window holding 0..98 earlier requests (a huge budget would measure a longer list).
    per_key = None
    keys = (f"bench-{uuid.uuid4().hex}" for _ in range(count))
    for _ in range(99):
        await limiter.hit_key("bench-warmup", per_key)
    samples: list[float] = []
    key = next(keys)
    for n in range(count):
        if n % 99 == 0:
            key = next(keys)
        started = time.perf_counter_ns()
        decision = await limiter.hit_key(key, per_key)
        samples.append((time.perf_counter_ns() - started) / 1000)
        assert decision.allowed
    assert not limiter.redis_degraded, "Redis failed during the run"

    # 64 tasks at once, each its own key (as 64 clients would be).
    per_task = max(1, count // 64)

    async def worker() -> None:
        who = ""
        for n in range(per_task):
            if n % 99 == 0:
                who = f"bench-{uuid.uuid4().hex}"
            assert (await limiter.hit_key(who, per_key)).allowed

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(64)))
    elapsed = time.perf_counter() - started
    await limiter.close()
    row: dict[str, Any] = {
        "storage": storage,
        "sequential": summary(samples),
        "concurrent_64_decisions_per_s": round(64 * per_task / elapsed),
    }
    if storage == "redis":
        row["redis_ping"] = await bench_redis_ping(count)
    return row


async def seed(url: str) -> tuple[str, str]:
    db = Database(Settings(database_url=url))
    try:
        async with db.transaction() as session:
            created = await create_workspace(
                session,
                name="Bench",
                admin_email="bench@example.com",
                admin_password="correct horse battery",
                admin_name="Bench",
            )
            ctx = Ctx(workspace_id=created.workspace.id)
            key = await create_key(
                session, ctx, name="bench", scopes=["*"], rate_limit="1000000000/60"
            )
            ticket = await create_ticket(
                session,
                ctx,
                TicketCreate(
                    subject="Bench ticket",
                    body="A body",
                    customer_email="sam@acme.com",
                    customer_name="Sam",
                ),
            )
        return key.secret, ticket.ticket.id
    finally:
        await db.dispose()


async def request_round(
    url: str, key: str, ticket_id: str, requests: int, storage: str | None
) -> list[float]:
    settings = Settings(database_url=url, redis_url=REDIS_URL if storage == "redis" else "")
    db = Database(settings)
    app = create_app(settings, db=db)
    original = http.limiter_of
    if storage is None:
        http.limiter_of = lambda _request: None  # type: ignore[assignment]
    headers = {"Authorization": f"Bearer {key}"}
    samples: list[float] = []
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for n in range(requests + 100):
                started = time.perf_counter_ns()
                response = await client.get(f"/api/v1/tickets/{ticket_id}", headers=headers)
                if n >= 100:  # the first 100 warm caches and connections
                    samples.append((time.perf_counter_ns() - started) / 1000)
                assert response.status_code == 200, response.text
                assert ("x-ratelimit-limit" in response.headers) == (storage is not None)
    finally:
        http.limiter_of = original
        await db.dispose()
    return samples


async def bench_requests(requests: int, rounds: int, storages: list[str]) -> list[dict[str, Any]]:
    workdir = Path(tempfile.mkdtemp(prefix="tixallo-rl-bench-"))
    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    key, ticket_id = await seed(url)
    configs: list[str | None] = [None, *storages]
    collected: dict[str | None, list[float]] = {c: [] for c in configs}
    for _ in range(rounds):
        for config in configs:
            key_cache.clear()
            collected[config] += await request_round(url, key, ticket_id, requests, config)
    baseline = statistics.median(collected[None])
    rows = []
    for config in configs:
        stats = summary(collected[config])
        median = statistics.median(collected[config])
        rows.append(
            {
                "limiter": config or "off",
                **stats,
                "median_us": round(median, 1),
                "overhead_median_us": round(median - baseline, 1),
            }
        )
    return rows


def print_tables(decisions: list[dict[str, Any]], requests: list[dict[str, Any]]) -> None:
    print("\nOne rate-limit decision (hit + window stats), allowed path")
    print(f"{'storage':<8} {'mean µs':>9} {'p50 µs':>9} {'p99 µs':>9} {'64 tasks/s':>12}")
    for row in decisions:
        seq = row["sequential"]
        print(
            f"{row['storage']:<8} {seq['mean_us']:>9} {seq['p50_us']:>9} {seq['p99_us']:>9}"
            f" {row['concurrent_64_decisions_per_s']:>12}"
        )
        if "redis_ping" in row:
            ping = row["redis_ping"]
            print(f"{'(PING)':<8} {ping['mean_us']:>9} {ping['p50_us']:>9} {ping['p99_us']:>9}")
    print("\nGET /api/v1/tickets/{id}, in process (httpx ASGI, SQLite), one client")
    print(f"{'limiter':<8} {'median µs':>10} {'p99 µs':>9} {'overhead µs':>12}")
    for row in requests:
        print(
            f"{row['limiter']:<8} {row['median_us']:>10} {row['p99_us']:>9}"
            f" {row['overhead_median_us']:>12}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    storages = ["memory"]
    if await redis_reachable():
        storages.append("redis")
    else:
        print(f"Redis at {REDIS_URL} is unreachable: measuring memory only", file=sys.stderr)
    decisions = [await bench_decisions(s, args.decisions) for s in storages]
    requests = await bench_requests(args.requests, args.rounds, storages)
    print_tables(decisions, requests)

    result = {
        "benchmark": "ratelimit",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/ratelimit_bench.py " + " ".join(sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
        },
        "redis_url": REDIS_URL if "redis" in storages else None,
        "decisions": decisions,
        "requests": requests,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for name in (f"ratelimit-{stamp}.json", "ratelimit-latest.json"):
        (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {RESULTS / f'ratelimit-{stamp}.json'}")


if __name__ == "__main__":
    asyncio.run(main())
