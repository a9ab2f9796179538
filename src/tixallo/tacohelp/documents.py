"""A ticket and a conversation exactly as TacoHelp's single-object GETs show them.

``GET /api/external/tickets/:id``, ``GET /api/external/chat/conversations/:id`` and the
``tacohelp`` webhook payload format (:mod:`tixallo.webhooks.formats`) all call these, so a
receiver of that format gets the very object those GETs answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.chat import service as chat
from tixallo.context import Ctx
from tixallo.tacohelp.shaping import conversation_detail_external, ticket_detail_external
from tixallo.tickets import repository as tickets_repo
from tixallo.tickets import service as tickets


async def ticket_document(session: AsyncSession, ctx: Ctx, ticket_id: str) -> dict[str, Any]:
    """The ticket with its description and public comments (never an internal note).
    Raises NotFound for a ticket that is not in ``ctx``'s workspace."""
    view = await tickets.read_ticket(session, ctx, ticket_id)
    page = await tickets_repo.list_messages(session, ctx, ticket_id, include_internal=False)
    return ticket_detail_external(view, page.items)


async def conversation_document(
    session: AsyncSession, ctx: Ctx, conversation_id: str
) -> dict[str, Any]:
    """The conversation with its messages, oldest first. Raises NotFound for a conversation
    that is not in ``ctx``'s workspace."""
    conversation, messages = await chat.get_transcript(session, ctx, conversation_id)
    return conversation_detail_external(conversation, messages)
