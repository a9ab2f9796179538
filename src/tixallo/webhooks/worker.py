"""The delivery loop.

Each round the worker fans new outbox events out into deliveries (fanout.py), then claims
endpoints that have deliveries due: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL
(SQLite serialises write transactions, so the same statements are safe there too), and
writes a lease (``lease_owner``, ``lease_until``) on each. One task per claimed endpoint
sends its due deliveries one after another, oldest event first, recording every attempt in
its own transaction and renewing the lease each time. So:

- one endpoint is served by one worker at a time: its events go out in order, and two
  workers never send the same attempt;
- a hanging receiver holds only its own task (each attempt is bounded by the timeout);
  other endpoints are served by other tasks;
- a worker killed mid-delivery leaves its lease behind; it expires
  (``2 * timeout + 5 s``) and another worker, or the same one restarted, sends what was
  pending. An attempt whose answer was not recorded is sent again: delivery is at least
  once, and ``webhook-id`` lets receivers drop the duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock, ids
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.events.models import Event
from tixallo.events.service import event_payload
from tixallo.webhooks import fanout, formats, policy, queue, sealing, sender, signing
from tixallo.webhooks.models import TACOHELP

log = logging.getLogger("tixallo.webhooks")

SWEEP_INTERVAL = 5.0
ERROR_BACKOFF = 1.0
RECORD_BATCH = 500


@dataclass(frozen=True, slots=True)
class _Due:
    delivery_id: str
    event_id: str
    # None when a tacohelp body cannot be rendered: the attempt fails with ``unavailable``
    # as its error, without a request, and is retried like any failed attempt.
    body: bytes | None
    # The due time it was loaded with: a redeliver or enable meanwhile changes it.
    due_at: datetime | None
    unavailable: str | None = None


@dataclass(frozen=True, slots=True)
class _Result:
    endpoint_id: str
    workspace_id: str
    item: _Due
    outcome: sender.Outcome
    done: asyncio.Future[bool]


@dataclass(frozen=True, slots=True)
class _Batch:
    url: str
    secret: str | None
    workspace_id: str
    items: list[_Due]


class Worker:
    """Delivers webhooks until :meth:`stop` is called. Safe to run in many processes."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        poll_interval: float = 0.1,
        max_endpoints: int = 64,
        batch_size: int = 20,
        worker_id: str | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.poll_interval = poll_interval
        self.max_endpoints = max_endpoints
        self.batch_size = batch_size
        self.worker_id = (
            worker_id or f"{socket.gethostname()[:30]}:{os.getpid()}:{ids.new_id('w')[-6:]}"
        )
        self.lease = timedelta(seconds=settings.webhook_timeout_seconds * 2 + 5)
        self._stopping = asyncio.Event()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._client: httpx.AsyncClient | None = None
        self._results: asyncio.Queue[_Result | None] = asyncio.Queue()
        self._newest: datetime | None = None
        self._last_sweep = 0.0

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Loop until stopped, then let running sends finish and release the leases."""
        self._client = sender.new_client(self.settings.webhook_timeout_seconds)
        recorder = asyncio.create_task(self._recorder(), name="webhook recorder")
        try:
            while not self._stopping.is_set():
                try:
                    busy = await self.run_once()
                except Exception:  # a database hiccup must not end delivery for good
                    log.exception("webhook worker round failed; retrying")
                    busy = False
                    await self._sleep(ERROR_BACKOFF)
                    continue
                if not busy:
                    await self._sleep(self.poll_interval)
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks.values(), return_exceptions=True)
            await self._results.put(None)
            await recorder
            await self._client.aclose()
            self._client = None

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def run_once(self) -> bool:
        """One round: fan out, claim, start senders. True when it found work."""
        found = await self._fan_out()
        free = self.max_endpoints - len(self._tasks)
        claimed = await self._claim(free) if free > 0 else []
        for endpoint_id in claimed:
            task = asyncio.create_task(self._serve(endpoint_id), name=f"webhook {endpoint_id}")
            self._tasks[endpoint_id] = task
            task.add_done_callback(self._forget)
        return found or bool(claimed)

    def _forget(self, task: asyncio.Task[None]) -> None:
        for key, running in list(self._tasks.items()):
            if running is task:
                del self._tasks[key]

    async def _fan_out(self) -> bool:
        found = False
        if time.monotonic() - self._last_sweep >= SWEEP_INTERVAL:
            result = await fanout.fan_out(self.db, None)
            if result.events < fanout.BATCH:
                self._last_sweep = time.monotonic()
            found = result.events > 0
            self._note(result)
        if self._newest is None:
            self._newest = await fanout.swept_until(self.db)
        result = await fanout.fan_out(self.db, self._newest - fanout.FAST_OVERLAP)
        self._note(result)
        return found or result.events > 0

    def _note(self, result: fanout.FanoutResult) -> None:
        if result.newest is not None and (self._newest is None or result.newest > self._newest):
            self._newest = result.newest

    async def _claim(self, limit: int) -> list[str]:
        async with self.db.transaction(write=False) as session:
            if not await queue.any_claimable(session, clock.now()):
                return []
        async with self.db.transaction(write=True) as session:
            now = clock.now()
            return await queue.claim_endpoints(
                session, now, limit, owner=self.worker_id, lease_until=now + self.lease
            )

    async def _serve(self, endpoint_id: str) -> None:
        try:
            while not self._stopping.is_set():
                batch = await self._load(endpoint_id)
                if batch is None or not batch.items:
                    return
                for item in batch.items:
                    if self._stopping.is_set():
                        return
                    outcome = await self._attempt(batch, item)
                    if not await self._record(endpoint_id, batch.workspace_id, item, outcome):
                        return
        except Exception:
            log.exception("webhook sender for %s failed; its lease will expire", endpoint_id)
        finally:
            with contextlib.suppress(Exception):
                await self._release(endpoint_id)

    async def _attempt(self, batch: _Batch, item: _Due) -> sender.Outcome:
        assert self._client is not None
        if batch.secret is None:
            return sender.Outcome(
                False, None, "the signing secret cannot be opened (TIXALLO_SECRET_KEY?)", 0
            )
        if item.body is None:
            return sender.Outcome(False, None, item.unavailable, 0)
        headers = signing.signed_headers(batch.secret, item.event_id, int(time.time()), item.body)
        return await sender.send(
            self._client,
            batch.url,
            headers,
            item.body,
            allow_private=self.settings.webhook_allow_private,
            timeout=self.settings.webhook_timeout_seconds,
        )

    async def _load(self, endpoint_id: str) -> _Batch | None:
        async with self.db.transaction(write=False) as session:
            endpoint = await queue.leased_endpoint(session, endpoint_id, self.worker_id)
            if endpoint is None:
                return None
            rows = await queue.due_deliveries(session, endpoint_id, clock.now(), self.batch_size)
            items = [
                await _due(session, delivery_id, due, payload_format, body, event)
                for delivery_id, due, payload_format, body, event in rows
            ]
        try:
            secret: str | None = sealing.open_sealed(
                endpoint.secret_sealed, self.settings.secret_key
            )
        except (sealing.SealError, ValueError):
            log.error("cannot open the signing secret of webhook %s", endpoint_id)
            secret = None
        return _Batch(endpoint.url, secret, endpoint.workspace_id, items)

    async def _record(
        self, endpoint_id: str, workspace_id: str, item: _Due, outcome: sender.Outcome
    ) -> bool:
        """Hand the attempt to the recorder and wait until it is committed; False when this
        sender should stop (endpoint disabled or deleted, lease lost, database trouble)."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self._results.put(_Result(endpoint_id, workspace_id, item, outcome, done))
        return await done

    async def _recorder(self) -> None:
        """Group commit: the attempts finished meanwhile, across all endpoints, are stored
        in one transaction. Each sender waits for its own commit before its next send, so
        a crash can repeat at most the one attempt per endpoint that was in flight."""
        while True:
            first = await self._results.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while not self._results.empty() and len(batch) < RECORD_BATCH:
                more = self._results.get_nowait()
                if more is None:
                    stop = True
                    break
                batch.append(more)
            try:
                verdicts = await self._store(batch)
            except Exception:
                log.exception("recording %d webhook attempts failed", len(batch))
                verdicts = [False] * len(batch)
            for result, keep in zip(batch, verdicts, strict=True):
                if not result.done.done():
                    result.done.set_result(keep)
            if stop:
                return

    async def _store(self, batch: list[_Result]) -> list[bool]:
        delays = self.settings.webhook_retry_delays
        threshold = self.settings.webhook_breaker_threshold
        async with self.db.transaction(write=True) as session:
            now = clock.now()
            # Endpoints before deliveries, each in id order: the order the API locks in.
            endpoints = await queue.lock_endpoints(session, list({r.endpoint_id for r in batch}))
            deliveries = await queue.lock_deliveries(
                session, list({r.item.delivery_id for r in batch})
            )
            verdicts = []
            for result in batch:
                endpoint = endpoints.get(result.endpoint_id)
                delivery = deliveries.get(result.item.delivery_id)
                if delivery is None or endpoint is None:
                    verdicts.append(False)
                    continue
                attempt = policy.apply_attempt(
                    now,
                    endpoint,
                    delivery,
                    result.outcome,
                    workspace_id=result.workspace_id,
                    due_at=result.item.due_at,
                    delays=delays,
                    threshold=threshold,
                )
                session.add(attempt)
                if endpoint.lease_owner != self.worker_id:
                    verdicts.append(False)
                    continue
                endpoint.lease_until = now + self.lease
                verdicts.append(endpoint.enabled)
        return verdicts

    async def _release(self, endpoint_id: str) -> None:
        async with self.db.transaction(write=True) as session:
            await queue.release_lease(session, endpoint_id, self.worker_id, clock.now())


