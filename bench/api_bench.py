"""API throughput and latency, embedded (SQLite, 1 process) and production (PostgreSQL + Redis,
2 workers), each endpoint beside the no-DB ceiling route measured by the same server in the same
run. Load: wrk (Debian package), 64 connections, 2 threads, in its own process.

    .venv/bin/python bench/api_bench.py [--deployments embedded,production] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import seed

from tixallo.config import Settings
from tixallo.db import Database

# (name, lua script, path for get_path.lua, kind) in the order they run.
ENDPOINTS = [
    ("ceiling GET /bench/ceiling", "get_path.lua", "/bench/ceiling", "ceiling"),
    ("GET /api/v1/tickets/{id}", "get_ticket.lua", None, "read"),
    ("GET /api/v1/tickets (first page)", "get_path.lua", "/api/v1/tickets", "read"),
    ("GET /api/external/tickets", "get_path.lua", "/api/external/tickets", "read"),
    ("POST /api/v1/tickets", "post_ticket.lua", None, "write"),
    ("POST /api/v1/tickets/{id}/messages", "post_message.lua", None, "write"),
    ("ceiling GET /bench/ceiling (again)", "get_path.lua", "/bench/ceiling", "ceiling"),
]
TARGET = {"read": 0.35, "write": 0.20}
SEED_TICKETS = 10_000
OTHER_WORKSPACES = 1_000


async def _seed(url: str) -> seed.BenchWorkspace:
    db = Database(Settings(database_url=url))
    try:
        bench = await seed.create_bench_workspace(db)
        await seed.add_tickets(db, bench, SEED_TICKETS)
        await seed.add_other_workspaces(db, OTHER_WORKSPACES)
        await seed.analyze(db)
        return bench
    finally:
        await db.dispose()


def _deployment_env(name: str, workdir: Path) -> tuple[dict[str, str], int, str]:
    env = common.base_env()
    if name == "embedded":
        url = f"sqlite+aiosqlite:///{workdir / 'tixallo.db'}"
        env["TIXALLO_DATABASE_URL"] = url
        return env, 1, url
    url = common.recreate_pg_database("tixallo_bench")
    env["TIXALLO_DATABASE_URL"] = url
    env["TIXALLO_REDIS_URL"] = common.REDIS_URL
    return env, 2, url


def _check(client: httpx.Client, method: str, path: str, body: Any = None) -> int:
    return client.request(method, path, json=body).status_code


def run_deployment(name: str, seconds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"tixallo-bench-{name}-") as tmp:
        workdir = Path(tmp)
        env, workers, url = _deployment_env(name, workdir)
        common.log(
            f"{name}: migrate and seed {SEED_TICKETS:,} tickets + {OTHER_WORKSPACES:,} workspaces"
        )
        common.migrate(env)
        started = time.monotonic()
        bench = asyncio.run(_seed(url))
        seed_seconds = round(time.monotonic() - started, 1)
        ids_file = workdir / "ids.txt"
        ids_file.write_text("\n".join(bench.ticket_ids_sample[:2000]) + "\n")
        server = common.Server(env=env, workers=workers)
        server.start()
        results: list[dict[str, Any]] = []
        try:
            headers = {"Authorization": f"Bearer {bench.api_key}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
                external = _check(client, "GET", "/api/external/tickets")
                sanity = {
                    "ceiling": _check(client, "GET", "/bench/ceiling"),
                    "get": _check(client, "GET", f"/api/v1/tickets/{bench.ticket_ids_sample[0]}"),
                    "list": _check(client, "GET", "/api/v1/tickets"),
                    "external": external,
                }
            if sanity["ceiling"] != 200 or sanity["get"] != 200 or sanity["list"] != 200:
                raise RuntimeError(f"{name}: endpoints not answering 200 before the run: {sanity}")
            # A short warm-up so imports, pools and caches are not in the first measurement.
            common.run_wrk(
                server.url,
                "get_ticket.lua",
                env={"BENCH_KEY": bench.api_key, "BENCH_IDS": str(ids_file)},
                seconds=2,
            )
            for label, script, path, kind in ENDPOINTS:
                if path == "/api/external/tickets" and external == 404:
                    results.append({"endpoint": label, "kind": kind, "skipped": "not mounted"})
                    continue
                server.wait_idle()
                common.log(f"{name}: {label}")
                res = common.run_wrk(
                    server.url,
                    script,
                    env={
                        "BENCH_KEY": bench.api_key,
                        "BENCH_IDS": str(ids_file),
                        "BENCH_PATH": path or "",
                    },
                    seconds=seconds,
                )
                results.append({"endpoint": label, "kind": kind, **res.as_dict()})
            rss = server.peak_rss_mb()
        finally:
            server.stop()
        if name == "production":
            common.drop_pg_database("tixallo_bench")
    ceilings = [r["rps"] for r in results if r["kind"] == "ceiling"]
    ceiling = sum(ceilings) / len(ceilings)
    for r in results:
        if "rps" in r:
            r["ratio_of_ceiling"] = round(r["rps"] / ceiling, 3)
            target = TARGET.get(r["kind"])
            r["target_ratio"] = target
            r["meets_ratio"] = None if target is None else r["ratio_of_ceiling"] >= target
            if name == "production" and r["kind"] == "read":
                r["meets_p99_50ms"] = r["p99_ms"] < 50
    return {
        "deployment": name,
        "workers": workers,
        "database": "sqlite" if name == "embedded" else "postgresql+redis",
        "seeded_tickets": SEED_TICKETS,
        "other_workspaces": OTHER_WORKSPACES,
        "seed_seconds": seed_seconds,
        "ceiling_rps_mean": round(ceiling, 1),
        "peak_rss_mb": rss,
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--deployments", default="embedded,production")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    common.ensure_wrk()
    load_before = common.machine()
    runs = [run_deployment(d.strip(), args.seconds) for d in args.deployments.split(",")]
    payload = {
        "kind": "api",
        "load_generator": f"{common.wrk_version()} -t2 -c64 -d{args.seconds}s --timeout 10s"
        ", Lua scripts in bench/lua/",
        "connections": 64,
        "commit": common.git_commit(),
        "machine_before": load_before,
        "machine_after": common.machine(),
        "deployments": runs,
    }
    rows = []
    for run in runs:
        for r in run["results"]:
            if "skipped" in r:
                rows.append(
                    [run["deployment"], r["endpoint"], None, None, None, None, None, r["skipped"]]
                )
                continue
            verdict = ""
            if r.get("meets_ratio") is not None:
                verdict = "ok" if r["meets_ratio"] else f"< {int(r['target_ratio'] * 100)}%"
            if r.get("meets_p99_50ms") is False:
                verdict += " p99>=50ms"
            rows.append(
                [
                    run["deployment"],
                    r["endpoint"],
                    r["rps"],
                    r["ratio_of_ceiling"],
                    r["p50_ms"],
                    r["p99_ms"],
                    r["errors_status"] + r["errors_socket"],
                    verdict.strip(),
                ]
            )
    print()
    print(
        common.table(
            [
                "deployment",
                "endpoint",
                "req/s",
                "x ceiling",
                "p50 ms",
                "p99 ms",
                "errors",
                "target",
            ],
            rows,
        )
    )
    for run in runs:
        rss = ", ".join(f"{k} {v} MiB" for k, v in run["peak_rss_mb"].items())
        print(f"peak RSS {run['deployment']} ({run['workers']} worker(s)): {rss}")
    print(f"load generator: {payload['load_generator']}")
    print(
        f"load average before/after: {load_before['loadavg_1_5_15']}"
        f" / {payload['machine_after']['loadavg_1_5_15']}"
    )
    path = common.write_result("api", payload)
    print(f"written to {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
