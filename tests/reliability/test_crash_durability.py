"""Crash durability: concurrent creates with Idempotency-Keys and client retries while the
server is killed with SIGKILL again and again and started again.

Promised: every acknowledged (201) ticket is stored, exactly one ticket per key, every
``ticket.created`` event is in the outbox and reaches a webhook receiver at least once, the
SQLite file passes ``PRAGMA integrity_check``, and no 5xx reaches a client (a refused or cut
connection while the server is down is not an answer; the client retries it with the same
key, as a real client would).

On SQLite the webhook worker runs inside the server process, so it dies with it; on
PostgreSQL a separate `tixallo worker` runs and is killed at the same moments.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select

from tests.support.receiver import Receiver, wait_until
from tests.support.reliability import Processes, Row, base_env, post, record_row, scale
from tests.support.server import Process
from tests.support.tenants import Tenant, ticket_body
from tixallo.db import Database
from tixallo.events.models import Event
from tixallo.idempotency.models import IdempotencyRecord
from tixallo.tickets.models import Ticket

CLIENT_THREADS = 8


@dataclass
class Outcome:
    acknowledged: dict[str, str] = field(default_factory=dict)  # idempotency key -> ticket id
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> int:
        with self.lock:
            return len(self.acknowledged)


def create_with_retries(base_url: str, headers: dict[str, str], key: str, out: Outcome) -> None:
    """One logical create: the same key and body until the server acknowledges it."""
    body = ticket_body(subject=key)
    deadline = time.monotonic() + 900  # restarts take seconds each on a busy machine
    while time.monotonic() < deadline:
        try:
            with httpx.Client(timeout=15) as http:
                response = http.post(
                    f"{base_url}/api/v1/tickets",
                    json=body,
                    headers={**headers, "Idempotency-Key": key},
                )
        except httpx.TransportError:
            with out.lock:
                out.connection_errors += 1
            time.sleep(0.2)
            continue
        with out.lock:
            out.statuses[response.status_code] += 1
        if response.status_code == 201:
            with out.lock:
                out.acknowledged[key] = response.json()["data"]["id"]
            return
        time.sleep(0.05)  # 409 "in progress", 429, or a 5xx (counted, must stay 0)
    raise AssertionError(f"{key} was never acknowledged")


def run_clients(base_url: str, headers: dict[str, str], keys: list[str], out: Outcome) -> None:
    queue = list(keys)
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                if not queue:
                    return
                key = queue.pop(0)
            create_with_retries(base_url, headers, key, out)

    threads = [threading.Thread(target=client) for _ in range(CLIENT_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run_killer(
    victims: list[Process],
    kills: int,
    total: int,
    out: Outcome,
    done: threading.Event,
    failures: list[BaseException],
) -> None:
    try:
        _kill_repeatedly(victims, kills, total, out, done)
    except BaseException as exc:  # reported by the test, not lost in a thread
        failures.append(exc)


def _kill_repeatedly(
    victims: list[Process], kills: int, total: int, out: Outcome, done: threading.Event
) -> None:
    """Kill at evenly spread points of the acknowledged count, so each kill lands while
    creates are in flight; start the processes again at once."""
    for j in range(kills):
        threshold = (j + 1) * total // (kills + 1)
        while out.count() < threshold and not done.is_set():
            time.sleep(0.005)
        if done.is_set():
            return
        for victim in victims:
            victim.kill()
        for victim in victims:
            victim.start()


async def stored(database_url: str, workspace_id: str) -> dict[str, Any]:
    db = Database(base_settings(database_url))
    try:
        async with db.transaction(write=False) as session:
            tickets = list(
                await session.execute(
                    select(Ticket.id, Ticket.subject).where(Ticket.workspace_id == workspace_id)
                )
            )
            events = list(
                await session.execute(
                    select(Event.id, Event.data).where(
                        Event.workspace_id == workspace_id, Event.type == "ticket.created"
                    )
                )
            )
            keys = await session.scalar(
                select(func.count())
                .select_from(IdempotencyRecord)
                .where(IdempotencyRecord.workspace_id == workspace_id)
            )
    finally:
        await db.dispose()
    return {"tickets": tickets, "events": events, "keys": keys}


def base_settings(database_url: str) -> Any:
    from tixallo.config import Settings

    return Settings(database_url=database_url)


async def test_sigkill_during_concurrent_creates_loses_nothing(
    backend: str,
    database_url: str,
    db: Database,
    tenant: Tenant,
    processes: Processes,
    receiver: Receiver,
) -> None:
    total = scale(40, 200)
    kills = scale(3, 20)
    env = base_env(database_url)
    server = processes.server(env)
    victims = [server]
    if backend == "postgres":
        victims.append(processes.worker(env))
    hook = await post(
        server.base_url,
        "/api/v1/webhooks",
        {"url": receiver.url("/crash"), "events": ["ticket.created"]},
        tenant.headers,
    )
    assert hook.status_code == 201, hook.text

    keys = [f"crash-{i}-{uuid.uuid4().hex[:8]}" for i in range(total)]
    out = Outcome()
    done = threading.Event()
    failures: list[BaseException] = []
    killer = threading.Thread(target=run_killer, args=(victims, kills, total, out, done, failures))
    killer.start()
    try:
        await asyncio.to_thread(run_clients, server.base_url, tenant.headers, keys, out)
    finally:
        done.set()
        killer.join()
    assert failures == [], failures
    faults = sum(v.kills for v in victims)
    assert server.kills == kills, "the clients finished before every kill happened"
    assert all(code == -9 for v in victims for code in v.history)

    state = await stored(database_url, tenant.id)
    by_subject = Counter(subject for _, subject in state["tickets"])
    ticket_ids = {tid for tid, _ in state["tickets"]}
    lost = [k for k, tid in out.acknowledged.items() if tid not in ticket_ids]
    duplicates = sum(n - 1 for n in by_subject.values() if n > 1)
    server_errors = sum(n for code, n in out.statuses.items() if code >= 500)
    event_of = {data["id"]: eid for eid, data in state["events"]}

    # Every ticket.created reaches the receiver at least once (after restarts, once leases
    # left behind by the killed worker expire).
    expected_events = set(event_of.values())
    try:
        await wait_until(lambda: expected_events <= set(receiver.ids("/crash")), timeout=90)
    finally:
        server.terminate()
        for v in victims[1:]:
            v.terminate()
    sent = Counter(receiver.ids("/crash"))
    redelivered = sum(n - 1 for n in sent.values())

    integrity = "n/a"
    if backend == "sqlite":
        path = database_url.split("///", 1)[1]
        with sqlite3.connect(path) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        assert journal == "wal"
    record_row(
        Row(
            "crash durability (SIGKILL serve)",
            backend,
            total,
            faults,
            len(out.acknowledged),
            len(lost),
            duplicates,
            server_errors,
            f"conn. errors retried {out.connection_errors}; webhook redeliveries "
            f"{redelivered}; integrity {integrity}",
        )
    )
    assert len(out.acknowledged) == total
    assert lost == []
    assert len(state["tickets"]) == total, "exactly one ticket per idempotency key"
    assert duplicates == 0
    assert set(by_subject) == set(keys)
    assert state["keys"] == total
    assert set(event_of) == ticket_ids, "every ticket has its ticket.created event"
    assert len(state["events"]) == total
    assert server_errors == 0, out.statuses
    assert integrity in ("ok", "n/a")
    # At least once: an attempt whose answer was cut by a kill may go out again, never more
    # than once per kill of the process delivering it.
    assert redelivered <= faults
