"""Tenant isolation and scope matrices, generated from the route table.

Every route of every mounted API is found here without anyone listing it: a route added
later is covered automatically, and this test fails until it says how to call it.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi.routing import APIRoute

from tests.support import resources as support
from tests.support.routes import api_resources, api_routes
from tests.support.tenants import Tenant, TenantFactory, ticket_body
from tixallo.app import create_app
from tixallo.config import Settings
from tixallo.context import ALL_SCOPES
from tixallo.db import Database

pytestmark = pytest.mark.usefixtures("db")


def required_scopes(route: APIRoute) -> tuple[str, ...]:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        scopes = getattr(dep.call, "required_scopes", None)
        if scopes:
            return tuple(scopes)
        stack.extend(dep.dependencies)
    return ()


async def test_every_route_with_an_id_is_404_for_another_workspace(
    settings: Settings, db: Database, tenants: TenantFactory
) -> None:
    app = create_app(settings, db=db)
    a, b = await tenants(), await tenants()
    b_ids = await api_resources(db, b)
    before = await support.workspace_rows(db, b.id)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        checked = 0
        for method, template, _route in api_routes(app):
            if "{" not in template:
                continue
            response = await client.request(
                method, b_ids.fill(template), json=b_ids.body(method, template), headers=a.headers
            )
            assert response.status_code == 404, f"{method} {template}: {response.status_code}"
            assert "B's" not in response.text
            checked += 1
        assert checked >= 8
    assert await support.workspace_rows(db, b.id) == before


async def test_every_route_refuses_a_key_without_its_scope(
    settings: Settings, db: Database, tenants: TenantFactory
) -> None:
    app = create_app(settings, db=db)
    owner = await tenants()
    ids = await api_resources(db, owner)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        checked = 0
        for method, template, route in api_routes(app):
            if template.endswith("/openapi.json"):
                continue
            scopes = required_scopes(route)
            assert scopes, f"{method} {template} has no scope dependency"
            lacking = await tenants.key(owner, [s for s in ALL_SCOPES if s not in scopes])
            response = await client.request(
                method,
                ids.fill(template),
                json=ids.body(method, template),
                headers={"Authorization": f"Bearer {lacking}"},
            )
            assert response.status_code == 403, f"{method} {template}: {response.status_code}"
            assert scopes[0] in response.json()["error"]["message"]
            checked += 1
        assert checked >= 10


async def test_ids_in_bodies_of_another_workspace_are_404(
    client: httpx.AsyncClient, db: Database, tenants: TenantFactory
) -> None:
    a, b = await tenants(), await tenants()
    b_ids = await api_resources(db, b)
    mine = (await client.post("/api/v1/tickets", json=ticket_body(), headers=a.headers)).json()
    url = f"/api/v1/tickets/{mine['data']['id']}"
    attempts = [
        ("POST", f"{url}/merge", {"target_id": b_ids.ids["ticket_id"]}, "target_id"),
        ("PATCH", url, {"assignee_id": b.created.owner.id}, "assignee_id"),
        ("POST", "/api/v1/tickets", ticket_body(inbox_id=b_ids.ids["inbox_id"]), "inbox_id"),
    ]
    for method, path, body, param in attempts:
        response = await client.request(method, path, json=body, headers=a.headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]["param"] == param
    after = (await client.get(url, headers=a.headers)).json()
    assert after["data"]["status"] == "open" and after["data"]["assignee_id"] is None


async def test_revoked_key_is_refused_at_once(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    from tixallo.auth.service import list_keys, revoke_key

    assert (await client.get("/api/v1/tickets", headers=tenant.headers)).status_code == 200
    async with db.transaction() as session:
        key = (await list_keys(session, tenant.ctx))[0]
        await revoke_key(session, tenant.ctx, key.id)
    response = await client.get("/api/v1/tickets", headers=tenant.headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]
