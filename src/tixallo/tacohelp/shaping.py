"""Tixallo objects in TacoHelp's documented shapes (camelCase, upper-case ticket enums).

Each function builds the documented model of :mod:`tixallo.tacohelp.shapes` and answers its
dump by alias: the models are the one definition of both the OpenAPI document and what is
sent, and validating while building (a few microseconds per object) means an object that
does not fit its documented shape fails here rather than reaching a client.

Only public messages may be shaped into comments; :func:`comment_external` refuses internal
notes so that no caller can leak one by mistake.
"""

from __future__ import annotations

from typing import Any

from tixallo.chat.models import ChatMessage, Conversation
from tixallo.clock import isoformat
from tixallo.tacohelp import shapes
from tixallo.tickets.public import MessageView, TicketView, message_author


def _ticket(view: TicketView) -> shapes.Ticket:
    t = view.ticket
    assignee = None
    if view.assignee is not None and view.assignee_user is not None:
        assignee = shapes.Person(name=view.assignee_user.name, email=view.assignee_user.email)
    return shapes.Ticket(
        id=t.id,
        ticket_number=t.number,
        subject=t.subject,
        status=t.status.upper(),
        priority=t.priority.upper(),
        source=t.source.upper(),
        tags=list(t.tags),
        created_at=isoformat(t.created_at),
        updated_at=isoformat(t.updated_at),
        created_by=shapes.Person(name=view.customer.name, email=view.customer.email),
        assignee=assignee,
        assignee_id=t.assignee_id,
    )


def ticket_external(view: TicketView) -> dict[str, Any]:
    return _ticket(view).model_dump(by_alias=True)


def _comment(view: MessageView) -> shapes.Comment:
    m = view.message
    if m.internal:
        raise ValueError("internal notes have no public representation")
    author = message_author(view)
    return shapes.Comment(
        id=m.id,
        content=m.body,
        author=shapes.Person(name=author["name"], email=author["email"]),
        created_at=isoformat(m.created_at),
    )


def comment_external(view: MessageView) -> dict[str, Any]:
    return _comment(view).model_dump(by_alias=True)


def _is_description(view: TicketView, message: MessageView) -> bool:
    """The message written with the ticket: same instant, by the ticket's customer."""
    m = message.message
    return m.created_at == view.ticket.created_at and m.author_customer_id == view.customer.id


def ticket_detail_external(view: TicketView, messages: list[MessageView]) -> dict[str, Any]:
    """The ticket with ``description`` (its opening message, "" when it was opened without
    one) and ``comments`` (every other public message, oldest first)."""
    description_id = next((m.message.id for m in messages if _is_description(view, m)), None)
    description = next((m.message.body for m in messages if m.message.id == description_id), "")
    detail = shapes.TicketDetail(
        **dict(_ticket(view)),
        description=description,
        comments=[_comment(m) for m in messages if m.message.id != description_id],
    )
    return detail.model_dump(by_alias=True)


def _conversation(conversation: Conversation) -> dict[str, Any]:
    """The conversation's fields by Python name, for :class:`shapes.Conversation` and its
    detail."""
    c = conversation
    return {
        "id": c.id,
        "status": c.status,
        "visitor_name": c.visitor_name,
        "visitor_email": c.visitor_email,
        "ticket_id": c.ticket_id,
        "created_at": isoformat(c.created_at),
        "updated_at": isoformat(c.updated_at),
    }


def conversation_external(conversation: Conversation) -> dict[str, Any]:
    return shapes.Conversation(**_conversation(conversation)).model_dump(by_alias=True)


def _chat_message(message: ChatMessage) -> shapes.ChatMessage:
    m = message
    if m.sender_type == "agent":
        return shapes.ChatMessage(
            id=m.id,
            sender_type=m.sender_type,
            sender_id=m.sender_member_id,
            content=m.content,
            created_at=isoformat(m.created_at),
        )
    # No sender_id at all (not null): the document shows it on agent messages only.
    return shapes.ChatMessage(
        id=m.id, sender_type=m.sender_type, content=m.content, created_at=isoformat(m.created_at)
    )


def chat_message_external(message: ChatMessage) -> dict[str, Any]:
    return _chat_message(message).model_dump(by_alias=True, exclude_unset=True)


def conversation_detail_external(
    conversation: Conversation, messages: list[ChatMessage]
) -> dict[str, Any]:
    detail = shapes.ConversationDetail(
        **_conversation(conversation), messages=[_chat_message(m) for m in messages]
    )
    return detail.model_dump(by_alias=True, exclude_unset=True)
