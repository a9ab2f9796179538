"""Several workers share the outbox without sending an attempt twice; a worker killed
with SIGKILL mid-stream loses nothing once a worker runs again."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import func, select

from tests.support.receiver import Receiver, Reply, wait_until
from tests.support.server import Process, worker
from tests.support.tenants import Tenant
from tests.support.webhooks import create_ticket, create_webhook
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.webhooks.models import SUCCEEDED, WebhookAttempt, WebhookDelivery
from tixallo.webhooks.worker import Worker


async def _statuses(db: Database) -> Counter[str]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
        )
        return Counter({status: count for status, count in rows})


async def test_two_workers_never_send_one_attempt_twice(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings, receiver: Receiver
) -> None:
    receiver.reply = lambda _r: Reply(delay=0.003)
    paths = [f"/e{i}" for i in range(5)]
    for path in paths:
        await create_webhook(client, tenant, receiver.url(path), ["ticket.created"])
    tickets = [await create_ticket(client, tenant, subject=f"s{i}") for i in range(30)]
    expected = len(paths) * len(tickets)
    second_db = Database(settings)
    workers = [
        Worker(db, settings, poll_interval=0.01, max_endpoints=2, batch_size=4),
        Worker(second_db, settings, poll_interval=0.01, max_endpoints=2, batch_size=4),
    ]
    runs = [asyncio.create_task(w.run()) for w in workers]
    try:
        await wait_until(lambda: len(receiver.requests) >= expected, timeout=60)
        await asyncio.sleep(0.3)
    finally:
        for w in workers:
            w.stop()
        await asyncio.gather(*runs)
        await second_db.dispose()
    sent = Counter((r.path, r.headers["webhook-id"]) for r in receiver.requests)
    assert len(sent) == expected
    assert max(sent.values()) == 1, [k for k, v in sent.items() if v > 1]
    async with db.transaction(write=False) as session:
        attempts = await session.scalar(select(func.count()).select_from(WebhookAttempt))
    assert attempts == expected
    assert await _statuses(db) == Counter({SUCCEEDED: expected})


def _worker(database_url: str, log_path: Path) -> Process:
    return worker(
        {
            "TIXALLO_DATABASE_URL": database_url,
            "TIXALLO_WEBHOOK_ALLOW_PRIVATE": "true",
            "TIXALLO_WEBHOOK_TIMEOUT_SECONDS": "1",
            "TIXALLO_WEBHOOK_RETRY_DELAYS": "0.05,0.1,0.2",
        },
        log_path,
    )


async def test_kill_9_mid_stream_then_restart_delivers_every_event(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    database_url: str,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    receiver.reply = lambda _r: Reply(delay=0.02)
    paths = ["/a", "/b"]
    for path in paths:
        await create_webhook(client, tenant, receiver.url(path), ["ticket.created"])
    events = set()
    for i in range(80):
        await create_ticket(client, tenant, subject=f"k{i}")
    async with db.transaction(write=False) as session:
        from tixallo.events.models import Event

        events = set(
            await session.scalars(
                select(Event.id).where(
                    Event.workspace_id == tenant.id, Event.type == "ticket.created"
                )
            )
        )
    assert len(events) == 80

    first = _worker(database_url, tmp_path / "first.log")
    first.start()
    try:
        await wait_until(lambda: len(receiver.requests) >= 40, timeout=60)
    finally:
        first.kill()
    assert first.history == [-signal.SIGKILL]
    at_kill = len(receiver.requests)
    assert at_kill < len(paths) * len(events), "the worker finished before it was killed"

    second = _worker(database_url, tmp_path / "second.log")
    second.start()
    started = time.monotonic()
    try:
        await wait_until(lambda: all(set(receiver.ids(p)) == events for p in paths), timeout=90)
    finally:
        exit_code = second.terminate(timeout=30)
    assert exit_code == 0, second.log()[-2000:]
    sent = Counter((r.path, r.headers["webhook-id"]) for r in receiver.requests)
    # At least once: an attempt in flight at the kill may go out again, never more.
    assert sum(sent.values()) - len(sent) <= len(paths)
    assert await _statuses(db) == Counter({SUCCEEDED: len(paths) * len(events)})
    assert time.monotonic() - started < 90
