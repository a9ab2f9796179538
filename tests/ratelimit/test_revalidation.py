"""Conditional GETs are not a way around the budget (issue 13, item 2).

A 304 is not counted in the key's budget, but every conditional GET spends one of a separate
revalidation allowance (as many per window as the budget) before its handler runs; once that
is spent, conditional GETs are counted in the budget like any other request. ``If-None-Match:
*`` is no condition at all on a GET. So a key limited to 5/60 runs at most 5 + 5 handlers per
window, whatever it sends, on both APIs and with the Redis limiter too.

A request refused 429 is refused by the auth dependency, before the handler: every answer
that is not a 429 is a handler that ran.
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.ratelimit import ClientFactory, bearer, make_key
from tests.support.tenants import Tenant
from tixallo.db import Database

BUDGET = 5
ALLOWANCE = BUDGET
PATHS = [
    "/api/v1/tickets?q=invoice",
    "/api/external/tickets",
]


async def hammer(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> list[int]:
    return [(await client.get(path, headers=headers)).status_code for _ in range(40)]


@pytest.mark.parametrize("path", PATHS)
async def test_if_none_match_star_is_an_ordinary_charged_get(
    app_client: ClientFactory, db: Database, tenant: Tenant, path: str
) -> None:
    key = await make_key(db, tenant, rate_limit=f"{BUDGET}/60")
    async with app_client() as client:
        codes = await hammer(client, path, {**bearer(key), "If-None-Match": "*"})
    assert codes == [200] * BUDGET + [429] * (40 - BUDGET)


@pytest.mark.parametrize("path", PATHS)
async def test_revalidating_a_real_tag_runs_at_most_budget_plus_allowance_handlers(
    app_client: ClientFactory, db: Database, tenant: Tenant, path: str
) -> None:
    key = await make_key(db, tenant, rate_limit=f"{BUDGET}/60")
    async with app_client() as client:
        first = await client.get(path, headers=bearer(key))
        codes = await hammer(client, path, {**bearer(key), "If-None-Match": first.headers["etag"]})
    # The allowance answers 304s for free; then each 304 is counted in the budget (one was
    # spent on the first GET); then 429s, which run nothing.
    assert codes == [304] * ALLOWANCE + [304] * (BUDGET - 1) + [429] * (40 - ALLOWANCE - BUDGET + 1)
    assert 1 + codes.count(304) == BUDGET + ALLOWANCE


async def test_both_apis_share_one_allowance(
    app_client: ClientFactory, db: Database, tenant: Tenant
) -> None:
    key = await make_key(db, tenant, rate_limit=f"{BUDGET}/60")
    async with app_client() as client:
        tags = {p: (await client.get(p, headers=bearer(key))).headers["etag"] for p in PATHS}
        codes = []
        for n in range(30):
            path = PATHS[n % 2]
            response = await client.get(path, headers={**bearer(key), "If-None-Match": tags[path]})
            codes.append(response.status_code)
    assert len(codes) - codes.count(429) == BUDGET + ALLOWANCE - 2


async def test_the_allowance_shows_in_the_ietf_headers(
    app_client: ClientFactory, db: Database, tenant: Tenant
) -> None:
    key = await make_key(db, tenant, rate_limit=f"{BUDGET}/60")
    async with app_client() as client:
        plain = await client.get("/api/v1/tickets", headers=bearer(key))
        revalidated = await client.get(
            "/api/v1/tickets", headers={**bearer(key), "If-None-Match": plain.headers["etag"]}
        )
    policy = f'"default";q={BUDGET};w=60, "revalidation";q={ALLOWANCE};w=60'
    assert plain.headers["ratelimit-policy"] == policy
    assert plain.headers["ratelimit"].startswith(f'"default";r={BUDGET - 1};t=')
    assert "revalidation" not in plain.headers["ratelimit"]
    assert revalidated.status_code == 304
    assert revalidated.headers["ratelimit-policy"] == policy
    assert revalidated.headers["x-ratelimit-remaining"] == str(BUDGET - 1)
    default, revalidation = revalidated.headers["ratelimit"].split(", ")
    assert default.startswith(f'"default";r={BUDGET - 1};t=')
    assert revalidation.startswith(f'"revalidation";r={ALLOWANCE - 1};t=')


@pytest.mark.redis
@pytest.mark.parametrize("tag", ["*", "real"])
async def test_redis_limiter_bounds_conditional_gets_across_processes(
    app_client: ClientFactory, db: Database, tenant: Tenant, redis_url: str, tag: str
) -> None:
    key = await make_key(db, tenant, rate_limit=f"{BUDGET}/60")
    path = PATHS[0]
    async with app_client(redis_url=redis_url) as a, app_client(redis_url=redis_url) as b:
        first = await a.get(path, headers=bearer(key))
        condition = "*" if tag == "*" else first.headers["etag"]
        headers = {**bearer(key), "If-None-Match": condition}
        codes = [
            (await (a if n % 2 else b).get(path, headers=headers)).status_code for n in range(40)
        ]
    ran = 1 + len(codes) - codes.count(429)
    assert ran == (BUDGET if tag == "*" else BUDGET + ALLOWANCE)
