"""A trailing slash is redirected without trusting the Host header (issue 13, item 13).

The ``Location`` of the 307 is a path on the server that answered, whatever ``Host`` the
client sent, so a forged ``Host`` (through a cache or a proxy that forwards it) can never turn
it into a redirect to another site. Clients that follow it still arrive."""

from __future__ import annotations

import httpx
import pytest

from tests.support.tenants import Tenant
from tixallo.api.slashes import relative_location

pytestmark = pytest.mark.usefixtures("db")

FORGED = {"Host": "evil.example"}


@pytest.mark.parametrize(
    ("asked", "location"),
    [
        ("/api/v1/tickets/", "/api/v1/tickets"),
        ("/api/v1/tickets/?status=open&limit=2", "/api/v1/tickets?status=open&limit=2"),
        ("/api/external/tickets/", "/api/external/tickets"),
        ("/signin/", "/signin"),
    ],
)
async def test_a_trailing_slash_redirects_to_a_path_whatever_the_host(
    client: httpx.AsyncClient, tenant: Tenant, asked: str, location: str
) -> None:
    response = await client.get(asked, headers={**tenant.headers, **FORGED})
    assert response.status_code == 307
    assert response.headers["location"] == location


async def test_following_the_redirect_arrives_on_the_server_that_answered(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get(
        "/api/v1/tickets/", headers={**tenant.headers, **FORGED}, follow_redirects=True
    )
    assert response.status_code == 200
    assert response.url == "http://tixallo.test/api/v1/tickets"
    # A path that matches no route with or without its slash is still the API's 404.
    missing = await client.get("/api/v1/nothing-here/", headers={**tenant.headers, **FORGED})
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found"


def test_a_location_never_becomes_a_network_path_reference() -> None:
    assert relative_location("//evil.example/x", b"") == "/evil.example/x"
    assert relative_location("/a b/ü", b"q=1") == "/a%20b/%C3%BC?q=1"
