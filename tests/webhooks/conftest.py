"""A real HTTP receiver on localhost, a worker running in the test's loop, and helpers.

The receiver is ``http.server`` in a thread: independent of the event loop the worker runs
in, so a slow or hanging answer really is slow for the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.webhooks.worker import Worker

FAST_RETRIES = [0.05, 0.1, 0.2]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class Receiver:
    """Records every request and every TCP connection; ``reply`` decides each answer."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.connections = 0
        self.reply: Callable[[Received], Reply] = lambda _r: Reply()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                got = Received(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                    time.monotonic(),
                )
                with receiver.lock:
                    receiver.requests.append(got)
                answer = receiver.reply(got)
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the worker gave up waiting

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def process_request(self, request: Any, client_address: Any) -> None:
                with receiver.lock:
                    receiver.connections += 1
                super().process_request(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ids(self, path: str | None = None) -> list[str]:
        with self.lock:
            return [
                r.headers["webhook-id"] for r in self.requests if path is None or r.path == path
            ]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def make_receiver() -> Iterator[Callable[[], Receiver]]:
    made: list[Receiver] = []

    def make() -> Receiver:
        made.append(Receiver())
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        webhook_allow_private=True,
        webhook_retry_delays=FAST_RETRIES,
        webhook_timeout_seconds=2.0,
    )


@contextlib.asynccontextmanager
async def running_worker(db: Database, settings: Settings, **kwargs: Any) -> AsyncIterator[Worker]:
    """A worker delivering in the background of the test's loop until the block ends."""
    worker = Worker(db, settings, poll_interval=0.02, **kwargs)
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await asyncio.wait_for(task, 30)


async def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the condition")
        await asyncio.sleep(0.02)


async def create_webhook(
    client: httpx.AsyncClient, tenant: Tenant, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhooks",
        json={"url": url, "events": events or ["*"]},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def create_ticket(client: httpx.AsyncClient, tenant: Tenant, **overrides: Any) -> str:
    from tests.conftest import ticket_body

    response = await client.post(
        "/api/v1/tickets", json=ticket_body(**overrides), headers=tenant.headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])