class BackgroundWorker:
    """A :class:`Worker` running as a task of the server's event loop."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.task = asyncio.create_task(worker.run(), name="webhook worker")

    async def close(self) -> None:
        self.worker.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


def in_process_worker(settings: Settings, db: Database) -> BackgroundWorker | None:
    """Start the worker inside this server process when the settings ask for it: by
    default on the embedded SQLite database, where the server is the only process."""
    wanted = settings.run_worker_in_process
    if wanted is None:
        wanted = settings.is_sqlite
    return BackgroundWorker(Worker(db, settings)) if wanted else None


async def _due(
    session: AsyncSession,
    delivery_id: str,
    due: datetime | None,
    payload_format: str,
    body: str | None,
    event: Event,
) -> _Due:
    """What one delivery sends: its stored body (tacohelp, rendered at fan-out), the event
    as v1 shows it (tixallo), or a tacohelp body rendered now when fan-out could not."""
    if body is not None:
        return _Due(delivery_id, event.id, body.encode(), due)
    if payload_format != TACOHELP:
        return _Due(delivery_id, event.id, signing.encode_body(event_payload(event)), due)
    try:
        rendered = await formats.body_at_send_time(session, event)
    except formats.PayloadUnavailable as exc:
        return _Due(delivery_id, event.id, None, due, unavailable=str(exc))
    return _Due(delivery_id, event.id, rendered, due)
