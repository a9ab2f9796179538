"""Request bodies of the v1 API. Unknown fields are refused (400 naming the field), so a
client cannot set ``id``, ``number`` or ``workspace_id`` by mass assignment."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["open", "in_progress", "waiting", "resolved", "closed"]
Priority = Literal["low", "medium", "high", "urgent"]


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerRef(StrictBody):
    email: str = Field(max_length=320)
    name: str | None = Field(default=None, max_length=200)


class TicketCreate(StrictBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject": "Printer on fire",
                    "body": "Smoke is coming out of tray 2.",
                    "customer": {"email": "ada@acme.com", "name": "Ada Lovelace"},
                    "priority": "high",
                    "tags": ["hardware"],
                }
            ]
        }
    )

    subject: str = Field(max_length=500)
    body: str | None = Field(default=None, max_length=65_536, description="The first message.")
    customer: CustomerRef
    priority: Priority = "medium"
    tags: list[str] = Field(default_factory=list, max_length=20)
    inbox_id: str | None = Field(default=None, max_length=40)
    assignee_id: str | None = Field(default=None, max_length=40)


class TicketUpdate(StrictBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "in_progress", "priority": "urgent"}]}
    )

    subject: str | None = Field(default=None, max_length=500)
    status: Status | None = None
    priority: Priority | None = None
    assignee_id: str | None = Field(default=None, max_length=40, description="null unassigns.")
    tags: list[str] | None = Field(default=None, max_length=20)


class MessageCreate(StrictBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"body": "We are sending a technician today.", "author_email": "agent@yourteam.com"}
            ]
        }
    )

    body: str = Field(max_length=65_536)
    author_email: str | None = Field(
        default=None,
        max_length=320,
        description="A member's email posts as that member; any other email as that customer;"
        " none as the ticket's customer.",
    )


class TicketMerge(StrictBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"target_id": "tkt_01jq3v4n8d9fkz7m2x5c6b0a1e"}]}
    )

    target_id: str = Field(max_length=40)


class CustomerUpsert(StrictBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "bob@globex.io", "name": "Bob Stone"}]}
    )

    email: str = Field(max_length=320)
    name: str | None = Field(default=None, max_length=200)
