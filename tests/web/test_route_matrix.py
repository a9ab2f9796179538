"""The app's isolation and permission matrices, generated from the route table like the API's
(tests/api/test_route_matrix.py): a page or form added later is covered without anyone listing
it, and this test fails until it knows how to call it.

- Another workspace's id in any path is a 404 that shows nothing of it and changes nothing.
- Every page and form except the sign-in ones needs a signed-in person.
- The settings (keys, inboxes, members, webhooks, the workspace) are for owners and admins: an
  agent gets 403 on every one of them, and nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from tests.support.resources import make_resources, workspace_rows
from tests.support.tenants import Tenant, TenantFactory
from tests.support.web import PASSWORD, csrf_of, sign_in
from tixallo.app import create_app
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.web.deps import admin_agent, current_agent
from tixallo.workspaces.service import add_member

pytestmark = pytest.mark.usefixtures("db")

# Reachable without signing in, and why.
PUBLIC = {
    ("GET", "/signin"): "the sign-in form",
    ("POST", "/signin"): "signing in",
    ("GET", "/signup"): "the sign-up form",
    ("POST", "/signup"): "signing up",
    ("GET", "/invite/{token}"): "an invite link; the token is the credential",
    ("POST", "/invite/{token}"): "accepting an invite; the token is the credential",
}

# A valid form for each form route, so the only thing wrong with a call is whose id it uses.
FORMS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/tickets/{ticket_id}/messages"): {"body": "hi", "kind": "reply"},
    ("POST", "/tickets/{ticket_id}/update"): {"status": "resolved", "priority": "low"},
    ("POST", "/tickets/{ticket_id}/merge"): {"target": "{own_ticket_number}"},
    ("POST", "/settings/keys"): {"name": "matrix", "scopes": ["tickets:read"]},
    ("POST", "/settings/keys/{key_id}/revoke"): {},
    ("POST", "/settings/keys/{key_id}/rotate"): {"now": "1"},
    ("POST", "/settings/inboxes"): {"name": "Matrix inbox"},
    ("POST", "/settings/inboxes/{inbox_id}/rename"): {"name": "Renamed"},
    ("POST", "/settings/inboxes/{inbox_id}/default"): {},
    ("POST", "/settings/members/invite"): {"email": "matrix@example.org", "role": "agent"},
    ("POST", "/settings/invites/{invite_id}/revoke"): {},
    ("POST", "/settings/members/{member_id}/role"): {"role": "admin"},
    ("POST", "/settings/members/{member_id}/remove"): {},
    ("POST", "/settings/workspace"): {"name": "Renamed workspace"},
    ("POST", "/chat/{conversation_id}/messages"): {"content": "hi"},
    ("POST", "/chat/{conversation_id}/end"): {},
    ("POST", "/chat/{conversation_id}/ticket"): {"subject": "From chat"},
    ("POST", "/settings/webhooks"): {"url": "https://hooks.example.org/m", "events": ["*"]},
    ("POST", "/settings/webhooks/{webhook_id}"): {
        "url": "https://hooks.example.org/renamed",
        "events": ["*"],
        "description": "renamed",
    },
    ("POST", "/settings/webhooks/{webhook_id}/enabled"): {"enabled": "false"},
    ("POST", "/settings/webhooks/{webhook_id}/rotate"): {},
    ("POST", "/settings/webhooks/{webhook_id}/test"): {},
    ("POST", "/settings/webhooks/{webhook_id}/delete"): {},
    ("POST", "/settings/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): {},
    ("POST", "/signout"): {},
    ("POST", "/switch"): {"workspace_id": "{workspace_id}"},
    ("POST", "/account/password"): {
        "current": PASSWORD,
        "new": "another long password",
        "confirm": "another long password",
    },
}


def web_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """The app's pages and forms: every route served by tixallo.web."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.endpoint.__module__.startswith("tixallo.web."):
            for method in sorted(context.methods or ()):
                yield method, str(context.path), route


def depends_on(route: APIRoute, dependency: Any) -> bool:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if dep.call is dependency:
            return True
        stack.extend(dep.dependencies)
    return False


