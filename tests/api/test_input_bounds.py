"""Forged cursors and out-of-range numbers and datetimes are 400s naming the parameter, on
both databases (issue 13, item 3): before, each of these reached a driver and was a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.support import hostile
from tests.support.resources import make_resources
from tests.support.tenants import Tenant
from tixallo.db import Database

pytestmark = pytest.mark.usefixtures("db")

CURSOR_LISTS = [
    "/api/v1/tickets",
    "/api/v1/tickets/{ticket_id}/messages",
    "/api/v1/customers",
    "/api/v1/companies",
    "/api/v1/chat/conversations",
    "/api/v1/chat/conversations/{conversation_id}/messages",
    "/api/v1/webhooks",
    "/api/v1/webhooks/{webhook_id}/deliveries",
]

FORGED = {
    "naive": hostile.list_cursor("0001-01-01T00:00:00", "a"),
    "overflows converted to UTC": hostile.list_cursor("0001-01-01T00:00:00+14:00"),
    "overflows the other way": hostile.list_cursor("9999-12-31T23:59:59-14:00"),
    "NUL in the id": hostile.list_cursor("2026-01-01T00:00:00+00:00", "tkt_\x00"),
}


async def get_error(
    client: httpx.AsyncClient, tenant: Tenant, url: str, params: dict[str, str]
) -> dict[str, str]:
    response = await client.get(url, params=params, headers=tenant.headers)
    assert response.status_code == 400, (url, params, response.status_code, response.text)
    error: dict[str, str] = response.json()["error"]
    return error


@pytest.mark.parametrize("forged", list(FORGED.values()), ids=list(FORGED))
async def test_a_forged_list_cursor_is_a_400_on_every_cursor_paged_list(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, forged: str
) -> None:
    ids = await make_resources(db, tenant)
    for template in CURSOR_LISTS:
        url = template.format(**ids)
        error = await get_error(client, tenant, url, {"cursor": forged})
        assert error["param"] == "cursor", url
        assert "cursor" in error["message"]


async def test_a_cursor_this_api_returned_still_pages(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    await make_resources(db, tenant)
    await make_resources(db, tenant)
    first = await client.get("/api/v1/tickets?limit=1", headers=tenant.headers)
    cursor = first.json()["next_cursor"]
    second = await client.get(
        "/api/v1/tickets", params={"limit": 1, "cursor": cursor}, headers=tenant.headers
    )
    assert second.status_code == 200, second.text
    assert second.json()["data"][0]["id"] != first.json()["data"][0]["id"]


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2026-03-17T10:00:00"]
)
async def test_updated_since_out_of_range_or_naive_is_a_400(
    client: httpx.AsyncClient, tenant: Tenant, value: str
) -> None:
    error = await get_error(client, tenant, "/api/v1/tickets", {"updated_since": value})
    assert error["param"] == "updated_since"


async def test_updated_since_within_range_is_accepted(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for value in ("0001-01-02T00:00:00Z", "9999-12-29T23:59:59+14:00"):
        response = await client.get(
            "/api/v1/tickets", params={"updated_since": value}, headers=tenant.headers
        )
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "after",
    [
        hostile.b64(b"9223372036854775808:0"),
        hostile.b64(b"9223372036854775808:0") + "." + hostile.b64(b"forged"),
        hostile.b64("٣:0".encode()) + "." + hostile.b64(b"forged"),
    ],
)
async def test_a_forged_feed_position_is_a_400_naming_after(
    client: httpx.AsyncClient, tenant: Tenant, after: str
) -> None:
    error = await get_error(client, tenant, "/api/v1/events", {"after": after})
    assert error["param"] == "after"


@pytest.mark.parametrize(
    ("rate_limit", "says"),
    [
        ("٣/60", "COUNT/SECONDS"),
        ("²/60", "COUNT/SECONDS"),
        ("10/99999999999999999999999", "window of at most"),
        ("99999999999999999999/60", "at most"),
        ("0/60", "positive"),
    ],
)
async def test_a_key_budget_must_be_ascii_digits_within_bounds(
    db: Database, tenant: Tenant, rate_limit: str, says: str
) -> None:
    from tixallo.auth.service import create_key
    from tixallo.errors import Invalid

    with pytest.raises(Invalid) as refused:
        async with db.transaction() as session:
            await create_key(session, tenant.ctx, name="k", scopes=["*"], rate_limit=rate_limit)
    assert refused.value.param == "rate_limit"
    assert says in refused.value.message


async def test_a_key_stored_with_a_budget_beyond_the_bounds_still_works(
    db: Database, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """A budget saved before the bounds existed is clamped when enforced, never a 400 on
    every request of a key that was accepted when it was made."""
    from sqlalchemy import update

    from tixallo.auth.models import ApiKey

    async with db.transaction() as session:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.workspace_id == tenant.id)
            .values(rate_limit="99999999999999999999/60")
        )
    response = await client.get("/api/v1/tickets", headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert "q=1000000000;w=60" in response.headers["RateLimit-Policy"]
