"""Prometheus metrics, served at ``/metrics``.

Other modules import the instruments they feed (``WEBHOOK_ATTEMPTS`` for the webhook worker,
``RATE_LIMIT_REFUSALS`` for the rate limiter). The outbox depth is read when scraped, through
``set_outbox_depth_probe`` (the webhook worker installs the query for "events not yet
delivered"; until then the size of the ``events`` table is reported).

With ``tixallo serve --workers N`` each worker keeps its own numbers. Set
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's own variable, read by the library itself) to
an empty, writable directory before starting, and every scrape sums all workers.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from tixallo.db import Database

log = logging.getLogger("tixallo.metrics")

# The *_created series double every family and say nothing a dashboard uses.
disable_created_metrics()  # type: ignore[no-untyped-call]

HTTP_REQUESTS = Counter(
    "tixallo_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "tixallo_http_request_duration_seconds",
    "Time from receiving a request to finishing its response, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RATE_LIMIT_REFUSALS = Counter(
    "tixallo_rate_limit_refusals",
    "Requests refused with 429: 'key' (a key's budget) or 'failed_auth' (an address's).",
    ["reason"],
)
RATE_LIMIT_FALLBACKS = Counter(
    "tixallo_rate_limit_redis_fallbacks",
    "Rate-limit decisions taken in process memory because Redis was unreachable.",
)
OUTBOX_DEPTH = Gauge(
    "tixallo_outbox_depth",
    "Events in the outbox not yet delivered (read when scraped).",
    multiprocess_mode="max",
)
WEBHOOK_ATTEMPTS = Counter(
    "tixallo_webhook_attempts",
    "Webhook delivery attempts by outcome (e.g. delivered, failed, timeout, breaker_open).",
    ["outcome"],
)

OutboxProbe = Callable[[AsyncSession], Awaitable[int]]


async def _events_table_size(session: AsyncSession) -> int:
    from tixallo.events.models import Event

    return int((await session.execute(select(func.count()).select_from(Event))).scalar_one())


_outbox_probe: OutboxProbe = _events_table_size


def set_outbox_depth_probe(probe: OutboxProbe) -> None:
    """Replace how the outbox depth is counted (a read-only query, run at each scrape)."""
    global _outbox_probe
    _outbox_probe = probe


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


async def render(db: Database) -> Response:
    """The /metrics response. A failing outbox query leaves the gauge as it was."""
    try:
        async with db.transaction(write=False) as session:
            OUTBOX_DEPTH.set(await _outbox_probe(session))
    except Exception as exc:  # a scrape must answer even when the database does not
        log.warning("outbox depth unavailable: %s", type(exc).__name__)
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)


def route_template(scope: MutableMapping[str, Any], root_path: str) -> str:
    """The matched route's template (``/api/v1/tickets/{ticket_id}``), never the raw path,
    so label values stay few. Unmatched paths count as ``unmatched``."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return "unmatched"
    mounted = str(scope.get("root_path", ""))[len(root_path) :]
    return mounted + template


class MetricsMiddleware:
    """Pure ASGI: counts every HTTP request by route template and status, and times it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root_path = str(scope.get("root_path", ""))
        started = time.perf_counter()
        status = 500

        async def send_and_watch(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            route = route_template(scope, root_path)
            method = str(scope.get("method", ""))
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)
