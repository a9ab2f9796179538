"""Webhook delivery benchmark: deliveries per second to a local receiver, and the time
from the commit of a change to its delivery (p50, p99).

    .venv/bin/python bench/webhooks_bench.py                    # embedded SQLite
    .venv/bin/python bench/webhooks_bench.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

The worker runs in this process, as it does inside `tixallo serve` on the embedded
default; the receiver is a minimal keep-alive HTTP server in a thread with its own event
loop, answering 200 at once. Throughput: EVENTS events already in the outbox, ENDPOINTS
endpoints subscribed, time until every delivery is recorded as succeeded. Latency: events
committed one at a time at RATE per second while the worker runs; each latency is the
receiver's arrival time minus the moment the commit returned (one clock, one process).
Writes bench/results/webhooks-<backend>-<time>.json and webhooks-latest.json.
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
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tixallo import migrate  # noqa: E402
from tixallo.config import Settings  # noqa: E402
from tixallo.context import Ctx  # noqa: E402
from tixallo.db import Database  # noqa: E402
from tixallo.events.service import record_event  # noqa: E402
from tixallo.webhooks import service as webhooks  # noqa: E402
from tixallo.webhooks.models import SUCCEEDED, WebhookDelivery  # noqa: E402
from tixallo.webhooks.worker import Worker  # noqa: E402
from tixallo.workspaces.service import create_workspace  # noqa: E402

RESULTS = ROOT / "bench" / "results"


class Receiver:
    """Answers every POST with 200 at once; records arrival times by (path, webhook-id)."""

    def __init__(self) -> None:
        self.arrivals: dict[tuple[str, str], float] = {}
        self.count = 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.port = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                await reader.readexactly(int(headers.get("content-length", "0")))
                self.arrivals.setdefault((path, headers["webhook-id"]), time.perf_counter())
                self.count += 1
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def prepare(settings: Settings, receiver: Receiver, endpoints: int) -> tuple[Database, Ctx]:
    db = Database(settings)
    async with db.transaction() as session:
        created = await create_workspace(
            session,
            name=f"Bench {uuid.uuid4().hex[:6]}",
            admin_email=f"bench-{uuid.uuid4().hex[:8]}@example.com",
            admin_password="correct horse battery",
        )
        ctx = Ctx(workspace_id=created.workspace.id)
        for i in range(endpoints):
            await webhooks.create_endpoint(
                session,
                ctx,
                webhooks.EndpointCreate(
                    url=f"http://127.0.0.1:{receiver.port}/e{i}", events=["ticket.created"]
                ),
                allow_private=True,
                secret_key=settings.secret_key,
            )
    return db, ctx


def sample_data(i: int) -> dict[str, Any]:
    return {"id": f"tkt_bench{i}", "number": i, "subject": f"Bench ticket {i}", "status": "open"}


async def succeeded(db: Database, ctx: Ctx) -> int:
    async with db.transaction(write=False) as session:
        count = await session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.workspace_id == ctx.workspace_id)
            .where(WebhookDelivery.status == SUCCEEDED)
        )
    return int(count or 0)


async def throughput(db: Database, ctx: Ctx, settings: Settings, args: argparse.Namespace) -> Any:
    async with db.transaction() as session:
        for i in range(args.events):
            record_event(session, ctx, "ticket.created", sample_data(i))
    expected = args.events * args.endpoints
    worker = Worker(db, settings, poll_interval=0.01)
    started = time.perf_counter()
    task = asyncio.create_task(worker.run())
    while await succeeded(db, ctx) < expected:  # noqa: ASYNC110  (polls the database)
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    worker.stop()
    await task
    return {"deliveries": expected, "seconds": round(elapsed, 3), "per_second": expected / elapsed}


async def latency(
    db: Database, ctx: Ctx, settings: Settings, receiver: Receiver, args: argparse.Namespace
) -> Any:
    worker = Worker(db, settings, poll_interval=args.poll_interval)
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(0.5)
    committed: dict[str, float] = {}
    for i in range(args.latency_events):
        async with db.transaction() as session:
            event = record_event(session, ctx, "ticket.created", sample_data(10**6 + i))
        committed[event.id] = time.perf_counter()
        await asyncio.sleep(1 / args.rate)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(("/e0", eid) in receiver.arrivals for eid in committed):
            break
        await asyncio.sleep(0.05)
    worker.stop()
    await task
    samples = [
        (receiver.arrivals[("/e0", eid)] - at) * 1000
        for eid, at in committed.items()
        if ("/e0", eid) in receiver.arrivals
    ]
    return {
        "events": len(committed),
        "delivered": len(samples),
        "rate_per_second": args.rate,
        "poll_interval_seconds": args.poll_interval,
        "p50_ms": round(percentile(samples, 50), 1),
        "p99_ms": round(percentile(samples, 99), 1),
        "max_ms": round(max(samples), 1),
        "mean_ms": round(statistics.fmean(samples), 1),
    }


async def fresh_postgres(url: str) -> str:
    name = f"tixallo_bench_{uuid.uuid4().hex[:8]}"
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


async def drop_postgres(admin_url: str, url: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL; SQLite if unset")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--endpoints", type=int, default=4)
    parser.add_argument("--latency-events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0, help="events/s in the latency run")
    parser.add_argument("--poll-interval", type=float, default=0.1)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="tixallo-bench-")
    backend = "postgresql" if args.database_url else "sqlite"
    url = (
        asyncio.run(fresh_postgres(args.database_url))
        if args.database_url
        else f"sqlite+aiosqlite:///{tmp}/bench.db"
    )
    migrate.upgrade(url)
    settings = Settings(database_url=url, webhook_allow_private=True)
    receiver = Receiver()

    async def run() -> dict[str, Any]:
        db, ctx = await prepare(settings, receiver, args.endpoints)
        try:
            through = await throughput(db, ctx, settings, args)
            db2, ctx2 = await prepare(settings, receiver, 1)
            lat = await latency(db2, ctx2, settings, receiver, args)
            await db2.dispose()
            return {"throughput": through, "latency": lat}
        finally:
            await db.dispose()

    try:
        figures = asyncio.run(run())
    finally:
        if args.database_url:
            asyncio.run(drop_postgres(args.database_url, url))
    result = {
        "benchmark": "webhooks",
        "backend": backend,
        "at": datetime.now(UTC).isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
        },
        "parameters": vars(args) | {"database_url": backend},
        **figures,
    }
    t, lat = figures["throughput"], figures["latency"]
    print(f"\nwebhooks on {backend} ({os.cpu_count()} CPUs)")
    print(f"{'measure':<44}{'value':>12}")
    label = f"deliveries/s ({t['deliveries']} to {args.endpoints} endpoints)"
    print(f"{label:<44}{t['per_second']:>12.0f}")
    print(f"{'commit-to-delivery p50 (ms)':<44}{lat['p50_ms']:>12.1f}")
    print(f"{'commit-to-delivery p99 (ms)':<44}{lat['p99_ms']:>12.1f}")
    print(f"{'commit-to-delivery max (ms)':<44}{lat['max_ms']:>12.1f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for name in (f"webhooks-{backend}-{stamp}.json", f"webhooks-{backend}-latest.json"):
        (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote bench/results/webhooks-{backend}-{stamp}.json")


if __name__ == "__main__":
    main()
