"""Factories for what most tests start from: a workspace with its owner and a key (a
:class:`Tenant`), and a valid ticket body with keyword overrides."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from tixallo.auth.service import create_key
from tixallo.context import Ctx
from tixallo.db import Database
from tixallo.workspaces.service import NewWorkspace, create_workspace

#: The owner's password of every workspace the factory makes.
OWNER_PASSWORD = "correct horse battery"


@dataclass
class Tenant:
    """A workspace with its owner and a key; ``headers`` authenticate as that key."""

    created: NewWorkspace
    key: str
    ctx: Ctx

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @property
    def id(self) -> str:
        return self.created.workspace.id


class TenantFactory:
    """``await tenants(scopes=[...])`` makes a new workspace (its own owner, a key with those
    scopes); ``await tenants.key(tenant, scopes)`` adds another key to one."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.count = 0

    async def __call__(self, *, scopes: list[str] | None = None, name: str | None = None) -> Tenant:
        self.count += 1
        async with self.db.transaction() as session:
            created = await create_workspace(
                session,
                name=name or f"Workspace {self.count}",
                admin_email=f"owner{self.count}-{uuid.uuid4().hex[:6]}@example.com",
                admin_password=OWNER_PASSWORD,
                admin_name=f"Owner {self.count}",
            )
            ctx = Ctx(workspace_id=created.workspace.id)
            key = await create_key(session, ctx, name="test", scopes=scopes or ["*"])
        return Tenant(created=created, key=key.secret, ctx=ctx)

    async def key(self, tenant: Tenant, scopes: list[str]) -> str:
        async with self.db.transaction() as session:
            return (await create_key(session, tenant.ctx, name="scoped", scopes=scopes)).secret


def ticket_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": "Login page shows blank screen",
        "body": "When I try to log in using Safari the page stays white.",
        "customer": {"email": "sam@acme.com", "name": "Sam"},
        "priority": "high",
        "tags": ["bug", "safari"],
    }
    body.update(overrides)
    return body


async def post_ticket(
    client: httpx.AsyncClient, tenant: Tenant, **overrides: Any
) -> dict[str, Any]:
    """Create a ticket through the v1 API (:func:`ticket_body` with ``overrides``); answers
    the created ticket's data."""
    response = await client.post(
        "/api/v1/tickets", json=ticket_body(**overrides), headers=tenant.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data
