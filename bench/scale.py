"""Scale: does list latency stay flat as one workspace grows from 10k to 1M tickets?

On PostgreSQL (+ Redis, like production), one workspace is bulk-seeded (COPY) to each size in
turn, next to 1,000 small workspaces; at each size, one client measures every keyset list
query one request at a time through the HTTP API and reports p50/p99. The goal: p99 at the
largest size within 2x of p99 at the smallest, for every query.

    .venv/bin/python bench/scale.py [--sizes 10000,100000,1000000] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import seed
from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql

from tixallo.config import Settings
from tixallo.context import Ctx
from tixallo.db import Database
from tixallo.pagination import Cursor
from tixallo.tickets import repository
from tixallo.tickets.models import Ticket
from tixallo.tickets.search import parse_search

DB_NAME = "tixallo_bench_scale"
WARMUP = 10


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


async def _deep_cursor(db: Database, workspace_id: str, position: int) -> str:
    """The cursor a client holds after paging newest-first down to ``position``: the same
    opaque (created_at, id) the API's next_cursor carries."""
    async with db.transaction(write=False) as session:
        stmt = (
            select(Ticket.created_at, Ticket.id)
            .where(Ticket.workspace_id == workspace_id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .offset(position)
            .limit(1)
        )
        at, ident = (await session.execute(stmt)).one()
    return Cursor(at, ident).encode()


def _queries(bench: seed.BenchWorkspace, deep_cursor: str) -> list[tuple[str, str, bool]]:
    """(name, path, follow next_cursor from one request to the next)."""
    since = quote((datetime.now(UTC) - timedelta(days=7)).isoformat())
    return [
        ("first page", "/api/v1/tickets", False),
        ("deep page by cursor (middle, walking on)", f"/api/v1/tickets?cursor={deep_cursor}", True),
        ("status=waiting", "/api/v1/tickets?status=waiting", False),
        ("tag=billing (~10%)", "/api/v1/tickets?tag=billing", False),
        ("tag=legal (~0.5%)", "/api/v1/tickets?tag=legal", False),
        ("assignee_id", f"/api/v1/tickets?assignee_id={bench.agent_ids[3]}", False),
        ("status=open + tag=billing", "/api/v1/tickets?status=open&tag=billing", False),
        (
            "updated_since sync (sort=updated_at)",
            f"/api/v1/tickets?sort=updated_at&updated_since={since}",
            True,
        ),
        ("search q=<one ticket's number>", "/api/v1/tickets?q=17", False),
        ("search q=printers (~1%)", "/api/v1/tickets?q=printers", False),
        ("search q=refunds (~10%)", "/api/v1/tickets?q=refunds", False),
    ]


def _db_statements(bench: seed.BenchWorkspace, deep: Cursor) -> dict[str, Select[Any]]:
    """The statements the API runs for the same queries (tickets.repository), for timing
    inside PostgreSQL without HTTP, JSON or the client in the way."""
    ctx = Ctx(workspace_id=bench.workspace_id)
    f = repository.TicketFilters
    since = datetime.now(UTC) - timedelta(days=7)
    cases: dict[str, tuple[repository.TicketFilters, Cursor | None, str]] = {
        "first page": (f(), None, "created_at"),
        "deep page by cursor (middle, walking on)": (f(), deep, "created_at"),
        "status=waiting": (f(status="waiting"), None, "created_at"),
        "tag=billing (~10%)": (f(tag="billing"), None, "created_at"),
        "tag=legal (~0.5%)": (f(tag="legal"), None, "created_at"),
        "assignee_id": (f(assignee_id=bench.agent_ids[3]), None, "created_at"),
        "status=open + tag=billing": (f(status="open", tag="billing"), None, "created_at"),
        "updated_since sync (sort=updated_at)": (f(updated_since=since), None, "updated_at"),
        "search q=<one ticket's number>": (f(search=parse_search("17")), None, "created_at"),
        "search q=printers (~1%)": (f(search=parse_search("printers")), None, "created_at"),
        "search q=refunds (~10%)": (f(search=parse_search("refunds")), None, "created_at"),
    }
    return {
        name: repository.list_tickets_statement(ctx, flt, limit=50, cursor=cur, sort=sort)
        for name, (flt, cur, sort) in cases.items()
    }


async def measure_in_db(
    db: Database, statements: dict[str, Select[Any]], n: int
) -> dict[str, dict[str, float]]:
    """EXPLAIN (ANALYZE) each statement n times: planning + execution time, p50 and p99."""
    out = {}
    async with db.engine.connect() as conn:
        for name, stmt in statements.items():
            sql = str(
                stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
            )
            times = []
            for _ in range(n + 3):
                raw = (
                    await conn.exec_driver_sql(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {sql}")
                ).scalar_one()
                doc = json.loads(raw) if isinstance(raw, str) else raw
                times.append(doc[0]["Planning Time"] + doc[0]["Execution Time"])
            times = times[3:]
            out[name] = {
                "p50_ms": round(statistics.median(times), 3),
                "p99_ms": round(_percentile(times, 99), 3),
            }
        await conn.rollback()
    return out


def measure(server: common.Server, key: str, path: str, follow: bool, n: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    times: list[float] = []
    errors = 0
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        current = path
        for i in range(n + WARMUP):
            started = time.perf_counter()
            response = client.get(current)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                errors += 1
            elif follow:
                nxt = response.json()["next_cursor"]
                base = path.split("?", 1)
                params = [
                    p
                    for p in (base[1].split("&") if len(base) > 1 else [])
                    if not p.startswith("cursor=")
                ]
                current = base[0] + "?" + "&".join(params + ([f"cursor={nxt}"] if nxt else []))
            if i >= WARMUP:
                times.append(elapsed)
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(_percentile(times, 99), 2),
        "max_ms": round(max(times), 2),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    load_before = common.machine()
    url = common.recreate_pg_database(DB_NAME)
    env = common.base_env()
    env["TIXALLO_DATABASE_URL"] = url
    env["TIXALLO_REDIS_URL"] = common.REDIS_URL
    common.migrate(env)
    db = Database(Settings(database_url=url))
    loop = asyncio.new_event_loop()
    bench = loop.run_until_complete(seed.create_bench_workspace(db))
    started = time.monotonic()
    loop.run_until_complete(seed.add_other_workspaces(db, 1_000))
    common.log(f"1,000 other workspaces in {time.monotonic() - started:.1f} s")
    series: list[dict[str, Any]] = []
    try:
        for size in sizes:
            started = time.monotonic()
            loop.run_until_complete(seed.add_tickets(db, bench, size - bench.tickets))
            seeded = time.monotonic() - started
            loop.run_until_complete(seed.analyze(db))
            common.log(f"{size:,} tickets (+{seeded:.1f} s seeding, ANALYZE done)")
            deep = loop.run_until_complete(_deep_cursor(db, bench.workspace_id, size // 2))
            server = common.Server(env=env, workers=1)
            server.start()
            try:
                rows = {}
                for name, path, follow in _queries(bench, deep):
                    rows[name] = measure(server, bench.api_key, path, follow, args.requests)
            finally:
                server.stop()
            deep_cursor = Cursor.decode(deep)
            in_db = loop.run_until_complete(
                measure_in_db(db, _db_statements(bench, deep_cursor), args.requests)
            )
            series.append(
                {
                    "tickets": size,
                    "seed_seconds": round(seeded, 1),
                    "queries": rows,
                    "in_database": in_db,
                }
            )
    finally:
        loop.run_until_complete(db.dispose())
        loop.close()
        if not args.keep:
            common.drop_pg_database(DB_NAME)
    names = list(series[0]["queries"])
    smallest, largest = series[0], series[-1]
    verdicts = {}
    for name in names:
        ratio = largest["queries"][name]["p99_ms"] / smallest["queries"][name]["p99_ms"]
        verdicts[name] = {"p99_ratio": round(ratio, 2), "flat": ratio <= 2.0}
    payload = {
        "kind": "scale",
        "deployment": "production settings: PostgreSQL + Redis, tixallo serve --workers 1",
        "client": "one httpx client, sequential requests (latency without queueing)",
        "requests_per_query": args.requests,
        "warmup_requests": WARMUP,
        "other_workspaces": 1000,
        "full_text_search": "GET /api/v1/tickets?q= (GIN indexes, tickets/search.py): its cost"
        " grows with the number of matches, so only the one-match row is held to 'flat'",
        "commit": common.git_commit(),
        "machine_before": load_before,
        "machine_after": common.machine(),
        "series": series,
        "p99_largest_over_smallest": verdicts,
    }
    headers = ["query"]
    for s in series:
        headers += [f"{s['tickets']:,} p50", f"{s['tickets']:,} p99"]
    headers += ["p99 ratio", "flat"]
    rows_out = []
    for name in names:
        row: list[Any] = [name]
        for s in series:
            row += [s["queries"][name]["p50_ms"], s["queries"][name]["p99_ms"]]
        row += [verdicts[name]["p99_ratio"], "yes" if verdicts[name]["flat"] else "NO"]
        rows_out.append(row)
    print()
    print(common.table(headers, rows_out))
    print()
    print("inside PostgreSQL (EXPLAIN ANALYZE of the same statements: planning + execution)")
    db_headers = ["query"]
    for s in series:
        db_headers += [f"{s['tickets']:,} p50", f"{s['tickets']:,} p99"]
    db_headers += ["p99 ratio", "flat"]
    db_rows = []
    for name in names:
        row = [name]
        for s in series:
            row += [s["in_database"][name]["p50_ms"], s["in_database"][name]["p99_ms"]]
        ratio = largest["in_database"][name]["p99_ms"] / smallest["in_database"][name]["p99_ms"]
        verdicts[name]["in_database_p99_ratio"] = round(ratio, 2)
        verdicts[name]["in_database_flat"] = ratio <= 2.0
        row += [round(ratio, 2), "yes" if ratio <= 2.0 else "NO"]
        db_rows.append(row)
    print(common.table(db_headers, db_rows))
    print(
        "full-text search (q=) costs what its matches cost: a word in 1% or 10% of a 1M-ticket"
        " workspace matches 10k or 100k tickets, which are read to find the newest 50"
    )
    print("seeding: " + ", ".join(f"{s['tickets']:,} in {s['seed_seconds']} s" for s in series))
    print(
        f"load average before/after: {load_before['loadavg_1_5_15']}"
        f" / {payload['machine_after']['loadavg_1_5_15']}"
    )
    path = common.write_result("scale", payload)
    print(f"written to {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
