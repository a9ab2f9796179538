"""Tenant isolation and scope matrices, generated from the route table.

Every route of every mounted API is found here without anyone listing it: a route added
later is covered automatically, and this test fails until it says how to call it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount

from tests.conftest import Tenant, TenantFactory, ticket_body
from tests.support import resources as support
from tixallo.app import create_app
from tixallo.config import Settings
from tixallo.context import ALL_SCOPES
from tixallo.db import Database

pytestmark = pytest.mark.usefixtures("db")

# A valid body for each write route, so the only thing wrong with the call is whose id it uses.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/tickets"): ticket_body(),
    ("PATCH", "/api/v1/tickets/{ticket_id}"): {"priority": "low"},
    ("POST", "/api/v1/tickets/{ticket_id}/messages"): {"body": "hi"},
    ("POST", "/api/v1/tickets/{ticket_id}/merge"): {"target_id": "{other_ticket_id}"},
    ("PUT", "/api/v1/customers"): {"email": "mirror@example.org"},
    ("POST", "/api/v1/chat/conversations"): {"visitor_email": "v@example.org"},
    ("PATCH", "/api/v1/chat/conversations/{conversation_id}"): {"status": "ended"},
    ("POST", "/api/v1/chat/conversations/{conversation_id}/messages"): {
        "content": "hi",
        "sender_type": "visitor",
    },
    ("POST", "/api/v1/chat/conversations/{conversation_id}/ticket"): {},
    ("POST", "/api/v1/webhooks"): {"url": "https://hooks.example.org/x", "events": ["*"]},
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): {"description": "renamed"},
    ("POST", "/api/v1/webhooks/{webhook_id}/rotate_secret"): None,
    ("POST", "/api/v1/webhooks/{webhook_id}/enable"): None,
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): None,
    ("POST", "/api/external/tickets"): {"subject": "s", "createdByEmail": "e@example.org"},
    ("PATCH", "/api/external/tickets/{ticketId}"): {"priority": "LOW"},
    ("POST", "/api/external/tickets/{ticketId}/comments"): {"content": "hi"},
    ("POST", "/api/external/chat/conversations"): {"visitorEmail": "v@example.org"},
    ("POST", "/api/external/chat/conversations/{conversationId}/messages"): {
        "content": "hi",
        "senderType": "visitor",
    },
    ("PATCH", "/api/external/chat/conversations/{conversationId}"): {"status": "ended"},
}


def api_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    for mount in app.routes:
        if isinstance(mount, Mount) and mount.path.startswith("/api"):
            sub = mount.app
            assert isinstance(sub, FastAPI)
            # iter_route_contexts flattens included routers (FastAPI keeps them nested).
            for context in iter_route_contexts(sub.routes):
                route = context.original_route
                if isinstance(route, APIRoute):
                    for method in sorted(context.methods or ()):
                        yield method, mount.path + str(context.path), route


def required_scopes(route: APIRoute) -> tuple[str, ...]:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        scopes = getattr(dep.call, "required_scopes", None)
        if scopes:
            return tuple(scopes)
        stack.extend(dep.dependencies)
    return ()


class Resources:
    """Ids of one workspace's resources, by path parameter name."""

    def __init__(self, ids: dict[str, str]) -> None:
        self.ids = ids

    def fill(self, template: str) -> str:
        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.ids:
                raise AssertionError(
                    f"{template}: tests/api/test_route_matrix.py does not know how to make a "
                    f"'{name}'; add it to make_resources()"
                )
            return self.ids[name]

        return re.sub(r"\{(\w+)\}", sub, template)

    def body(self, method: str, template: str) -> Any:
        if method in ("GET", "DELETE"):
            return None
        if (method, template) not in BODIES:
            raise AssertionError(f"add a valid body for {method} {template} to BODIES")
        raw = BODIES[(method, template)]
        if isinstance(raw, dict):
            return {k: self.fill(v) if isinstance(v, str) else v for k, v in raw.items()}
        return raw


async def make_resources(db: Database, tenant: Tenant) -> Resources:
    return Resources(await support.make_resources(db, tenant))


async def test_every_route_with_an_id_is_404_for_another_workspace(
    settings: Settings, db: Database, tenants: TenantFactory
) -> None:
    app = create_app(settings, db=db)
    a, b = await tenants(), await tenants()
    b_ids = await make_resources(db, b)
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
    ids = await make_resources(db, owner)
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
    b_ids = await make_resources(db, b)
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
