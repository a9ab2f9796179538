"""Per-key budgets: 100 requests per 60-second moving window by default, per-key overrides,
the headers on every authenticated response, and 429s that do no work."""

from __future__ import annotations

import asyncio
import time

import httpx
from sqlalchemy import func, select

from tests.support.ratelimit import ClientFactory, bearer, make_key
from tests.support.tenants import Tenant, TenantFactory, ticket_body
from tixallo.db import Database
from tixallo.events.models import Event
from tixallo.tickets.models import Ticket


def limit_headers(response: httpx.Response) -> tuple[int, int, int]:
    return (
        int(response.headers["X-RateLimit-Limit"]),
        int(response.headers["X-RateLimit-Remaining"]),
        int(response.headers["X-RateLimit-Reset"]),
    )


async def test_101st_request_within_60_seconds_is_refused(
    app_client: ClientFactory, tenant: Tenant
) -> None:
    async with app_client() as client:
        started = time.time()
        for n in range(1, 101):
            ok = await client.get("/api/v1/tickets", headers=tenant.headers)
            assert ok.status_code == 200, ok.text
            limit, remaining, reset = limit_headers(ok)
            assert (limit, remaining) == (100, 100 - n)
            assert started <= reset <= time.time() + 61
        refused = await client.get("/api/v1/tickets", headers=tenant.headers)

    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["type"] == "rate_limited"
    assert "100 requests per 60 seconds" in error["message"]
    assert error["request_id"] == refused.headers["X-Request-Id"]
    limit, remaining, reset = limit_headers(refused)
    assert (limit, remaining) == (100, 0)
    retry_after = int(refused.headers["Retry-After"])
    # The first request leaves the window 60 s after it was made: that is when one is allowed.
    assert 1 <= retry_after <= 60
    assert started + 59 <= reset <= started + 62
    assert abs(reset - (time.time() + retry_after)) <= 2


async def test_budget_frees_as_the_window_slides(
    app_client: ClientFactory, db: Database, tenant: Tenant
) -> None:
    key = await make_key(db, tenant, rate_limit="5/2")
    async with app_client() as client:

        async def statuses(count: int) -> list[int]:
            return [
                (await client.get("/api/v1/tickets", headers=bearer(key))).status_code
                for _ in range(count)
            ]

        first = time.monotonic()
        assert await statuses(3) == [200, 200, 200]
        await asyncio.sleep(1.1)
        assert await statuses(2) == [200, 200]
        refused = await client.get("/api/v1/tickets", headers=bearer(key))
        assert refused.status_code == 429
        assert limit_headers(refused)[:2] == (5, 0)
        assert 1 <= int(refused.headers["Retry-After"]) <= 2

        # Past the first three requests' 2 s, but not the last two's: a moving window frees
        # exactly three places (a fixed window would free all five, or none).
        await asyncio.sleep(max(0.0, first + 2.25 - time.monotonic()))
        assert await statuses(4) == [200, 200, 200, 429]


async def test_each_key_spends_its_own_budget(
    app_client: ClientFactory, db: Database, tenants: TenantFactory
) -> None:
    tenant = await tenants()
    other_tenant = await tenants()
    small = await make_key(db, tenant, rate_limit="2/60")
    default_key = await make_key(db, tenant)
    async with app_client() as client:
        for _ in range(2):
            assert (await client.get("/api/v1/tickets", headers=bearer(small))).status_code == 200
        refused = await client.get("/api/v1/tickets", headers=bearer(small))
        assert refused.status_code == 429
        assert refused.headers["X-RateLimit-Limit"] == "2"

        same_workspace = await client.get("/api/v1/tickets", headers=bearer(default_key))
        assert same_workspace.status_code == 200
        assert limit_headers(same_workspace)[:2] == (100, 99)
        other = await client.get("/api/v1/tickets", headers=other_tenant.headers)
        assert other.status_code == 200
        assert limit_headers(other)[:2] == (100, 99)


async def test_global_budget_comes_from_settings(app_client: ClientFactory, tenant: Tenant) -> None:
    async with app_client(rate_limit="3/60") as client:
        codes = [
            (await client.get("/api/v1/tickets", headers=tenant.headers)).status_code
            for _ in range(4)
        ]
    assert codes == [200, 200, 200, 429]


async def test_error_responses_carry_the_headers_too(
    app_client: ClientFactory, tenant: Tenant
) -> None:
    async with app_client() as client:
        missing = await client.get("/api/v1/tickets/tkt_nope", headers=tenant.headers)
        invalid = await client.post("/api/v1/tickets", json={"subject": ""}, headers=tenant.headers)
    assert missing.status_code == 404
    assert invalid.status_code == 400
    assert limit_headers(missing)[:2] == (100, 99)
    assert limit_headers(invalid)[:2] == (100, 98)
    for response in (missing, invalid):
        assert response.headers["Cache-Control"] == "no-store"
        assert "Retry-After" not in response.headers


async def _counts(db: Database) -> tuple[int, int]:
    async with db.transaction(write=False) as session:
        tickets = (await session.execute(select(func.count()).select_from(Ticket))).scalar_one()
        events = (await session.execute(select(func.count()).select_from(Event))).scalar_one()
    return int(tickets), int(events)


async def test_refused_request_changes_nothing(
    app_client: ClientFactory, db: Database, tenant: Tenant
) -> None:
    key = await make_key(db, tenant, rate_limit="1/60")
    async with app_client() as client:
        created = await client.post("/api/v1/tickets", json=ticket_body(), headers=bearer(key))
        assert created.status_code == 201, created.text
        before = await _counts(db)
        refused = await client.post(
            "/api/v1/tickets",
            json=ticket_body(subject="Refused"),
            headers={**bearer(key), "Idempotency-Key": "refused-1"},
        )
        assert refused.status_code == 429
        assert await _counts(db) == before
        # The refused idempotency key was not recorded: with budget, it creates the ticket.
        retried = await client.post(
            "/api/v1/tickets",
            json=ticket_body(subject="Refused"),
            headers={**tenant.headers, "Idempotency-Key": "refused-1"},
        )
    assert retried.status_code == 201, retried.text
    assert retried.json()["data"]["subject"] == "Refused"


async def test_invalid_budget_setting_is_refused_at_start(database_url: str, db: Database) -> None:
    from tixallo.app import create_app
    from tixallo.config import Settings
    from tixallo.errors import Invalid

    for bad in ("100", "0/60", "ten/60", "100/0"):
        try:
            create_app(Settings(database_url=database_url, rate_limit=bad), db=db)
        except Invalid as exc:
            assert exc.param == "TIXALLO_RATE_LIMIT"
        else:
            raise AssertionError(f"{bad!r} was accepted")
