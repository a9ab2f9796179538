"""Tixallo objects in TacoHelp's documented shapes (camelCase, upper-case ticket enums).

Only public messages may be shaped into comments; :func:`comment_external` refuses internal
notes so that no caller can leak one by mistake.
"""

from __future__ import annotations

from typing import Any

from tixallo.chat.models import ChatMessage, Conversation
from tixallo.clock import isoformat
from tixallo.tickets.public import MessageView, TicketView, message_author


def ticket_external(view: TicketView) -> dict[str, Any]:
    t = view.ticket
    assignee = None
    if view.assignee is not None and view.assignee_user is not None:
        assignee = {"name": view.assignee_user.name, "email": view.assignee_user.email}
    return {
        "id": t.id,
        "ticketNumber": t.number,
        "subject": t.subject,
        "status": t.status.upper(),
        "priority": t.priority.upper(),
        "source": t.source.upper(),
        "tags": list(t.tags),
        "createdAt": isoformat(t.created_at),
        "updatedAt": isoformat(t.updated_at),
        "createdBy": {"name": view.customer.name, "email": view.customer.email},
        "assignee": assignee,
        "assigneeId": t.assignee_id,
    }


def comment_external(view: MessageView) -> dict[str, Any]:
    m = view.message
    if m.internal:
        raise ValueError("internal notes have no public representation")
    author = message_author(view)
    return {
        "id": m.id,
        "content": m.body,
        "author": {"name": author["name"], "email": author["email"]},
        "createdAt": isoformat(m.created_at),
    }


def _is_description(view: TicketView, message: MessageView) -> bool:
    """The message written with the ticket: same instant, by the ticket's customer."""
    m = message.message
    return m.created_at == view.ticket.created_at and m.author_customer_id == view.customer.id


def ticket_detail_external(view: TicketView, messages: list[MessageView]) -> dict[str, Any]:
    """The ticket with ``description`` (its opening message, "" when it was opened without
    one) and ``comments`` (every other public message, oldest first)."""
    description_id = next((m.message.id for m in messages if _is_description(view, m)), None)
    shaped = ticket_external(view)
    shaped["description"] = next(
        (m.message.body for m in messages if m.message.id == description_id), ""
    )
    shaped["comments"] = [comment_external(m) for m in messages if m.message.id != description_id]
    return shaped


def conversation_external(conversation: Conversation) -> dict[str, Any]:
    c = conversation
    return {
        "id": c.id,
        "status": c.status,
        "visitorName": c.visitor_name,
        "visitorEmail": c.visitor_email,
        "ticketId": c.ticket_id,
        "createdAt": isoformat(c.created_at),
        "updatedAt": isoformat(c.updated_at),
    }


def chat_message_external(message: ChatMessage) -> dict[str, Any]:
    m = message
    shaped: dict[str, Any] = {"id": m.id, "senderType": m.sender_type}
    if m.sender_type == "agent":
        shaped["senderId"] = m.sender_member_id
    shaped["content"] = m.content
    shaped["createdAt"] = isoformat(m.created_at)
    return shaped


def conversation_detail_external(
    conversation: Conversation, messages: list[ChatMessage]
) -> dict[str, Any]:
    shaped = conversation_external(conversation)
    shaped["messages"] = [chat_message_external(m) for m in messages]
    return shaped
