"""The public (v1) representation of chat conversations and messages, shared by the v1 API
and the outbox events."""

from __future__ import annotations

from typing import Any

from tixallo.chat.models import ChatMessage, Conversation
from tixallo.clock import isoformat


def conversation_public(conversation: Conversation) -> dict[str, Any]:
    c = conversation
    return {
        "id": c.id,
        "status": c.status,
        "visitor_name": c.visitor_name,
        "visitor_email": c.visitor_email,
        "customer_id": c.customer_id,
        "ticket_id": c.ticket_id,
        "created_at": isoformat(c.created_at),
        "updated_at": isoformat(c.updated_at),
    }


def chat_message_public(message: ChatMessage) -> dict[str, Any]:
    m = message
    return {
        "id": m.id,
        "conversation_id": m.conversation_id,
        "sender_type": m.sender_type,
        "sender_id": m.sender_member_id,
        "content": m.content,
        "created_at": isoformat(m.created_at),
    }
