"""One error body for every failure; request ids everywhere; no trace ever leaves."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.tenants import Tenant, ticket_body
from tixallo.app import create_app
from tixallo.config import Settings
from tixallo.db import Database

pytestmark = pytest.mark.usefixtures("db")


def assert_error_body(response: httpx.Response, status: int, error_type: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"type", "message", "param", "request_id"}
    assert body["error"]["type"] == error_type
    assert body["error"]["request_id"] == response.headers["x-request-id"]


async def test_every_response_carries_a_request_id(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ok = await client.get("/api/v1/tickets", headers=tenant.headers)
    missing = await client.get("/api/v1/tickets")
    assert ok.headers["x-request-id"].startswith("req_")
    assert missing.headers["x-request-id"] != ok.headers["x-request-id"]
    echoed = await client.get(
        "/api/v1/tickets", headers={**tenant.headers, "X-Request-Id": "trace-1234567"}
    )
    assert echoed.headers["x-request-id"] == "trace-1234567"
    assert ok.headers["x-content-type-options"] == "nosniff"


async def test_invalid_json_is_400(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        "/api/v1/tickets",
        content=b'{"subject": ',
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert_error_body(response, 400, "invalid_request")
    assert "not valid JSON" in response.json()["error"]["message"]


async def test_body_that_is_not_json_is_415(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        "/api/v1/tickets",
        content=b"subject=hi",
        headers={**tenant.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error_body(response, 415, "unsupported_media_type")


async def test_body_over_one_mebibyte_is_413(client: httpx.AsyncClient, tenant: Tenant) -> None:
    big = json.dumps(ticket_body(body="x" * (1024 * 1024))).encode()
    response = await client.post(
        "/api/v1/tickets",
        content=big,
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert_error_body(response, 413, "payload_too_large")


async def test_chunked_body_over_the_limit_is_413(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"subject": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = await client.post(
        "/api/v1/tickets",
        content=chunks(),
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert_error_body(response, 413, "payload_too_large")


async def test_chunked_body_within_the_limit_is_accepted(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    payload = json.dumps(ticket_body()).encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield payload[:10]
        yield payload[10:]

    response = await client.post(
        "/api/v1/tickets",
        content=chunks(),
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


async def test_unknown_route_is_a_json_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    assert_error_body(await client.get("/api/v1/nothing", headers=tenant.headers), 404, "not_found")


async def test_wrong_method_is_405(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.delete("/api/v1/tickets", headers=tenant.headers)
    assert_error_body(response, 405, "method_not_allowed")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer th_unknownunknownunknownunknown", "Bearer nope"],
)
async def test_missing_or_unknown_key_is_401(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.get("/api/v1/tickets", headers=headers)
    assert_error_body(response, 401, "authentication_error")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_key_without_scope_is_403_naming_it(
    client: httpx.AsyncClient, tenants: object
) -> None:
    from tests.support.tenants import TenantFactory

    assert isinstance(tenants, TenantFactory)
    reader = await tenants(scopes=["tickets:read"])
    response = await client.post("/api/v1/tickets", json=ticket_body(), headers=reader.headers)
    assert_error_body(response, 403, "permission_error")
    assert "tickets:write" in response.json()["error"]["message"]


async def test_unexpected_failure_is_500_without_a_trace(settings: Settings, db: Database) -> None:
    app = create_app(settings, db=db)

    # Under /api/: a page that fails answers an HTML page instead (tests/web/test_error_pages).
    @app.get("/api/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/api/boom")
    assert_error_body(response, 500, "internal_error")
    assert "hunter2" not in response.text and "RuntimeError" not in response.text


async def test_unreachable_database_is_503_with_retry_after(tenant: Tenant) -> None:
    settings = Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/api/v1/tickets", headers=tenant.headers)
        ready = await client.get("/readyz")
    assert_error_body(response, 503, "service_unavailable")
    assert int(response.headers["retry-after"]) > 0
    assert ready.status_code == 503


async def test_health_endpoints(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


async def test_openapi_describes_every_v1_route(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()
    for path in (
        "/tickets",
        "/tickets/{ticket_id}",
        "/tickets/{ticket_id}/messages",
        "/tickets/{ticket_id}/merge",
        "/customers",
        "/customers/{customer_id}",
        "/companies",
        "/companies/{company_id}",
        "/inboxes",
    ):
        assert path in schema["paths"], path


async def test_openapi_documents_the_error_body_and_no_422(client: httpx.AsyncClient) -> None:
    for url in ("/api/v1/openapi.json", "/api/external/openapi.json"):
        schema = (await client.get(url)).json()
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                assert "422" not in operation["responses"], (url, method, path)
                error = operation["responses"]["400"]["content"]["application/json"]["schema"]
                assert error == {"$ref": "#/components/schemas/ErrorBody"}, (url, method, path)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_too_many_database_connections_is_503(backend: str) -> None:
    """PostgreSQL refusing a connection (SQLSTATE 53300) is a moment to retry, not a bug."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from tests.support.databases import POSTGRES_URL

    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text("DROP ROLE IF EXISTS tixallo_no_connections"))
        await conn.execute(text("CREATE ROLE tixallo_no_connections LOGIN CONNECTION LIMIT 0"))
    try:
        host_and_db = POSTGRES_URL.split("@", 1)[1]
        settings = Settings(
            database_url=f"postgresql+asyncpg://tixallo_no_connections@{host_and_db}"
        )
        app = create_app(settings)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            key = "th_" + "a" * 43
            response = await client.get(
                "/api/v1/tickets", headers={"Authorization": f"Bearer {key}"}
            )
        assert_error_body(response, 503, "service_unavailable")
        assert int(response.headers["retry-after"]) > 0
    finally:
        async with admin.connect() as conn:
            await conn.execute(text("DROP ROLE IF EXISTS tixallo_no_connections"))
        await admin.dispose()
