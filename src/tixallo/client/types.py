"""The shapes the v1 API answers, as TypedDicts (they are plain dicts at run time)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Literal, TypedDict, TypeVar

T = TypeVar("T")

Status = Literal["open", "in_progress", "waiting", "resolved", "closed"]
Priority = Literal["low", "medium", "high", "urgent"]


class Company(TypedDict):
    id: str
    name: str
    domain: str | None
    created_at: str
    updated_at: str


class Customer(TypedDict):
    id: str
    email: str
    name: str | None
    company: Company | None
    created_at: str
    updated_at: str


class Ticket(TypedDict):
    id: str
    number: int
    subject: str
    status: Status
    priority: Priority
    tags: list[str]
    source: str
    inbox_id: str
    customer: Customer
    assignee_id: str | None
    assignee: dict[str, Any] | None
    merged_into_id: str | None
    created_at: str
    updated_at: str


class Author(TypedDict):
    type: Literal["customer", "member"]
    id: str
    name: str | None
    email: str


class Message(TypedDict):
    id: str
    ticket_id: str
    body: str
    author: Author
    created_at: str


class Inbox(TypedDict):
    id: str
    name: str
    is_default: bool
    created_at: str


class Conversation(TypedDict):
    id: str
    status: Literal["active", "ended"]
    visitor_name: str | None
    visitor_email: str
    customer_id: str
    ticket_id: str | None
    created_at: str
    updated_at: str


class ChatMessage(TypedDict):
    id: str
    conversation_id: str
    sender_type: Literal["visitor", "agent"]
    sender_id: str | None
    content: str
    created_at: str


class Webhook(TypedDict, total=False):
    id: str
    object: Literal["webhook"]
    url: str
    description: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None
    disabled_at: str | None
    consecutive_failures: int
    created_at: str
    updated_at: str
    #: Only in the answers of create and rotate_secret.
    secret: str


class Attempt(TypedDict):
    attempted_at: str
    succeeded: bool
    status_code: int | None
    error: str | None
    duration_ms: int


class Delivery(TypedDict):
    id: str
    object: Literal["webhook_delivery"]
    webhook_id: str
    event_id: str
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempt_count: int
    next_attempt_at: str | None
    last_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: str | None
    created_at: str
    attempts: list[Attempt]


class Event(TypedDict, total=False):
    id: str
    type: str
    created_at: str
    workspace_id: str
    data: dict[str, Any]
    #: On ``*.updated`` events: the fields that changed, ``{"field": [old, new]}``.
    changes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: ``data``, and ``next_cursor`` to pass for the next one."""

    data: list[T]
    has_more: bool
    next_cursor: str | None
