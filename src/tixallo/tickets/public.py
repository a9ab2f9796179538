"""The public (v1) representation of tickets and messages, shared by the API and events.

Only public messages may be passed to :func:`message_public`; it refuses internal notes so
that no caller can leak one by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tixallo.clock import isoformat
from tixallo.customers.models import Company, Customer
from tixallo.customers.public import customer_public
from tixallo.tickets.models import Message, Ticket
from tixallo.workspaces.models import Member, User


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket with what its representation shows inline."""

    ticket: Ticket
    customer: Customer
    company: Company | None
    assignee: Member | None
    assignee_user: User | None


@dataclass(frozen=True, slots=True)
class MessageView:
    message: Message
    customer: Customer | None
    member: Member | None
    member_user: User | None


def member_public(member: Member, user: User) -> dict[str, Any]:
    return {"id": member.id, "name": user.name, "email": user.email, "role": member.role}


def ticket_public(view: TicketView) -> dict[str, Any]:
    t = view.ticket
    assignee = None
    if view.assignee is not None and view.assignee_user is not None:
        assignee = member_public(view.assignee, view.assignee_user)
    return {
        "id": t.id,
        "number": t.number,
        "subject": t.subject,
        "status": t.status,
        "priority": t.priority,
        "tags": list(t.tags),
        "source": t.source,
        "inbox_id": t.inbox_id,
        "customer": customer_public(view.customer, view.company),
        "assignee_id": t.assignee_id,
        "assignee": assignee,
        "merged_into_id": t.merged_into_id,
        "created_at": isoformat(t.created_at),
        "updated_at": isoformat(t.updated_at),
    }


def message_author(view: MessageView) -> dict[str, Any]:
    if view.member is not None and view.member_user is not None:
        return {
            "type": "member",
            "id": view.member.id,
            "name": view.member_user.name,
            "email": view.member_user.email,
        }
    if view.customer is not None:
        return {
            "type": "customer",
            "id": view.customer.id,
            "name": view.customer.name,
            "email": view.customer.email,
        }
    return {"type": "unknown", "id": None, "name": "Former member", "email": None}


def _message_fields(view: MessageView) -> dict[str, Any]:
    m = view.message
    return {
        "id": m.id,
        "ticket_id": m.ticket_id,
        "body": m.body,
        "author": message_author(view),
        "created_at": isoformat(m.created_at),
    }


def message_public(view: MessageView) -> dict[str, Any]:
    if view.message.internal:
        raise ValueError("internal notes have no public representation")
    return _message_fields(view)


def message_for_agents(view: MessageView) -> dict[str, Any]:
    """A reply or an internal note, saying which: for agents' tools and explicit exports."""
    return {**_message_fields(view), "internal": view.message.internal}