def fill(template: str, ids: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in ids:
            raise AssertionError(
                f"{template}: tests/support/resources.py does not make a '{name}'; add it"
            )
        return ids[name]

    return re.sub(r"\{(\w+)\}", sub, template)


def form(method: str, template: str, ids: dict[str, str], csrf: str) -> dict[str, Any] | None:
    if method == "GET":
        return None
    if (method, template) not in FORMS:
        raise AssertionError(f"add a valid form for {method} {template} to FORMS")
    values = {
        k: fill(v, ids) if isinstance(v, str) else v for k, v in FORMS[(method, template)].items()
    }
    return {**values, "csrf": csrf}


async def add_person(db: Database, tenant: Tenant, role: str) -> str:
    email = f"signed-in-{role}-of-{tenant.id}@example.com"
    async with db.transaction() as session:
        await add_member(session, tenant.id, email=email, name=role, role=role, password=PASSWORD)
    return email


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db=db)


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tixallo.test")


async def test_another_workspaces_id_in_any_path_is_404_and_changes_nothing(
    app: FastAPI, db: Database, tenants: TenantFactory
) -> None:
    a, b = await tenants(), await tenants()
    b_ids = await make_resources(db, b)
    own = await make_resources(db, a)
    ids = {**b_ids, "own_ticket_number": own["other_ticket_number"]}
    before = await workspace_rows(db, b.id)
    checked = 0
    async with client_of(app) as client:
        csrf = await sign_in(client, a.created.user.email)
        for method, template, _route in web_routes(app):
            if "{" not in template or (method, template) in PUBLIC:
                continue
            response = await client.request(
                method, fill(template, ids), data=form(method, template, ids, csrf)
            )
            assert response.status_code == 404, f"{method} {template}: {response.status_code}"
            assert "text/html" in response.headers["content-type"]
            assert "B's" not in response.text, f"{method} {template} shows B's data"
            checked += 1
    assert checked >= 25
    assert await workspace_rows(db, b.id) == before


async def test_switching_to_a_workspace_one_is_not_a_member_of_is_refused(
    app: FastAPI, db: Database, tenants: TenantFactory
) -> None:
    a, b = await tenants(), await tenants()
    async with client_of(app) as client:
        csrf = await sign_in(client, a.created.user.email)
        response = await client.post("/switch", data={"workspace_id": b.id, "csrf": csrf})
        assert response.status_code == 404
        assert b.created.workspace.name not in response.text
        settings_page = await client.get("/settings/workspace")
        assert a.created.workspace.name in settings_page.text


async def test_every_page_and_form_but_signing_in_needs_a_signed_in_person(
    app: FastAPI, db: Database, tenant: Tenant
) -> None:
    ids = {**await make_resources(db, tenant), "own_ticket_number": "1"}
    before = await workspace_rows(db, tenant.id)
    routes = list(web_routes(app))
    assert set(PUBLIC) <= {(method, template) for method, template, _ in routes}
    checked = 0
    async with client_of(app) as client:
        for method, template, route in routes:
            if (method, template) in PUBLIC:
                continue
            assert depends_on(route, current_agent), f"{method} {template} has no sign-in"
            page = await client.get("/signin")
            response = await client.request(
                method, fill(template, ids), data=form(method, template, ids, csrf_of(page.text))
            )
            assert response.status_code == 303, f"{method} {template}: {response.status_code}"
            assert response.headers["location"].startswith("/signin"), (method, template)
            checked += 1
    assert checked >= 40
    assert await workspace_rows(db, tenant.id) == before


async def test_an_agent_gets_403_on_every_settings_page_and_form(
    app: FastAPI, db: Database, tenant: Tenant
) -> None:
    ids = {**await make_resources(db, tenant), "own_ticket_number": "1"}
    routes = list(web_routes(app))
    admin_only = {(m, t) for m, t, route in routes if depends_on(route, admin_agent)}
    settings = {(m, t) for m, t, _ in routes if t == "/settings" or t.startswith("/settings/")}
    # The rule is stated once, by path: everything under /settings, and nothing else.
    assert admin_only == settings
    agent = await add_person(db, tenant, "agent")
    before = await workspace_rows(db, tenant.id)
    async with client_of(app) as client:
        csrf = await sign_in(client, agent)
        for method, template in sorted(admin_only):
            response = await client.request(
                method, fill(template, ids), data=form(method, template, ids, csrf)
            )
            assert response.status_code == 403, f"{method} {template}: {response.status_code}"
            assert "Settings are for workspace owners and admins" in response.text
    assert len(admin_only) >= 20
    after = await workspace_rows(db, tenant.id)
    # Signing in wrote the agent's session, which is not a setting.
    before.pop("web_sessions", None), after.pop("web_sessions", None)
    assert after == before
