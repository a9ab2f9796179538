"""/metrics in the Prometheus text format, /healthz and /readyz, and the log formats."""

from __future__ import annotations

import io
import json
import logging

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.ratelimit import ClientFactory, bearer, make_key
from tests.support.tenants import Tenant, ticket_body
from tixallo import metrics
from tixallo.db import Database
from tixallo.logging_config import JsonFormatter, TextFormatter, dict_config, resolve_format


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_requests_by_route_template_and_status(
    app_client: ClientFactory, db: Database, tenant: Tenant
) -> None:
    small = await make_key(db, tenant, rate_limit="1/60")
    async with app_client() as client:
        before = samples((await client.get("/metrics")).text)
        created = await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
        ticket_id = created.json()["data"]["id"]
        await client.get(f"/api/v1/tickets/{ticket_id}", headers=tenant.headers)
        await client.get("/api/v1/tickets/tkt_missing", headers=tenant.headers)
        await client.get("/api/v1/tickets", headers=bearer(small))
        await client.get("/api/v1/tickets", headers=bearer(small))
        await client.get("/api/v1/no/such/route", headers=tenant.headers)
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    after = samples(response.text)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "tixallo_http_requests_total"
    one = "/api/v1/tickets/{ticket_id}"
    assert grew(requests, method="POST", route="/api/v1/tickets", status="201") == 1
    assert grew(requests, method="GET", route=one, status="200") == 1
    assert grew(requests, method="GET", route=one, status="404") == 1
    assert grew(requests, method="GET", route="/api/v1/tickets", status="429") == 1
    assert grew(requests, method="GET", route="unmatched", status="404") >= 1
    # Raw ids never become label values.
    assert ticket_id not in response.text
    assert grew("tixallo_rate_limit_refusals_total", reason="key") == 1
    latency = "tixallo_http_request_duration_seconds_count"
    assert grew(latency, method="GET", route=one) == 2
    assert value(after, "tixallo_outbox_depth") >= 1  # the ticket.created event


async def test_webhook_attempts_counter_is_importable_and_exported(
    client: httpx.AsyncClient,
) -> None:
    metrics.WEBHOOK_ATTEMPTS.labels("delivered").inc(0)
    text = (await client.get("/metrics")).text
    assert 'tixallo_webhook_attempts_total{outcome="delivered"}' in text


async def test_outbox_depth_probe_can_be_replaced(client: httpx.AsyncClient) -> None:
    async def fixed(_session: object) -> int:
        return 42

    try:
        metrics.set_outbox_depth_probe(fixed)  # type: ignore[arg-type]
        text = (await client.get("/metrics")).text
    finally:
        metrics.set_outbox_depth_probe(metrics._events_table_size)
    assert "tixallo_outbox_depth 42.0" in text


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    ready = await client.get("/readyz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"
    assert "redis" not in ready.json()["checks"]  # not configured


def record(message: str, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("tixallo.requests", logging.INFO, __file__, 1, message, None, None)
    for key, val in extra.items():
        setattr(rec, key, val)
    return rec


def test_json_format_is_one_object_per_line_with_the_request_fields() -> None:
    line = JsonFormatter().format(
        record(
            "request",
            request_id="req_1",
            method="GET",
            route="/api/v1/tickets",
            status=200,
            duration_ms=1.5,
            workspace_id="ws_1",
            key_prefix="th_abcdef",
        )
    )
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "request" and entry["level"] == "info"
    assert entry["status"] == 200 and entry["route"] == "/api/v1/tickets"
    assert entry["key_prefix"] == "th_abcdef"


def test_text_format_reads_as_a_request_line() -> None:
    line = TextFormatter().format(
        record("request", method="GET", route="/api/v1/tickets", status=200, duration_ms=1.5)
    )
    assert "GET /api/v1/tickets -> 200 1.5 ms" in line


def test_auto_format_is_text_on_a_terminal_and_json_elsewhere() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert resolve_format("auto", stream=Tty()) == "text"
    assert resolve_format("auto", stream=io.StringIO()) == "json"
    assert resolve_format("JSON") == "json"
    assert resolve_format("text", stream=io.StringIO()) == "text"
    try:
        resolve_format("xml")
    except ValueError as exc:
        assert "auto, json or text" in str(exc)
    else:
        raise AssertionError("xml was accepted")
    config = dict_config("json")
    assert config["formatters"]["default"]["()"].endswith("JsonFormatter")
    assert config["loggers"]["uvicorn.access"]["propagate"] is False
