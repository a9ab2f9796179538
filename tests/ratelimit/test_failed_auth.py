"""Failed authentication spends a budget of the client's address, so keys cannot be guessed
at speed; once it is spent, even a valid key from that address waits."""

from __future__ import annotations

import httpx

from tests.support.ratelimit import ClientFactory, bearer
from tests.support.tenants import Tenant
from tixallo.app import create_app
from tixallo.config import Settings
from tixallo.db import Database

WRONG_KEY = "th_" + "x" * 43


async def test_failures_beyond_the_budget_are_refused(
    app_client: ClientFactory, tenant: Tenant
) -> None:
    async with app_client(failed_auth_rate_limit="3/60", client_address="10.1.1.1") as client:
        failures = [
            await client.get("/api/v1/tickets", headers=bearer(WRONG_KEY)) for _ in range(3)
        ]
        assert [r.status_code for r in failures] == [401, 401, 401]
        assert [r.headers["X-RateLimit-Remaining"] for r in failures] == ["2", "1", "0"]
        assert {r.headers["X-RateLimit-Limit"] for r in failures} == {"3"}

        refused = await client.get("/api/v1/tickets", headers=bearer(WRONG_KEY))
        assert refused.status_code == 429
        assert refused.json()["error"]["type"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 61

        # A right guess from the blocked address learns nothing either.
        valid = await client.get("/api/v1/tickets", headers=tenant.headers)
        assert valid.status_code == 429
        assert "failed authentication" in valid.json()["error"]["message"]


async def test_missing_and_malformed_credentials_count_as_failures(
    app_client: ClientFactory,
) -> None:
    async with app_client(failed_auth_rate_limit="2/60", client_address="10.1.1.2") as client:
        codes = [
            (await client.get("/api/v1/tickets")).status_code,
            (
                await client.get("/api/v1/tickets", headers={"Authorization": "Basic abc"})
            ).status_code,
            (await client.get("/api/v1/tickets", headers=bearer("nope"))).status_code,
        ]
    assert codes == [401, 401, 429]


async def test_other_addresses_are_not_blocked(
    database_url: str, db: Database, tenant: Tenant
) -> None:
    app = create_app(Settings(database_url=database_url, failed_auth_rate_limit="1/60"), db=db)

    def client_from(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://tixallo.test")

    async with client_from("10.1.1.3") as attacker, client_from("10.1.1.4") as other:
        for _ in range(2):
            await attacker.get("/api/v1/tickets", headers=bearer(WRONG_KEY))
        assert (await attacker.get("/api/v1/tickets", headers=tenant.headers)).status_code == 429
        ok = await other.get("/api/v1/tickets", headers=tenant.headers)
    assert ok.status_code == 200
    assert ok.headers["X-RateLimit-Limit"] == "100"


async def test_successful_requests_spend_nothing_of_the_failure_budget(
    app_client: ClientFactory, tenant: Tenant
) -> None:
    async with app_client(failed_auth_rate_limit="1/60", client_address="10.1.1.5") as client:
        for _ in range(5):
            assert (await client.get("/api/v1/tickets", headers=tenant.headers)).status_code == 200
        first_failure = await client.get("/api/v1/tickets", headers=bearer(WRONG_KEY))
    assert first_failure.status_code == 401
