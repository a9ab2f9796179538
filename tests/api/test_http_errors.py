"""Starlette's own HTTP errors (no such route, wrong method) answer the one error body on both
APIs, and an unknown path points to the OpenAPI document of the API it was aimed at."""

from __future__ import annotations

import httpx
import pytest

from tests.support.tenants import Tenant


@pytest.mark.parametrize(
    ("path", "document"),
    [
        ("/api/v1/nope", "/api/v1/openapi.json"),
        ("/api/external/nope", "/api/external/openapi.json"),
    ],
)
async def test_unknown_path_points_to_its_apis_document(
    client: httpx.AsyncClient, tenant: Tenant, path: str, document: str
) -> None:
    response = await client.get(path, headers=tenant.headers)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["type"] == "not_found"
    assert error["message"] == f"No such endpoint. See {document} for the routes."
    assert error["param"] is None
    assert error["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/external/tickets"])
async def test_wrong_method_is_the_same_405_on_both_apis(
    client: httpx.AsyncClient, tenant: Tenant, path: str
) -> None:
    response = await client.request("PUT", path, headers=tenant.headers)
    assert response.status_code == 405
    assert response.json()["error"] == {
        "type": "method_not_allowed",
        "message": "This method is not allowed on this endpoint.",
        "param": None,
        "request_id": response.headers["x-request-id"],
    }
    assert "GET" in response.headers["allow"]
