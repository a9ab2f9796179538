"""Delivery under faults, with real `tixallo worker` processes and real receivers:

- worker kill: several workers, one killed with SIGKILL every few seconds during the
  deliveries (and replaced) → none lost, duplicates no more than the kills, nothing left
  pending once the leases of the killed workers expire;
- slow receivers: endpoints that hang past the timeout do not delay a healthy endpoint;
- graceful shutdown: SIGTERM while a delivery is in flight → the worker exits 0 and the
  interrupted delivery is sent (again) by the next worker.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from tests.support.receiver import Receiver, Reply, wait_until
from tests.support.reliability import Processes, Row, base_env, record_row, scale
from tests.support.server import Process
from tests.support.tenants import Tenant
from tixallo.db import Database
from tixallo.events.models import Event
from tixallo.tickets import service as tickets
from tixallo.webhooks.models import SUCCEEDED, WebhookAttempt, WebhookDelivery, WebhookEndpoint

TIMEOUT = 3  # seconds per attempt: roomy, so a busy machine does not trip the breaker
LEASE_SECONDS = 2 * TIMEOUT + 5  # what webhooks/worker.py derives from the timeout


async def _hook(client: httpx.AsyncClient, tenant: Tenant, url: str) -> None:
    created = await client.post(
        "/api/v1/webhooks", json={"url": url, "events": ["ticket.created"]}, headers=tenant.headers
    )
    assert created.status_code == 201, created.text


async def _tickets(db: Database, tenant: Tenant, count: int) -> set[str]:
    """Create ``count`` tickets in batches; returns their ticket.created event ids."""
    for start in range(0, count, 50):
        async with db.transaction() as session:
            for i in range(start, min(count, start + 50)):
                await tickets.create_ticket(
                    session,
                    tenant.ctx,
                    tickets.TicketCreate(subject=f"t{i}", customer_email="load@acme.com"),
                )
    async with db.transaction(write=False) as session:
        return set(
            await session.scalars(
                select(Event.id).where(
                    Event.workspace_id == tenant.id, Event.type == "ticket.created"
                )
            )
        )


async def _statuses(db: Database) -> Counter[str]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
        )
        return Counter({status: count for status, count in rows})


async def _errors(db: Database) -> str:
    """What the database says when deliveries are missing: for the failure message."""
    async with db.transaction(write=False) as session:
        errors = Counter(
            await session.scalars(
                select(WebhookAttempt.error).where(WebhookAttempt.succeeded.is_(False))
            )
        )
        endpoints = [
            (e.id, e.enabled, e.consecutive_failures, e.lease_owner, e.lease_until)
            for e in await session.scalars(select(WebhookEndpoint))
        ]
    return f"errors {errors}; statuses {await _statuses(db)}; endpoints {endpoints}"


def _per_path(sent: Counter[tuple[str, str]], paths: list[str]) -> Counter[str]:
    """Duplicates each receiver saw: sends of one webhook-id beyond the first."""
    per_path = Counter({path: 0 for path in paths})
    for (path, _), n in sent.items():
        per_path[path] += n - 1
    return per_path


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_killing_workers_during_deliveries_loses_none(
    backend: str,
    db: Database,
    tenant: Tenant,
    client: httpx.AsyncClient,
    processes: Processes,
    database_url: str,
    receiver: Receiver,
) -> None:
    receiver.reply = lambda _r: Reply(delay=0.002)
    paths = [f"/k{n}" for n in range(4)]
    for path in paths:
        await _hook(client, tenant, receiver.url(path))
    events = await _tickets(db, tenant, scale(150, 2500))
    expected = len(events) * len(paths)
    env = base_env(database_url, TIXALLO_WEBHOOK_TIMEOUT_SECONDS=str(TIMEOUT))
    workers: list[Process] = [processes.worker(env) for _ in range(3)]
    rng = random.Random(9)
    interval = scale(2, 3)
    max_kills = scale(3, 1000)
    kills = 0
    last_kill = time.monotonic()

    def done() -> bool:
        return all(events <= set(receiver.ids(p)) for p in paths)

    await wait_until(lambda: len(receiver.requests) > 0, timeout=120)
    while not done() and kills < max_kills:
        await asyncio.sleep(interval)
        if done():
            break
        victim = rng.choice(workers)
        victim.kill()
        kills += 1
        last_kill = time.monotonic()
        await asyncio.to_thread(victim.start)
    assert kills > 0, "the deliveries finished before the first kill"
    try:
        await wait_until(done, timeout=LEASE_SECONDS + scale(60, 600))
    except AssertionError:
        raise AssertionError(f"not all delivered; failed attempts: {await _errors(db)}") from None
    finished_after_last_kill = time.monotonic() - last_kill
    await asyncio.sleep(0.5)
    sent = Counter((r.path, r.headers["webhook-id"]) for r in receiver.requests)
    duplicates = sum(n - 1 for n in sent.values())
    per_endpoint = _per_path(sent, paths)
    lost = sum(len(events - set(receiver.ids(p))) for p in paths)
    statuses = await _statuses(db)
    record_row(
        Row(
            "worker kill (3 workers, SIGKILL)",
            backend,
            expected,
            kills,
            expected,
            lost,
            duplicates,
            0,
            f"done {finished_after_last_kill:.1f}s after the last kill (lease {LEASE_SECONDS}s);"
            f" most duplicates at one receiver {max(per_endpoint.values())}",
        )
    )
    assert lost == 0
    # A kill repeats at most the one attempt in flight per endpoint the victim was serving
    # (each sender waits for its attempt to commit before the next): so no receiver sees
    # more duplicates than there were kills.
    assert max(per_endpoint.values()) <= kills, (per_endpoint, kills)
    assert duplicates <= kills * len(paths), duplicates
    assert statuses == Counter({SUCCEEDED: expected}), statuses


async def test_hanging_receivers_do_not_delay_a_healthy_one(
    backend: str,
    db: Database,
    tenant: Tenant,
    client: httpx.AsyncClient,
    processes: Processes,
    database_url: str,
    make_receiver: object,
) -> None:
    hanging = [make_receiver() for _ in range(3)]  # type: ignore[operator]
    healthy: Receiver = make_receiver()  # type: ignore[operator]
    for r in hanging:
        r.reply = lambda _r: Reply(delay=30.0)
        await _hook(client, tenant, r.url())
    await _hook(client, tenant, healthy.url())
    count = scale(10, 100)
    events = await _tickets(db, tenant, count)
    timeout = 3.0
    processes.worker(base_env(database_url, TIXALLO_WEBHOOK_TIMEOUT_SECONDS=str(timeout)))

    await wait_until(lambda: len(healthy.requests) > 0, timeout=120)
    first = min([r.at for r in healthy.requests] + [q.at for h in hanging for q in h.requests])
    await wait_until(lambda: events <= set(healthy.ids()), timeout=60)
    took = max(r.at for r in healthy.requests) - first
    times = sorted([first, *(r.at for r in healthy.requests)])
    # The longest wait between two healthy deliveries (or before the first): served behind
    # a hanging endpoint, some wait would last a whole timeout.
    longest_gap = max(b - a for a, b in itertools.pairwise(times))
    record_row(
        Row(
            "slow receivers (3 hang 30 s)",
            backend,
            count,
            len(hanging),
            count,
            len(events - set(healthy.ids())),
            len(healthy.requests) - len(set(healthy.ids())),
            0,
            f"healthy endpoint done in {took:.2f}s, longest wait {longest_gap:.2f}s "
            f"(timeout {timeout}s)",
        )
    )
    assert longest_gap < timeout, longest_gap


async def test_sigterm_mid_delivery_exits_cleanly_and_the_delivery_is_retried(
    backend: str,
    db: Database,
    tenant: Tenant,
    client: httpx.AsyncClient,
    processes: Processes,
    database_url: str,
    receiver: Receiver,
) -> None:
    receiver.reply = lambda r: Reply(delay=2.0) if len(receiver.requests) == 1 else Reply()
    await _hook(client, tenant, receiver.url())
    events = await _tickets(db, tenant, 3)
    env = base_env(database_url, TIXALLO_WEBHOOK_TIMEOUT_SECONDS="5")
    first = processes.worker(env)
    await wait_until(lambda: len(receiver.requests) == 1, timeout=120)
    code = await asyncio.to_thread(first.terminate, 30)
    assert code == 0, first.log()[-2000:]
    second = processes.worker(env)
    await wait_until(lambda: events <= set(receiver.ids()), timeout=120)
    await asyncio.sleep(0.3)
    assert await _statuses(db) == Counter({SUCCEEDED: len(events)})
    sent = Counter(receiver.ids())
    record_row(
        Row(
            "graceful: SIGTERM worker mid-delivery",
            backend,
            len(events),
            1,
            len(events),
            len(events - set(sent)),
            sum(n - 1 for n in sent.values()),
            0,
            "server side: tests/ops/test_graceful_shutdown.py",
        )
    )
    assert sum(n - 1 for n in sent.values()) <= 1
    second.terminate()
