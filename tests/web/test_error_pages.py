"""A failure on a page is an HTML page in the app's style with the request id to quote; the
APIs keep their JSON error body (issue 13, item 13: the app's 500 was JSON)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.tenants import Tenant
from tixallo import auth
from tixallo.app import create_app
from tixallo.config import Settings
from tixallo.web import sessions

# A key of the right shape, so its lookup reaches the database.
WELL_FORMED_KEY = "Bearer th_" + "A" * 43


class Broken(RuntimeError):
    """A bug nobody expected (stands in for any exception a route does not handle)."""


async def fail(*_args: object, **_kwargs: object) -> None:
    raise Broken("a secret detail that must not reach the page")


def assert_error_page(response: httpx.Response, status: int) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    request_id = response.headers["x-request-id"]
    assert f"<code>{request_id}</code>" in response.text
    assert "app.css" in response.text  # the app's own style, not a bare page
    assert "secret detail" not in response.text and "Traceback" not in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]


async def test_a_page_that_fails_answers_an_html_500_and_the_apis_keep_their_json(
    client: httpx.AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sessions, "load_agent", fail)
    monkeypatch.setattr(auth.service, "authenticate", fail)
    response = await client.get("/customers", headers={"X-Request-Id": "req-page-500-test"})
    assert_error_page(response, 500)
    assert response.headers["x-request-id"] == "req-page-500-test"
    assert "Something went wrong" in response.text
    for path in ("/api/v1/tickets", "/api/external/tickets"):
        api = await client.get(path, headers=tenant.headers)
        assert api.status_code == 500
        error = api.json()["error"]
        assert error["type"] == "internal_error"
        assert error["request_id"] == api.headers["x-request-id"]


@pytest.fixture(params=["sqlite", "postgres"])
async def database_down(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An app whose database cannot be reached: a SQLite "file" that is a directory, or a
    PostgreSQL port nothing listens on."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}"
    else:
        yield "postgresql+asyncpg://postgres@127.0.0.1:1/tixallo"


async def test_a_page_answers_an_html_503_when_the_database_is_down(database_down: str) -> None:
    app = create_app(Settings(database_url=database_down))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tixallo.test") as client:
        # A session cookie makes the page look its agent up in the database.
        page = await client.get("/customers", headers={"Cookie": f"{sessions.COOKIE}=s"})
        api = await client.get(
            "/api/v1/tickets", headers={"Authorization": "Bearer th_" + "A" * 43}
        )
    assert_error_page(page, 503)
    assert "The database is unavailable" in page.text
    assert page.headers["retry-after"] == "5"
    assert api.status_code == 503 and api.json()["error"]["type"] == "service_unavailable"
