"""Idempotency-Key on POST: a retry answers the first response and creates nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from tests.support.tenants import Tenant, ticket_body
from tixallo import clock

pytestmark = pytest.mark.usefixtures("db")


async def ticket_count(client: httpx.AsyncClient, tenant: Tenant) -> int:
    return len((await client.get("/api/v1/tickets", headers=tenant.headers)).json()["data"])


async def test_retry_with_same_key_replays_the_first_response(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "create-1"}
    first = await client.post("/api/v1/tickets", json=ticket_body(), headers=headers)
    second = await client.post("/api/v1/tickets", json=ticket_body(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert await ticket_count(client, tenant) == 1


async def test_same_key_with_another_body_is_409(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "create-2"}
    await client.post("/api/v1/tickets", json=ticket_body(), headers=headers)
    other = await client.post("/api/v1/tickets", json=ticket_body(subject="Else"), headers=headers)
    assert other.status_code == 409
    assert other.json()["error"]["param"] == "Idempotency-Key"
    assert await ticket_count(client, tenant) == 1


async def test_keys_are_per_workspace(client: httpx.AsyncClient, tenants: object) -> None:
    from tests.support.tenants import TenantFactory

    assert isinstance(tenants, TenantFactory)
    a, b = await tenants(), await tenants()
    for t in (a, b):
        response = await client.post(
            "/api/v1/tickets", json=ticket_body(), headers={**t.headers, "Idempotency-Key": "same"}
        )
        assert response.status_code == 201
        assert "idempotent-replayed" not in response.headers


async def test_a_failed_request_does_not_burn_the_key(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "retry-after-fix"}
    bad = await client.post("/api/v1/tickets", json=ticket_body(priority="nope"), headers=headers)
    assert bad.status_code == 400
    good = await client.post("/api/v1/tickets", json=ticket_body(priority="nope"), headers=headers)
    assert good.status_code == 400  # still validated, never stored
    fixed = await client.post(
        "/api/v1/tickets", json=ticket_body(), headers={**headers, "Idempotency-Key": "fixed"}
    )
    assert fixed.status_code == 201


async def test_key_expires_after_24_hours(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "old"}
    await client.post("/api/v1/tickets", json=ticket_body(), headers=headers)
    later = clock.now() + timedelta(hours=24, minutes=1)
    clock.set_clock(lambda: later)
    try:
        again = await client.post("/api/v1/tickets", json=ticket_body(), headers=headers)
    finally:
        clock.set_clock(None)
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert await ticket_count(client, tenant) == 2


async def test_overlong_key_is_400(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        "/api/v1/tickets",
        json=ticket_body(),
        headers={**tenant.headers, "Idempotency-Key": "k" * 300},
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "Idempotency-Key"


async def test_message_posts_are_idempotent_too(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ticket = (
        await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
    ).json()
    url = f"/api/v1/tickets/{ticket['data']['id']}/messages"
    headers = {**tenant.headers, "Idempotency-Key": "msg-1"}
    first = await client.post(url, json={"body": "hello"}, headers=headers)
    second = await client.post(url, json={"body": "hello"}, headers=headers)
    assert second.json() == first.json()
    listed = (await client.get(url, headers=tenant.headers)).json()["data"]
    assert [m["body"] for m in listed].count("hello") == 1


async def test_parallel_requests_with_one_key_create_exactly_one_ticket(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "race"}
    responses = await asyncio.gather(
        *(client.post("/api/v1/tickets", json=ticket_body(), headers=headers) for _ in range(25))
    )
    statuses = [r.status_code for r in responses]
    assert all(s < 500 for s in statuses), statuses
    created = {r.json()["data"]["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    # Anything not 201 is the documented "still in progress" 409, never a second ticket.
    assert set(statuses) <= {201, 409}
    assert await ticket_count(client, tenant) == 1
