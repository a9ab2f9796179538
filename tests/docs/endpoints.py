"""What docs/examples.md and docs/api-reference.md show for each v1 endpoint.

One entry per live route: the setup it needs (earlier requests whose ids it uses), its
query, its body, and a few words. ``make_docs.py`` turns this into curl, Node.js and Python
snippets and, running them against a real server, into the documented responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Step:
    """A setup request: ``var`` = the value at ``pick`` (a jq-style path) of its answer.
    ``poll`` repeats the request until that value exists."""

    var: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    pick: str = ".data.id"
    poll: bool = False


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # as in the OpenAPI document, under /api/v1
    title: str
    setup: tuple[Step, ...] = ()
    query: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    notes: str = ""
    # Values the reader supplies: variable name -> environment variable (see examples.md).
    env: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.method} /api/v1{self.path}"

    @property
    def anchor(self) -> str:
        return (self.method + self.path).lower().replace("/", "-").replace("{", "").replace("}", "")


TICKET = Step(
    "ticket_id",
    "POST",
    "/tickets",
    {
        "subject": "Printer on fire",
        "body": "Smoke is coming out.",
        "customer": {"email": "ada@acme.com"},
    },
)
CUSTOMER = Step("customer_id", "PUT", "/customers", {"email": "bob@globex.io", "name": "Bob Stone"})
COMPANY = Step(
    "company_id", "PUT", "/customers", {"email": "bob@globex.io"}, pick=".data.company.id"
)
INBOX = Step("inbox_id", "GET", "/inboxes", pick=".data[0].id")
CONVERSATION = Step(
    "conversation_id", "POST", "/chat/conversations", {"visitor_email": "eve@acme.com"}
)
CHAT_MESSAGE = Step(
    "message_id",
    "POST",
    "/chat/conversations/{conversation_id}/messages",
    {"content": "Is anyone there?", "sender_type": "visitor"},
)
WEBHOOK = Step(
    "webhook_id",
    "POST",
    "/webhooks",
    {"url": "https://example.com/tixallo-hook", "events": ["ticket.created"]},
)
DELIVERY = Step(
    "delivery_id", "GET", "/webhooks/{webhook_id}/deliveries", pick=".data[0].id", poll=True
)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET",
        "/tickets",
        "List tickets",
        query={"status": "open", "limit": "2"},
        notes="Newest first. Filters: `status`, `priority`, `tag`, `assignee_id`, "
        "`customer_email`, `inbox_id`, `updated_since` (ISO 8601 with a time zone); "
        "`sort=updated_at` lists the oldest change first, for incremental sync. "
        "`q` searches: tickets whose subject, or one of whose public messages, "
        "contains every word of `q` (at most 8 words, case-insensitive; internal notes are "
        "never searched). On PostgreSQL words match whole words from a full-text index; on "
        "the embedded SQLite database they match anywhere in the text and the search reads "
        "every ticket of the workspace, which is fine for thousands of tickets. A `q` with no "
        "letter or digit answers 400.",
    ),
    Endpoint(
        "POST",
        "/tickets",
        "Create a ticket",
        body={
            "subject": "Printer on fire",
            "body": "Smoke is coming out of tray 2.",
            "customer": {"email": "ada@acme.com", "name": "Ada Lovelace"},
            "priority": "high",
            "tags": ["hardware"],
        },
        notes="The customer is found by email (case-insensitive) or created, and a company "
        "is derived from the email's domain (not for free-mail domains). `body` becomes the "
        "first message. The ticket lands in the default inbox unless `inbox_id` names another.",
    ),
    Endpoint("GET", "/tickets/{ticket_id}", "Get a ticket", setup=(TICKET,)),
    Endpoint(
        "PATCH",
        "/tickets/{ticket_id}",
        "Update a ticket",
        setup=(TICKET,),
        body={"status": "in_progress", "priority": "urgent", "tags": ["hardware", "fire"]},
        notes="Send only the fields to change. `assignee_id: null` unassigns; `tags` "
        "replaces the whole set.",
    ),
    Endpoint(
        "GET",
        "/tickets/{ticket_id}/messages",
        "List a ticket's messages",
        setup=(TICKET,),
        notes="Public messages, oldest first. Internal notes are never returned.",
    ),
    Endpoint(
        "POST",
        "/tickets/{ticket_id}/messages",
        "Post a message",
        setup=(TICKET,),
        env={"agent_email": "TIXALLO_AGENT_EMAIL"},
        body={"body": "We are sending a technician today.", "author_email": "{agent_email}"},
        notes="`author_email` of a member posts as that member: an agent's reply, as here. "
        "Any other email posts as that customer, and none as the ticket's customer (a "
        "follow-up from them).",
    ),
    Endpoint(
        "POST",
        "/tickets/{ticket_id}/merge",
        "Merge a ticket into another",
        setup=(
            Step("target_id", "POST", "/tickets", TICKET.body),
            TICKET,
        ),
        body={"target_id": "{target_id}"},
        notes="Moves this ticket's messages to `target_id`, closes this ticket (its "
        "`merged_into_id` is set) and answers the target. Answers `200`.",
    ),
    Endpoint(
        "GET",
        "/customers",
        "List customers",
        query={"limit": "2"},
        notes="Newest first. Filters: `email` (exact, case-insensitive), `company_id`.",
    ),
    Endpoint(
        "PUT",
        "/customers",
        "Create or update a customer by email",
        body={"email": "bob@globex.io", "name": "Bob Stone"},
        notes="`201` when the email was new, `200` when a customer with it existed (and "
        "`name`, if given, replaced its name). Safe to retry as it is.",
    ),
    Endpoint("GET", "/customers/{customer_id}", "Get a customer", setup=(CUSTOMER,)),
    Endpoint(
        "GET",
        "/companies",
        "List companies",
        query={"limit": "2"},
        notes="Companies are made from customers' email domains; they are read-only here.",
    ),
    Endpoint("GET", "/companies/{company_id}", "Get a company", setup=(COMPANY,)),
    Endpoint(
        "GET",
        "/inboxes",
        "List inboxes",
        notes="All inboxes, the default first, in one page. Inboxes are managed in the app.",
    ),
    Endpoint("GET", "/inboxes/{inbox_id}", "Get an inbox", setup=(INBOX,)),
    Endpoint(
        "GET",
        "/chat/conversations",
        "List chat conversations",
        setup=(CONVERSATION,),
        query={"status": "active", "limit": "2"},
        notes="Newest first; `status` is `active` or `ended`.",
    ),
    Endpoint(
        "POST",
        "/chat/conversations",
        "Start a chat conversation",
        body={"visitor_email": "eve@acme.com", "visitor_name": "Eve"},
        notes="The visitor is matched to the customer with this email, or becomes one.",
    ),
    Endpoint(
        "GET",
        "/chat/conversations/{conversation_id}",
        "Get a chat conversation",
        setup=(CONVERSATION,),
    ),
    Endpoint(
        "PATCH",
        "/chat/conversations/{conversation_id}",
        "End a chat conversation",
        setup=(CONVERSATION,),
        body={"status": "ended"},
        notes="Ending twice changes nothing; an ended conversation cannot be reopened (`409`).",
    ),
    Endpoint(
        "GET",
        "/chat/conversations/{conversation_id}/messages",
        "List a conversation's messages",
        setup=(CONVERSATION, CHAT_MESSAGE),
        notes="Oldest first.",
    ),
    Endpoint(
        "POST",
        "/chat/conversations/{conversation_id}/messages",
        "Send a chat message",
        setup=(CONVERSATION,),
        body={"content": "Hello! How can I help?", "sender_type": "agent"},
        notes="`sender_type` is `visitor` or `agent` (`sender_id`: the member's id, "
        "optional). `409` once the conversation has ended.",
    ),
    Endpoint(
        "POST",
        "/chat/conversations/{conversation_id}/ticket",
        "Turn a chat into a ticket",
        setup=(CONVERSATION, CHAT_MESSAGE),
        body={"subject": "Chat with Eve"},
        notes="Makes a ticket (`source: chat`) whose first message is the transcript. Needs "
        "both `chat:write` and `tickets:write`. One ticket per conversation (`409` on a "
        "second). The body is optional.",
    ),
    Endpoint("GET", "/webhooks", "List webhooks", setup=(WEBHOOK,), query={"limit": "2"}),
    Endpoint(
        "POST",
        "/webhooks",
        "Create a webhook",
        body={
            "url": "https://example.com/tixallo-hook",
            "events": ["ticket.created", "ticket.message.created"],
            "description": "CRM sync",
        },
        notes="The answer carries `secret` (`whsec_…`), shown this once: keep it to verify "
        'signatures. `events` lists event types or `["*"]`; a key subscribes only to the '
        "types its scopes can read (`*` needs every read scope), otherwise `403` naming "
        "`events`. See [Webhooks](webhooks.md#scopes-and-subscriptions). "
        "`https://example.com/tixallo-hook` is a placeholder: deliveries to it fail and are "
        "retried (see the delivery log); put your receiver's URL there.",
    ),
    Endpoint("GET", "/webhooks/{webhook_id}", "Get a webhook", setup=(WEBHOOK,)),
    Endpoint(
        "PATCH",
        "/webhooks/{webhook_id}",
        "Update a webhook",
        setup=(WEBHOOK,),
        body={"description": "CRM sync (all events)", "events": ["*"]},
        notes="Send only the fields to change; `enabled: true` re-enables.",
    ),
    Endpoint(
        "DELETE",
        "/webhooks/{webhook_id}",
        "Delete a webhook",
        setup=(WEBHOOK,),
        notes="Answers `204` with no body.",
    ),
    Endpoint(
        "POST",
        "/webhooks/{webhook_id}/rotate_secret",
        "Replace the signing secret",
        setup=(WEBHOOK,),
        notes="Answers the webhook with its new `secret`, shown this once.",
    ),
    Endpoint(
        "POST",
        "/webhooks/{webhook_id}/enable",
        "Re-enable a webhook",
        setup=(WEBHOOK,),
        notes="Re-enables a webhook that was disabled (by you or after repeated failures) "
        "and delivers the events kept meanwhile.",
    ),
    Endpoint(
        "GET",
        "/webhooks/{webhook_id}/deliveries",
        "List a webhook's deliveries",
        setup=(WEBHOOK, TICKET, DELIVERY),
        notes="Newest first; `status` filters (`pending`, `succeeded`, `failed`). Each "
        "delivery carries every attempt.",
    ),
    Endpoint(
        "POST",
        "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
        "Redeliver",
        setup=(WEBHOOK, TICKET, DELIVERY),
        notes="Sends the delivery again (answers `202`); the receiver sees the same `webhook-id`.",
    ),
    Endpoint(
        "GET",
        "/events",
        "Read the event feed",
        query={"limit": "2"},
        notes="Oldest first, in commit order. Keep `next_cursor` (always set) and pass it "
        "as `after`: you see every event exactly once. `types` filters (comma-separated). "
        "See [Sync](sync.md).",
    ),
)
