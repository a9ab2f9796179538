"""Input bounds the schemas cannot express, on both APIs: nesting depth, characters no
database stores, oversized bodies; and the security headers on every response."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support.tenants import Tenant, ticket_body

EXTERNAL_TICKET = {
    "subject": "Login page shows blank screen",
    "description": "When I try to log in using Safari...",
    "priority": "HIGH",
    "createdByEmail": "client@example.com",
    "tags": ["bug"],
}


def nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = [value]
    return value


async def post_raw(
    client: httpx.AsyncClient, tenant: Tenant, path: str, raw: str
) -> httpx.Response:
    headers = {**tenant.headers, "Content-Type": "application/json"}
    return await client.post(path, content=raw.encode(), headers=headers)


async def ticket_count(client: httpx.AsyncClient, tenant: Tenant) -> int:
    listed = await client.get("/api/external/tickets", headers=tenant.headers)
    assert listed.status_code == 200, listed.text
    return int(listed.json()["total"])


@pytest.mark.parametrize("depth", [40, 5_000, 200_000])
async def test_deep_nesting_is_a_clear_400(
    client: httpx.AsyncClient, tenant: Tenant, depth: int
) -> None:
    raw = json.dumps(ticket_body(tags=["x"]))[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"
    response = await post_raw(client, tenant, "/api/v1/tickets", raw)
    assert response.status_code == 400
    assert "nests deeper than 32 levels" in response.json()["error"]["message"]
    assert await ticket_count(client, tenant) == 0


async def test_nesting_within_the_bound_reaches_the_schema(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = ticket_body(tags=nested(10))
    response = await client.post("/api/v1/tickets", json=body, headers=tenant.headers)
    assert response.status_code == 400
    assert response.json()["error"]["param"].startswith("tags")


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/api/v1/tickets", ticket_body(subject="a\x00b"), "subject"),
        ("/api/v1/tickets", ticket_body(body="x\x00"), "body"),
        ("/api/v1/tickets", ticket_body(customer={"email": "a\x00@b.com"}), "customer.email"),
        (
            "/api/v1/tickets",
            ticket_body(customer={"email": "a@b.com", "name": "\x00"}),
            "customer.name",
        ),
        ("/api/v1/tickets", ticket_body(tags=["ok", "b\x00d"]), "tags.1"),
        ("/api/external/tickets", {**EXTERNAL_TICKET, "subject": "\x00"}, "subject"),
        (
            "/api/external/tickets",
            {**EXTERNAL_TICKET, "createdByEmail": "\x00@x.io"},
            "createdByEmail",
        ),
    ],
)
async def test_nul_characters_are_refused_naming_the_field(
    client: httpx.AsyncClient, tenant: Tenant, path: str, body: dict[str, object], param: str
) -> None:
    response = await client.post(path, json=body, headers=tenant.headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == param
    assert "NUL" in error["message"]
    assert await ticket_count(client, tenant) == 0


async def test_unpaired_surrogates_are_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    raw = json.dumps(ticket_body()).replace('"Login page', '"\\ud800Login page')
    response = await post_raw(client, tenant, "/api/v1/tickets", raw)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "subject"
    paired = json.dumps(ticket_body(subject="Smile \U0001f600"))
    assert (await post_raw(client, tenant, "/api/v1/tickets", paired)).status_code == 201


@pytest.mark.parametrize(
    "url",
    ["/api/v1/tickets/tkt_%00", "/api/v1/tickets?status=%00", "/api/external/tickets?status=a%00"],
)
async def test_nul_in_the_url_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, url: str
) -> None:
    response = await client.get(url, headers=tenant.headers)
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (ticket_body(subject="s" * 501), "subject"),
        (ticket_body(body="b" * 65_537), "body"),
        (ticket_body(tags=[f"t{n}" for n in range(21)]), "tags"),
        (ticket_body(tags=["t" * 65]), "tags"),
        (ticket_body(customer={"email": "a@b.com", "name": "n" * 201}), "customer.name"),
        (ticket_body(customer={"email": "a" * 300 + "@b.com"}), "customer.email"),
    ],
)
async def test_string_and_list_bounds_are_clear_400s(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, object], param: str
) -> None:
    response = await client.post("/api/v1/tickets", json=body, headers=tenant.headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param
    assert await ticket_count(client, tenant) == 0


async def test_body_over_one_mebibyte_is_refused_unread(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    big = json.dumps(ticket_body(body="b" * (1024 * 1024)))
    declared = await post_raw(client, tenant, "/api/v1/tickets", big)
    assert declared.status_code == 413

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 65_536

    headers = {**tenant.headers, "Content-Type": "application/json"}
    chunked = await client.post("/api/v1/tickets", content=chunks(), headers=headers)
    assert chunked.status_code == 413
    assert await ticket_count(client, tenant) == 0


@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/nowhere", "/healthz", "/readyz"])
async def test_security_headers_on_every_response(
    client: httpx.AsyncClient, tenant: Tenant, path: str
) -> None:
    response = await client.get(path, headers=tenant.headers)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Request-Id"]
    if path.startswith("/api/"):
        # Tenant data is never stored by shared caches ("private, no-cache" where ETags apply).
        cache_control = response.headers["Cache-Control"]
        assert "no-store" in cache_control or "private" in cache_control
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
