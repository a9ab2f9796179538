"""Every /api/v1 answer is the body its OpenAPI document names: each route's happy path is run
and checked against the model the document gives for that route and status (no field
missing, none undocumented), and every documented route must have been run."""

from __future__ import annotations

import asyncio
import inspect
import re
from typing import Any

import httpx
from pydantic import BaseModel

from tests.support.response_models import conforms
from tests.support.tenants import Tenant
from tixallo.api import openapi
from tixallo.api.v1 import responses
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.events.service import EVENT_TYPES
from tixallo.webhooks.worker import Worker

MODELS: dict[str, type[BaseModel]] = {
    name: value
    for module in (responses, openapi)
    for name, value in vars(module).items()
    if inspect.isclass(value) and issubclass(value, BaseModel)
}
#: A port nothing listens on: a delivery there fails at once, and leaves an attempt.
REFUSING_URL = "http://127.0.0.1:9/hook"


class DocumentedApi:
    """Sends v1 requests as one tenant and checks each answer against the model that the
    OpenAPI document names for its route and status; remembers which routes it ran."""

    def __init__(self, client: httpx.AsyncClient, tenant: Tenant, spec: dict[str, Any]) -> None:
        self.client = client
        self.tenant = tenant
        self.spec = spec
        self.ran: set[tuple[str, str]] = set()

    def template(self, method: str, path: str) -> str:
        """The documented path that ``path`` is an instance of, literal segments first."""
        found = [
            template
            for template, operations in self.spec["paths"].items()
            if method.lower() in operations
            and re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", template), path)
        ]
        assert found, f"{method} {path} is not in the document"
        return max(found, key=lambda t: len(re.sub(r"\{\w+\}", "", t)))

    async def call(
        self,
        method: str,
        path: str,
        status: int,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        response = await self.client.request(
            method,
            f"/api/v1{path}",
            json=json,
            headers={**self.tenant.headers, **(headers or {})},
        )
        template = self.template(method, path.split("?", 1)[0])
        documented = self.spec["paths"][template][method.lower()]["responses"][str(status)]
        self.ran.add((method.lower(), template))
        if status == 204:
            assert response.status_code == 204, response.text
            assert "content" not in documented and response.content == b""
            return None
        ref = documented["content"]["application/json"]["schema"]["$ref"]
        return conforms(response, status, MODELS[ref.rsplit("/", 1)[1]])


async def _tickets(api: DocumentedApi) -> str:
    """Every ticket route, with a customer whose domain makes a company, an assignee,
    messages by a member and by the customer, every status event and a merge."""
    body = {"subject": "S", "body": "B", "customer": {"email": "ada@acme.com"}, "tags": ["x"]}
    ticket = (await api.call("POST", "/tickets", 201, body))["data"]
    other = (await api.call("POST", "/tickets", 201, {**body, "subject": "T"}))["data"]
    path = f"/tickets/{ticket['id']}"
    owner = api.tenant.created.owner.id
    assigned = (await api.call("PATCH", path, 200, {"assignee_id": owner}))["data"]
    assert assigned["assignee"]["id"] == owner
    for status in ("resolved", "closed", "open"):
        await api.call("PATCH", path, 200, {"status": status})
    await api.call("GET", path, 200)
    await api.call("GET", "/tickets?limit=1", 200)
    email = api.tenant.created.user.email
    by_member = {"body": "Hi", "author_email": email}
    assert (await api.call("POST", f"{path}/messages", 201, by_member))["data"]["author"][
        "type"
    ] == "member"
    await api.call("POST", f"{path}/messages", 201, {"body": "Thanks"})
    await api.call("GET", f"{path}/messages", 200)
    await api.call("POST", f"/tickets/{other['id']}/merge", 200, {"target_id": ticket["id"]})
    return str(ticket["customer"]["id"])


async def _customers(api: DocumentedApi, customer_id: str) -> None:
    await api.call("PUT", "/customers", 201, {"email": "bob@globex.io", "name": "Bob"})
    await api.call("PUT", "/customers", 200, {"email": "bob@globex.io", "name": "Bobby"})
    await api.call("GET", "/customers", 200)
    customer = (await api.call("GET", f"/customers/{customer_id}", 200))["data"]
    assert customer["company"] is not None
    await api.call("GET", "/companies", 200)
    await api.call("GET", f"/companies/{customer['company']['id']}", 200)
    inboxes = (await api.call("GET", "/inboxes", 200))["data"]
    await api.call("GET", f"/inboxes/{inboxes[0]['id']}", 200)


async def _chat(api: DocumentedApi) -> None:
    base = "/chat/conversations"
    started = await api.call("POST", base, 201, {"visitor_email": "eve@acme.com"})
    path = f"{base}/{started['data']['id']}"
    await api.call("POST", f"{path}/messages", 201, {"content": "Hi", "sender_type": "visitor"})
    agent = {"content": "Hello", "sender_type": "agent", "sender_id": api.tenant.created.owner.id}
    await api.call("POST", f"{path}/messages", 201, agent)
    await api.call("GET", f"{path}/messages", 200)
    await api.call("GET", base, 200)
    await api.call("GET", path, 200)
    await api.call("POST", f"{path}/ticket", 201, {"subject": "From chat"})
    await api.call("PATCH", path, 200, {"status": "ended"})


async def _events(api: DocumentedApi) -> None:
    """The whole feed, page by page: every event type was made by the calls before."""
    seen: set[str] = set()
    page = await api.call("GET", "/events?limit=100", 200)
    seen |= {e["type"] for e in page["data"]}
    while page["has_more"]:
        page = await api.call("GET", f"/events?limit=100&after={page['next_cursor']}", 200)
        seen |= {e["type"] for e in page["data"]}
    assert seen == set(EVENT_TYPES)


async def _webhooks(api: DocumentedApi, db: Database, settings: Settings) -> None:
    create = {"url": REFUSING_URL, "events": ["ticket.created"]}
    again = {"Idempotency-Key": "response-models-webhook"}
    hook = (await api.call("POST", "/webhooks", 201, create, again))["data"]
    assert "secret" in hook
    replay = (await api.call("POST", "/webhooks", 201, create, again))["data"]
    assert "secret" not in replay
    path = f"/webhooks/{hook['id']}"
    await api.call("POST", "/tickets", 201, {"subject": "S", "customer": {"email": "c@x.io"}})
    worker = Worker(db, settings, poll_interval=0.02)
    running = asyncio.create_task(worker.run())
    try:
        for _ in range(500):
            listed = await api.call("GET", f"{path}/deliveries", 200)
            if listed["data"] and listed["data"][0]["attempts"]:
                break
            await asyncio.sleep(0.02)
    finally:
        worker.stop()
        await asyncio.wait_for(running, 30)
    delivery = listed["data"][0]
    assert delivery["attempts"][0]["error"], delivery
    await api.call("POST", f"{path}/deliveries/{delivery['id']}/redeliver", 202)
    await api.call("GET", "/webhooks", 200)
    await api.call("GET", path, 200)
    await api.call("PATCH", path, 200, {"description": "CRM", "enabled": False})
    await api.call("POST", f"{path}/enable", 200)
    assert "secret" in (await api.call("POST", f"{path}/rotate_secret", 200))["data"]
    await api.call("DELETE", path, 204)


async def test_every_v1_answer_is_the_documented_model(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, settings: Settings
) -> None:
    spec = (await client.get("/api/v1/openapi.json")).json()
    api = DocumentedApi(client, tenant, spec)
    customer_id = await _tickets(api)
    await _customers(api, customer_id)
    await _chat(api)
    await _events(api)
    await _webhooks(api, db, settings)
    await api.call("GET", "/tickets/tkt_nope", 404)
    documented = {(m, path) for path, ops in spec["paths"].items() for m in ops}
    assert documented - api.ran == set()


async def test_every_v1_route_documents_its_success_body(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/v1/openapi.json")).json()
    components = spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            success = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
            assert success, (method, path)
            for status, response in success.items():
                if status == "204":
                    assert "content" not in response, (method, path)
                    continue
                schema = response["content"]["application/json"]["schema"]
                assert list(schema) == ["$ref"], (method, path, schema)
                name = schema["$ref"].rsplit("/", 1)[1]
                assert name in components and name in MODELS, (method, path, name)
