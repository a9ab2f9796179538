"""Mass assignment and secret exposure, over every write route of every mounted API.

The routes come from the route table (``tests/api/test_route_matrix.py``, which also holds the
tenant isolation and scope matrices), so a new write route is covered without anyone listing
it. Each privileged field is sent alone in an otherwise valid body: the route refuses it (400)
or ignores it; nothing lands in another workspace, no id or number is chosen by the client, no
role changes. Then every response of the run, plus every read route, is scanned for the
stored key hashes, sealed webhook secrets, password hashes and token hashes.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.support.reliability import Row, record_row
from tests.support.routes import Resources, api_resources, api_routes
from tests.support.tenants import TenantFactory
from tixallo.app import create_app
from tixallo.auth.models import ApiKey
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.tickets.models import Ticket
from tixallo.webhooks.models import WebhookEndpoint
from tixallo.workspaces.models import Invite, Member, User

FORGED_ID = "tkt_01forgedforgedforgedforged"
FORGED_SECRET = "whsec_Zm9yZ2VkZm9yZ2VkZm9yZ2VkZm9yZ2VkZm9yZ2Vk"
FORGED_HASH = "f" * 64


def privileged_fields(other_workspace: str) -> dict[str, Any]:
    return {
        "workspace_id": other_workspace,
        "workspaceId": other_workspace,
        "id": FORGED_ID,
        "number": 999999,
        "role": "owner",
        "key_hash": FORGED_HASH,
        "secret": FORGED_SECRET,
        "secret_sealed": FORGED_SECRET,
        "password_hash": FORGED_HASH,
        "token_hash": FORGED_HASH,
        "scopes": ["*"],
        "created_at": "2001-01-01T00:00:00Z",
    }


def _write_routes(app: Any) -> list[tuple[str, str]]:
    return [(m, t) for m, t, _ in api_routes(app) if m in ("POST", "PUT", "PATCH")]


@pytest.fixture
def unlimited(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit": "1000000/60"})


async def test_privileged_fields_in_write_bodies_are_refused_or_ignored(
    backend: str, db: Database, tenants: TenantFactory, unlimited: Settings
) -> None:
    a, b = await tenants(), await tenants()
    app = create_app(unlimited, db=db)
    responses: list[str] = []
    accepted: list[tuple[str, str, str]] = []
    refused: list[tuple[str, str, str]] = []
    server_errors: list[tuple[str, str, str, int]] = []
    fields = privileged_fields(b.id)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://tixallo.test"
    ) as http:
        routes = _write_routes(app)
        assert len(routes) >= 15, routes
        for method, template in routes:
            # Fresh resources per route, so an earlier merge or end does not block this one.
            ids: Resources = await api_resources(db, a)
            for name, value in fields.items():
                body = ids.body(method, template)
                body = dict(body) if isinstance(body, dict) else {}
                body[name] = value
                response = await http.request(
                    method, ids.fill(template), json=body, headers=a.headers
                )
                responses.append(response.text)
                where = (method, template, name)
                if response.status_code >= 500:
                    server_errors.append((*where, response.status_code))
                elif response.is_success:
                    accepted.append(where)
                    text = response.text
                    # Ignored means ignored: the forged value is nowhere in the answer.
                    assert FORGED_ID not in text, where
                    assert FORGED_SECRET not in text, where
                    assert FORGED_HASH not in text, where
                    assert b.id not in text, where
                    assert '"number":999999' not in text.replace(" ", ""), where
                    assert "2001-01-01" not in text, where
                else:
                    refused.append(where)
                    if response.status_code == 400:
                        assert response.json()["error"]["param"], (where, response.text)

        # Nothing of B was written, no client-chosen id or number exists, no role changed.
        async with db.transaction(write=False) as session:
            b_tickets = await session.scalar(
                select(func.count()).select_from(Ticket).where(Ticket.workspace_id == b.id)
            )
            forged = await session.scalar(
                select(func.count())
                .select_from(Ticket)
                .where((Ticket.id == FORGED_ID) | (Ticket.number == 999999))
            )
            roles = list(
                await session.scalars(select(Member.role).where(Member.workspace_id == a.id))
            )
            b_hooks = await session.scalar(
                select(func.count())
                .select_from(WebhookEndpoint)
                .where(WebhookEndpoint.workspace_id == b.id)
            )
        for path in ("/api/v1/tickets", "/api/v1/customers", "/api/v1/webhooks"):
            listed = await http.get(path, headers=b.headers)
            assert listed.json()["data"] == [], path

        # Read every read route too, then scan the whole run for stored secrets.
        ids = await api_resources(db, a)
        for method, template, _ in api_routes(app):
            if method == "GET":
                got = await http.get(ids.fill(template), headers=a.headers)
                assert got.status_code < 500, (template, got.text)
                responses.append(got.text)
                if "whsec_" in got.text:
                    raise AssertionError(f"a webhook secret in GET {template}")

    async with db.transaction(write=False) as session:
        stored = [
            *await session.scalars(select(ApiKey.key_hash)),
            *await session.scalars(select(WebhookEndpoint.secret_sealed)),
            *[h for h in await session.scalars(select(User.password_hash)) if h],
            *await session.scalars(select(Invite.token_hash)),
        ]
    assert stored
    everything = "\n".join(responses)
    exposed = [s for s in stored if s in everything or json.dumps(s)[1:-1] in everything]
    record_row(
        Row(
            "mass assignment + secret scan",
            backend,
            len(routes) * len(fields),
            len(routes) * len(fields),
            len(accepted),
            len(exposed),
            0,
            len(server_errors),
            f"{len(routes)} write routes; refused {len(refused)}, ignored {len(accepted)}; "
            f"{len(stored)} stored hashes/secrets scanned in {len(responses)} responses",
        )
    )
    assert server_errors == []
    assert b_tickets == 0 and forged == 0 and b_hooks == 0
    # One owner, as created; every other member is an agent that make_resources added (a
    # body's "role": "owner" promoted nobody).
    assert roles.count("owner") == 1 and set(roles) == {"owner", "agent"}, roles
    assert exposed == []
