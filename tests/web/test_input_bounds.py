"""The app's pages refuse forged cursors and out-of-range numbers with a 400 page naming the
parameter, on both databases (issue 13, item 3), through one parameter parser
(tixallo.web.params) and one place for bounds (tixallo.bounds)."""

from __future__ import annotations

import httpx
import pytest

from tests.support import hostile
from tests.support.resources import make_resources
from tests.support.tenants import Tenant
from tests.support.web import sign_in
from tixallo.db import Database

pytestmark = pytest.mark.usefixtures("db")


@pytest.mark.parametrize("page", ["/", "/customers", "/companies"])
@pytest.mark.parametrize(
    "forged",
    [
        hostile.list_cursor("0001-01-01T00:00:00", "a"),
        hostile.list_cursor("0001-01-01T00:00:00+14:00"),
    ],
)
async def test_a_forged_cursor_on_a_list_page_is_a_400_page(
    client: httpx.AsyncClient, tenant: Tenant, page: str, forged: str
) -> None:
    await sign_in(client, tenant.created.user.email)
    response = await client.get(page, params={"cursor": forged})
    assert response.status_code == 400, response.text[:500]
    assert "text/html" in response.headers["content-type"]
    assert "cursor" in response.text


@pytest.mark.parametrize("since", ["253402300800000", "99999999999999999999", "²", "-1"])
async def test_live_since_out_of_range_is_a_400_naming_since(
    client: httpx.AsyncClient, tenant: Tenant, since: str
) -> None:
    await sign_in(client, tenant.created.user.email)
    response = await client.get("/live", params={"since": since})
    assert response.status_code == 400, response.text[:500]
    assert "since" in response.text


@pytest.mark.parametrize("target", ["²", "٣", "9223372036854775808", "2147483648"])
async def test_a_merge_target_that_is_no_ticket_number_is_a_400_and_merges_nothing(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, target: str
) -> None:
    ids = await make_resources(db, tenant)
    csrf = await sign_in(client, tenant.created.user.email)
    response = await client.post(
        f"/tickets/{ids['ticket_id']}/merge", data={"target": target, "csrf": csrf}
    )
    assert response.status_code == 400, response.text[:500]
    ticket = await client.get(f"/api/v1/tickets/{ids['ticket_id']}", headers=tenant.headers)
    assert ticket.json()["data"]["merged_into_id"] is None
