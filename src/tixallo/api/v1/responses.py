"""The documented v1 response bodies, for the OpenAPI document only.

Responses are shaped by the ``*_public`` functions of each domain and sent as they are: these
models describe those shapes without validating each response at run time (the hot paths
keep their cost). A test runs every v1 route and checks its body against the model declared
here, with unknown fields refused, so the document cannot drift from what is sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from tixallo.api.v1.schemas import Priority, Status


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Company(Shape):
    id: str
    name: str
    domain: str | None = Field(description="The email domain its customers are matched by.")
    created_at: datetime
    updated_at: datetime


class Customer(Shape):
    id: str
    email: str = Field(description="Lower-cased; unique in the workspace.")
    name: str
    company: Company | None = Field(description="Found by the email's domain, if any.")
    created_at: datetime
    updated_at: datetime


class Member(Shape):
    id: str
    name: str
    email: str
    role: Literal["owner", "admin", "agent"]


class Ticket(Shape):
    id: str
    number: int = Field(description="Sequential per workspace, as agents see it (#42).")
    subject: str
    status: Status
    priority: Priority
    tags: list[str]
    source: Literal["api", "app", "chat", "email"] = Field(description="Where it was created.")
    inbox_id: str
    customer: Customer
    assignee_id: str | None
    assignee: Member | None = Field(description="null when unassigned.")
    merged_into_id: str | None = Field(
        description="The ticket this one was merged into; such a ticket is closed."
    )
    created_at: datetime
    updated_at: datetime


class Author(Shape):
    type: Literal["member", "customer", "unknown"] = Field(
        description="`unknown`: the member who wrote it was removed."
    )
    id: str | None
    name: str
    email: str | None


class Message(Shape):
    """A public message; internal notes never appear in the API."""

    id: str
    ticket_id: str
    body: str
    author: Author
    created_at: datetime


class Inbox(Shape):
    id: str
    name: str
    is_default: bool = Field(description="Where tickets land when no inbox_id is given.")
    created_at: datetime


class Conversation(Shape):
    id: str
    status: Literal["active", "ended"]
    visitor_name: str
    visitor_email: str
    customer_id: str = Field(description="The customer the visitor's email matched or made.")
    ticket_id: str | None = Field(description="The ticket made from this chat, if any.")
    created_at: datetime
    updated_at: datetime


class ChatMessage(Shape):
    id: str
    conversation_id: str
    sender_type: Literal["visitor", "agent"]
    sender_id: str | None = Field(description="The sending member's id, for agent messages.")
    content: str
    created_at: datetime


class Webhook(Shape):
    id: str
    object: Literal["webhook"]
    url: str
    description: str
    events: list[str] = Field(description="Event types, or ['*'] for all.")
    format: Literal["tixallo", "tacohelp"] = Field(
        description="Payload format: tixallo (the event as this API shows it) or tacohelp"
        " (TacoHelp's documented shapes)."
    )
    enabled: bool
    disabled_reason: str | None = Field(description="Why it was disabled, while it is.")
    disabled_at: datetime | None
    consecutive_failures: int = Field(description="Failed deliveries in a row (reset by a 2xx).")
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(Webhook):
    # Absent, not null, on a replay: SkipJsonSchema keeps the null out of the document.
    secret: str | SkipJsonSchema[None] = Field(
        default=None,
        description="The signing secret (`whsec_…`), shown this once. A replay of the same"
        " Idempotency-Key answers without it.",
    )


class Attempt(Shape):
    attempted_at: datetime
    succeeded: bool
    status_code: int | None = Field(description="The receiver's status; null if none came.")
    error: str | None = Field(description="What went wrong, when it failed.")
    duration_ms: int


class Delivery(Shape):
    id: str
    object: Literal["webhook_delivery"]
    webhook_id: str
    event_id: str
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempt_count: int
    next_attempt_at: datetime | None = Field(description="When it is sent next, if pending.")
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    attempts: list[Attempt] = Field(description="Every attempt, oldest first.")


# --- events: the resource each type carries -------------------------------------------------


class MessageWithTicket(Message):
    ticket: Ticket = Field(description="The ticket after the message was added.")


class MergedTicket(Ticket):
    merged_into: Ticket = Field(description="The ticket it was merged into.")


class ChatMessageWithConversation(ChatMessage):
    conversation: Conversation


Changes = Annotated[
    dict[str, list[Any]],
    Field(description="On `*.updated` and `chat.conversation.ended`: {field: [old, new]}."),
]


class EventBase(Shape):
    id: str = Field(description="Also the webhook-id of its deliveries.")
    created_at: datetime
    workspace_id: str
    changes: Changes | SkipJsonSchema[None] = None


class TicketEvent(EventBase):
    type: Literal[
        "ticket.created", "ticket.updated", "ticket.resolved", "ticket.closed", "ticket.reopened"
    ]
    data: Ticket


class TicketMessageEvent(EventBase):
    type: Literal["ticket.message.created", "ticket.commented"]
    data: MessageWithTicket


class TicketMergedEvent(EventBase):
    type: Literal["ticket.merged"]
    data: MergedTicket = Field(description="The merged (source) ticket.")


class CustomerEvent(EventBase):
    type: Literal["customer.created", "customer.updated"]
    data: Customer


class ConversationEvent(EventBase):
    type: Literal["chat.conversation.started", "chat.conversation.ended"]
    data: Conversation


class ChatMessageEvent(EventBase):
    type: Literal["chat.message.created"]
    data: ChatMessageWithConversation


Event = Annotated[
    TicketEvent
    | TicketMessageEvent
    | TicketMergedEvent
    | CustomerEvent
    | ConversationEvent
    | ChatMessageEvent,
    Field(discriminator="type"),
]


# --- envelopes (api/v1/envelope.py) ---------------------------------------------------------


class Page(Shape):
    has_more: bool
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class TicketResponse(Shape):
    data: Ticket


class TicketList(Page):
    data: list[Ticket]


class MessageResponse(Shape):
    data: Message


class MessageList(Page):
    data: list[Message]


class CustomerResponse(Shape):
    data: Customer


class CustomerList(Page):
    data: list[Customer]


class CompanyResponse(Shape):
    data: Company


class CompanyList(Page):
    data: list[Company]


class InboxResponse(Shape):
    data: Inbox


class InboxList(Page):
    data: list[Inbox]


class ConversationResponse(Shape):
    data: Conversation


class ConversationList(Page):
    data: list[Conversation]


class ChatMessageResponse(Shape):
    data: ChatMessage


class ChatMessageList(Page):
    data: list[ChatMessage]


class WebhookResponse(Shape):
    data: Webhook


class WebhookSecretResponse(Shape):
    data: WebhookWithSecret


class WebhookList(Page):
    data: list[Webhook]


class DeliveryResponse(Shape):
    data: Delivery


class DeliveryList(Page):
    data: list[Delivery]


class EventList(Shape):
    data: list[Event] = Field(description="Oldest first, in commit order.")
    has_more: bool
    next_cursor: str = Field(description="Always set: pass it as `after` on your next call.")


def documented(model: type[BaseModel], *statuses: int) -> dict[str, Any]:
    """Route keyword arguments that document ``model`` as the body of each success status
    (default 200) without validating responses against it at run time."""
    return {"responses": {status: {"model": model} for status in statuses or (200,)}}
