"""How fast the agent app's queue pages render with a big workspace.

Seeds one workspace with ``--tickets`` tickets (bench/seed.py), signs in through the real
sign-in form, then times each page in process (httpx over ASGI: the full app, middleware,
session lookup, queries and template, no network), printing median and p95 milliseconds.

    .venv/bin/python -m bench.web_queue --tickets 100000
    .venv/bin/python -m bench.web_queue --tickets 100000 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/tixallo_bench_web
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from bench.seed import add_tickets, analyze, create_bench_workspace
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from tixallo import migrate
from tixallo.app import create_app
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.workspaces.models import Member, User

PASSWORD = "bench-password-not-secret"


async def _fresh_postgres(url: str) -> None:
    base, _, name = url.rpartition("/")
    engine = create_async_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()


async def _time(client: httpx.AsyncClient, url: str, repeats: int) -> tuple[float, float, int]:
    samples = []
    status = 0
    for _ in range(repeats):
        started = time.perf_counter()
        response = await client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return statistics.median(samples), p95, status


async def main(tickets: int, database_url: str | None, repeats: int) -> None:
    if database_url is None:
        database_url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    elif database_url.startswith("postgresql"):
        await _fresh_postgres(database_url)
    await asyncio.to_thread(migrate.upgrade, database_url)
    settings = Settings(database_url=database_url, rate_limit="100000000/60")
    db = Database(settings)
    bench = await create_bench_workspace(db)
    started = time.perf_counter()
    await add_tickets(db, bench, tickets)
    await analyze(db)
    print(f"seeded {tickets} tickets in {time.perf_counter() - started:.1f} s ({database_url})")
    async with db.transaction(write=False) as session:
        stmt = (
            select(User.email)
            .join(Member, Member.user_id == User.id)
            .where(Member.workspace_id == bench.workspace_id, Member.role == "owner")
        )
        email = (await session.execute(stmt)).scalar_one()
    app = create_app(settings, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        form = await client.get("/signin")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf
        signed = await client.post(
            "/signin", data={"csrf": csrf.group(1), "email": email, "password": PASSWORD}
        )
        assert signed.status_code == 303, signed.text
        deep = "/?view=all"
        for _ in range(20):  # the 21st page: 1,000 tickets deep
            page = await client.get(deep)
            found = re.search(r'href="([^"]+)" rel="next"', page.text)
            assert found
            deep = found.group(1).replace("&amp;", "&")
        ticket = re.search(r'data-href="(/tickets/[^"]+)"', (await client.get("/")).text)
        assert ticket
        pages = [
            ("All open, first page", "/"),
            ("Everything, 21st page (keyset)", deep),
            ("Unassigned", "/?view=unassigned"),
            ("Resolved", "/?view=resolved"),
            ("priority=urgent", "/?view=all&priority=urgent"),
            ("tag=legal (0.5% of tickets)", "/?view=all&tag=legal"),
            ("status=waiting + tag=billing", "/?status=waiting&tag=billing"),
            ("search, no match", "/?view=all&q=zzznotfound"),
            ("search, ~1% of tickets (q=printers)", "/?view=all&q=printers"),
            ("ticket page", ticket.group(1)),
            ("dashboard", "/dashboard"),
        ]
        print(f"{'page':45} {'median ms':>10} {'p95 ms':>8}")
        for name, url in pages:
            median, p95, status = await _time(client, url, repeats)
            assert status == 200, (url, status)
            print(f"{name:45} {median:10.1f} {p95:8.1f}")
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.tickets, args.database_url, args.repeats))
