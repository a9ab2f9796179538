"""Request bodies of the TacoHelp-compatible API: camelCase, exactly the documented fields.

Unlike v1, unknown fields are ignored rather than refused: integrations written against
TacoHelp may send fields Tixallo has no use for, and they must keep working unchanged.
Ignoring is safe because no model here has a field a client must not set (``id``, numbers
and timestamps are simply not fields).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tixallo.tacohelp.shapes import ConversationStatus, Priority, SenderType, Status
from tixallo.validation import MAX_BODY, MAX_NAME, MAX_SUBJECT, MAX_TAGS

__all__ = ["ConversationStatus", "Priority", "SenderType", "Status"]

EMAIL_MAX = 320
ID_MAX = 40


class LenientBody(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TicketCreate(LenientBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject": "Printer on fire",
                    "description": "Smoke is coming out of tray 2.",
                    "priority": "HIGH",
                    "createdByEmail": "ada@acme.com",
                    "tags": ["hardware"],
                }
            ]
        }
    )

    subject: str = Field(max_length=MAX_SUBJECT)
    description: str | None = Field(
        default=None, max_length=MAX_BODY, description="Becomes the ticket's first message."
    )
    priority: Priority | None = Field(default=None, description="MEDIUM when absent.")
    created_by_email: str = Field(
        alias="createdByEmail",
        max_length=EMAIL_MAX,
        description="The customer with this email (found or created) opens the ticket.",
    )
    tags: list[str] | None = Field(default=None, max_length=MAX_TAGS)


class TicketUpdate(LenientBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "IN_PROGRESS", "priority": "URGENT"}]}
    )

    status: Status | None = None
    priority: Priority | None = None
    assignee_id: str | None = Field(
        default=None,
        alias="assigneeId",
        max_length=EMAIL_MAX,
        description="A member's id or email in this workspace; null unassigns.",
    )
    tags: list[str] | None = Field(default=None, max_length=MAX_TAGS)


class CommentCreate(LenientBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "content": "We are sending a technician today.",
                    "authorEmail": "agent@yourteam.com",
                }
            ]
        }
    )

    content: str = Field(max_length=MAX_BODY)
    author_email: str | None = Field(
        default=None,
        alias="authorEmail",
        max_length=EMAIL_MAX,
        description="A member's email comments as that member; any other as that customer;"
        " none as the ticket's customer.",
    )


class ConversationCreate(LenientBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"visitorName": "Eve", "visitorEmail": "eve@acme.com"}]}
    )

    visitor_name: str | None = Field(default=None, alias="visitorName", max_length=MAX_NAME)
    visitor_email: str = Field(alias="visitorEmail", max_length=EMAIL_MAX)


class ConversationUpdate(LenientBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ended"}]})

    status: ConversationStatus


class ChatMessageCreate(LenientBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"content": "Hello! How can I help?", "senderType": "agent"}]
        }
    )

    content: str = Field(max_length=MAX_BODY)
    sender_type: SenderType = Field(alias="senderType")
    sender_id: str | None = Field(
        default=None,
        alias="senderId",
        max_length=ID_MAX,
        description="For agent messages: the sending member's id (optional).",
    )
