"""The client has a method for every live v1 route: a new route without one fails here."""

from __future__ import annotations

from operator import attrgetter

from tixallo.api.v1.app import create_v1_app
from tixallo.client import Tixallo

METHODS = {
    "GET /tickets": "tickets.list",
    "POST /tickets": "tickets.create",
    "GET /tickets/{ticket_id}": "tickets.get",
    "PATCH /tickets/{ticket_id}": "tickets.update",
    "GET /tickets/{ticket_id}/messages": "tickets.list_messages",
    "POST /tickets/{ticket_id}/messages": "tickets.create_message",
    "POST /tickets/{ticket_id}/merge": "tickets.merge",
    "GET /customers": "customers.list",
    "PUT /customers": "customers.upsert",
    "GET /customers/{customer_id}": "customers.get",
    "GET /companies": "companies.list",
    "GET /companies/{company_id}": "companies.get",
    "GET /inboxes": "inboxes.list",
    "GET /inboxes/{inbox_id}": "inboxes.get",
    "GET /chat/conversations": "chat.conversations.list",
    "POST /chat/conversations": "chat.conversations.start",
    "GET /chat/conversations/{conversation_id}": "chat.conversations.get",
    "PATCH /chat/conversations/{conversation_id}": "chat.conversations.end",
    "GET /chat/conversations/{conversation_id}/messages": "chat.conversations.list_messages",
    "POST /chat/conversations/{conversation_id}/messages": "chat.conversations.send_message",
    "POST /chat/conversations/{conversation_id}/ticket": "chat.conversations.create_ticket",
    "GET /webhooks": "webhooks.list",
    "POST /webhooks": "webhooks.create",
    "GET /webhooks/{webhook_id}": "webhooks.get",
    "PATCH /webhooks/{webhook_id}": "webhooks.update",
    "DELETE /webhooks/{webhook_id}": "webhooks.delete",
    "POST /webhooks/{webhook_id}/rotate_secret": "webhooks.rotate_secret",
    "POST /webhooks/{webhook_id}/enable": "webhooks.enable",
    "GET /webhooks/{webhook_id}/deliveries": "webhooks.list_deliveries",
    "POST /webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver": "webhooks.redeliver",
    "GET /events": "events.list",
}


def test_every_live_route_has_a_client_method() -> None:
    spec = create_v1_app().openapi()
    routes = {f"{m.upper()} {path}" for path, ops in spec["paths"].items() for m in ops}
    assert routes == set(METHODS), (
        f"without a client method: {sorted(routes - set(METHODS))}; "
        f"gone from the API: {sorted(set(METHODS) - routes)}"
    )
    client = Tixallo("th_" + "x" * 43)
    try:
        for route, name in METHODS.items():
            assert callable(attrgetter(name)(client)), route
    finally:
        client.close()
