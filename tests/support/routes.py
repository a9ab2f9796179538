"""Route tables walked by the isolation matrices and the mass-assignment battery: every API
route, a valid body for each write, and one workspace's ids filled into path templates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount

from tests.support.resources import make_resources
from tests.support.tenants import Tenant, ticket_body
from tixallo.db import Database

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


class Resources:
    """Ids of one workspace's resources, by path parameter name."""

    def __init__(self, ids: dict[str, str]) -> None:
        self.ids = ids

    def fill(self, template: str) -> str:
        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.ids:
                raise AssertionError(
                    f"{template}: tests/support/resources.py does not make a '{name}'; "
                    "add it to make_resources()"
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


async def api_resources(db: Database, tenant: Tenant) -> Resources:
    """One of each thing an API route can name, in the workspace: see resources.py."""
    return Resources(await make_resources(db, tenant))
