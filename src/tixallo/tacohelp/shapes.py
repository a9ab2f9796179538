"""TacoHelp's documented objects as pydantic models: the one definition of each shape.

:mod:`tixallo.tacohelp.shaping` builds these models and sends their dump, and the OpenAPI
document of ``/api/external`` is generated from them, so what is documented and what is sent
cannot differ. Field names are Python's; the aliases are the documented camelCase names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["OPEN", "IN_PROGRESS", "WAITING", "RESOLVED", "CLOSED"]
Priority = Literal["LOW", "MEDIUM", "HIGH", "URGENT"]
Source = Literal["API", "APP", "CHAT", "EMAIL"]
ConversationStatus = Literal["active", "ended"]
SenderType = Literal["visitor", "agent"]


class Documented(BaseModel):
    """extra="forbid": a field added to a shape but not to its model fails at once, where it
    is built, instead of going out undocumented. Built by Python name, dumped by alias."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Person(Documented):
    name: str
    email: str | None


class Ticket(Documented):
    id: str
    ticket_number: int = Field(alias="ticketNumber")
    subject: str
    status: Status
    priority: Priority
    source: Source
    tags: list[str]
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")
    created_by: Person = Field(alias="createdBy", description="The ticket's customer.")
    assignee: Person | None
    assignee_id: str | None = Field(alias="assigneeId")


class Comment(Documented):
    id: str
    content: str
    author: Person
    created_at: str = Field(alias="createdAt")


class TicketDetail(Ticket):
    description: str = Field(description="The message written with the ticket; '' if none.")
    comments: list[Comment] = Field(description="Public messages, oldest first.")


class TicketList(Documented):
    tickets: list[Ticket]
    total: int
    limit: int
    offset: int


class Conversation(Documented):
    id: str
    status: ConversationStatus
    visitor_name: str = Field(alias="visitorName")
    visitor_email: str = Field(alias="visitorEmail")
    ticket_id: str | None = Field(alias="ticketId")
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class ChatMessage(Documented):
    id: str
    sender_type: SenderType = Field(alias="senderType")
    # Sent only on agent messages: shaping dumps chat messages with exclude_unset.
    sender_id: str | None = Field(
        default=None, alias="senderId", description="Agent messages only."
    )
    content: str
    created_at: str = Field(alias="createdAt")


class ConversationDetail(Conversation):
    messages: list[ChatMessage] = Field(description="Oldest first.")


class ConversationList(Documented):
    conversations: list[Conversation]
    total: int
    limit: int
    offset: int
