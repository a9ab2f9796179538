"""Retries against a real server: 429 with Retry-After, lost answers, 5xx."""

from __future__ import annotations

import time
import uuid

import httpx

from tests.support.cli import last_line, run_tixallo
from tests.support.live import LiveServer
from tixallo.client import Tixallo


def tiny_budget_key(server: LiveServer) -> str:
    return last_line(
        run_tixallo(
            server.env,
            "key",
            "create",
            "--workspace",
            server.slug,
            "--scopes",
            "*",
            "--name",
            f"tiny-{uuid.uuid4().hex[:6]}",
            "--rate-limit",
            "2/2",
        )
    )


def test_429_waits_retry_after_and_reuses_the_idempotency_key(server: LiveServer) -> None:
    key = tiny_budget_key(server)
    answers: list[httpx.Response] = []
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    http = httpx.Client(event_hooks={"response": [answers.append]})
    with Tixallo(key, server.url, http_client=http, sleep=sleep) as client:
        client.inboxes.list()
        client.inboxes.list()  # the budget of 2 is spent
        ticket = client.tickets.create(subject="Throttled", customer_email="slow@example.com")
    posts = [r for r in answers if r.request.method == "POST"]
    assert posts[0].status_code == 429
    assert posts[-1].status_code == 201 and ticket["subject"] == "Throttled"
    # It waited what the server asked, and sent the same Idempotency-Key each time.
    assert waits and waits[0] == float(posts[0].headers["retry-after"]) >= 1
    keys = {r.request.headers["idempotency-key"] for r in posts}
    assert len(keys) == 1 and uuid.UUID(keys.pop()).version == 4


def test_429_is_raised_once_retries_are_spent(server: LiveServer) -> None:
    key = tiny_budget_key(server)
    with Tixallo(key, server.url, max_retries=0) as client:
        client.inboxes.list()
        client.inboxes.list()
        try:
            client.inboxes.list()
        except Exception as exc:  # the client's error, with the body's fields
            assert getattr(exc, "status", None) == 429
            assert getattr(exc, "type", None) == "rate_limited"
            assert int(getattr(exc, "headers", {})["retry-after"]) >= 1
        else:
            raise AssertionError("a spent budget was not refused")


class LoseFirstAnswer(httpx.BaseTransport):
    """The real transport, except that the first answer is lost on its way back: the server
    did the work, the client sees a dropped connection."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        response = self.real.handle_request(request)
        if len(self.sent) == 1:
            response.read()
            response.close()
            raise httpx.ReadError("connection reset", request=request)
        return response


def test_a_lost_answer_is_retried_without_creating_twice(server: LiveServer) -> None:
    transport = LoseFirstAnswer()
    email = f"lost-{uuid.uuid4().hex[:8]}@example.com"
    with Tixallo(
        server.key, server.url, http_client=httpx.Client(transport=transport), backoff=0.01
    ) as client:
        ticket = client.tickets.create(subject="Sent once", customer_email=email)
        tickets = client.tickets.list(customer_email=email).data
    posts = [r for r in transport.sent if r.method == "POST"]
    assert len(posts) == 2
    assert posts[0].headers["idempotency-key"] == posts[1].headers["idempotency-key"]
    assert [t["id"] for t in tickets] == [ticket["id"]]


class FirstAnswer503(httpx.BaseTransport):
    """A load balancer that answers 503 once (no Retry-After), then passes requests on."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls == 1:
            return httpx.Response(503, text="<html>upstream unavailable</html>")
        return self.real.handle_request(request)


def test_5xx_is_retried_with_backoff(server: LiveServer) -> None:
    waits: list[float] = []
    transport = FirstAnswer503()
    with Tixallo(
        server.key,
        server.url,
        http_client=httpx.Client(transport=transport),
        backoff=0.2,
        sleep=waits.append,
    ) as client:
        assert client.inboxes.list()
    assert transport.calls == 2 and len(waits) == 1 and 0 <= waits[0] <= 0.2


def test_connection_refused_gives_up_after_max_retries() -> None:
    waits: list[float] = []
    with Tixallo("th_" + "x" * 43, "http://127.0.0.1:9", max_retries=3, sleep=waits.append) as c:
        try:
            c.inboxes.list()
        except httpx.ConnectError:
            pass
        else:
            raise AssertionError("no server, yet an answer")
    assert len(waits) == 3
    assert all(0 <= w <= 0.5 * 2**n for n, w in enumerate(waits))
