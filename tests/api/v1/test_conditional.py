"""ETag on GETs and If-None-Match -> 304 with no body."""

from __future__ import annotations

import httpx
import pytest

from tests.support.tenants import Tenant, ticket_body

pytestmark = pytest.mark.usefixtures("db")


async def test_etag_and_304(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ticket = (
        await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
    ).json()
    url = f"/api/v1/tickets/{ticket['data']['id']}"
    first = await client.get(url, headers=tenant.headers)
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "private, no-cache"
    again = await client.get(url, headers={**tenant.headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b"" and again.headers["etag"] == etag
    weak = await client.get(url, headers={**tenant.headers, "If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    await client.patch(url, json={"priority": "low"}, headers=tenant.headers)
    changed = await client.get(url, headers={**tenant.headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_errors_carry_no_etag(client: httpx.AsyncClient, tenant: Tenant) -> None:
    missing = await client.get(
        "/api/v1/tickets/tkt_nope", headers={**tenant.headers, "If-None-Match": "*"}
    )
    assert missing.status_code == 404 and "etag" not in missing.headers


async def test_a_stale_tag_does_not_hide_another_workspace(
    client: httpx.AsyncClient, tenants: object
) -> None:
    from tests.support.tenants import TenantFactory

    assert isinstance(tenants, TenantFactory)
    a, b = await tenants(), await tenants()
    ticket = (await client.post("/api/v1/tickets", json=ticket_body(), headers=b.headers)).json()
    url = f"/api/v1/tickets/{ticket['data']['id']}"
    response = await client.get(url, headers={**a.headers, "If-None-Match": "*"})
    assert response.status_code == 404


async def test_a_304_is_not_counted_against_the_rate_limit(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:

    ticket = (
        await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
    ).json()
    url = f"/api/v1/tickets/{ticket['data']['id']}"
    first = await client.get(url, headers=tenant.headers)
    remaining = int(first.headers["x-ratelimit-remaining"])
    assert first.headers["ratelimit-policy"] == '"default";q=100;w=60, "revalidation";q=100;w=60'
    assert first.headers["ratelimit"].startswith(f'"default";r={remaining};t=')
    etag = first.headers["etag"]
    for _ in range(5):
        not_modified = await client.get(url, headers={**tenant.headers, "If-None-Match": etag})
        assert not_modified.status_code == 304
        assert int(not_modified.headers["x-ratelimit-remaining"]) == remaining
    changed = await client.get(url, headers={**tenant.headers, "If-None-Match": '"stale"'})
    assert changed.status_code == 200
    assert int(changed.headers["x-ratelimit-remaining"]) == remaining - 1
    plain = await client.get(url, headers=tenant.headers)
    assert int(plain.headers["x-ratelimit-remaining"]) == remaining - 2
