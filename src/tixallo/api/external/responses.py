"""The documented response shapes, for the OpenAPI document only (responses are shaped by
:mod:`tixallo.api.external.shaping`; a test checks every response against these models, so
the document cannot drift from what is sent)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tixallo.api.external.schemas import ConversationStatus, Priority, SenderType, Status
from tixallo.api.openapi import ErrorBody, error_responses

DOCUMENTED = ConfigDict(extra="forbid", populate_by_name=True)


class Person(BaseModel):
    model_config = DOCUMENTED
    name: str
    email: str | None


class Ticket(BaseModel):
    model_config = DOCUMENTED
    id: str
    ticket_number: int = Field(alias="ticketNumber")
    subject: str
    status: Status
    priority: Priority
    source: Literal["API", "APP", "CHAT", "EMAIL"]
    tags: list[str]
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")
    created_by: Person = Field(alias="createdBy", description="The ticket's customer.")
    assignee: Person | None
    assignee_id: str | None = Field(alias="assigneeId")


class Comment(BaseModel):
    model_config = DOCUMENTED
    id: str
    content: str
    author: Person
    created_at: str = Field(alias="createdAt")


class TicketDetail(Ticket):
    description: str = Field(description="The message written with the ticket; '' if none.")
    comments: list[Comment] = Field(description="Public messages, oldest first.")


class TicketList(BaseModel):
    model_config = DOCUMENTED
    tickets: list[Ticket]
    total: int
    limit: int
    offset: int


class Conversation(BaseModel):
    model_config = DOCUMENTED
    id: str
    status: ConversationStatus
    visitor_name: str = Field(alias="visitorName")
    visitor_email: str = Field(alias="visitorEmail")
    ticket_id: str | None = Field(alias="ticketId")
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class ChatMessage(BaseModel):
    model_config = DOCUMENTED
    id: str
    sender_type: SenderType = Field(alias="senderType")
    sender_id: str | None = Field(
        default=None, alias="senderId", description="Agent messages only."
    )
    content: str
    created_at: str = Field(alias="createdAt")


class ConversationDetail(Conversation):
    messages: list[ChatMessage] = Field(description="Oldest first.")


class ConversationList(BaseModel):
    model_config = DOCUMENTED
    conversations: list[Conversation]
    total: int
    limit: int
    offset: int


def documented(
    model: type[BaseModel], status: int = 200, *, conflict: str | None = None
) -> dict[str, Any]:
    """Route keyword arguments that document ``model`` as the response without validating
    each response against it at run time; ``conflict`` documents when the route answers 409."""
    documented_responses: dict[int | str, dict[str, Any]] = {status: {"model": model}}
    if conflict is not None:
        documented_responses[409] = {"model": ErrorBody, "description": conflict}
    return {"response_model": None, "responses": documented_responses}


ERRORS = error_responses(
    [
        (400, "Bad request — missing or invalid parameters"),
        (401, "Unauthorized — invalid or missing API key"),
        (403, "Forbidden — insufficient scope"),
        (404, "Not found — resource doesn't exist in your org"),
        (429, "Rate limit exceeded — wait and retry"),
        (500, "Server error — contact support"),
    ]
)
