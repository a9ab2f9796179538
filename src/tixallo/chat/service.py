"""Live-chat use cases: start, send, end, and turn a conversation into a ticket.

Each flushes and records its outbox event in the caller's transaction; the caller commits.
Writes to one conversation lock its row first, so a message can never land after the
conversation was ended by a concurrent request.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock, ids
from tixallo.chat import repository
from tixallo.chat.models import CONVERSATION_STATUSES, SENDER_TYPES, ChatMessage, Conversation
from tixallo.chat.public import chat_message_public, conversation_public
from tixallo.context import Ctx
from tixallo.customers.service import resolve_customer
from tixallo.errors import Conflict, Invalid, NotFound
from tixallo.events.service import record_event
from tixallo.tickets import service as tickets
from tixallo.tickets.public import TicketView
from tixallo.validation import MAX_BODY, MAX_NAME, MAX_SUBJECT, check_choice, check_text
from tixallo.workspaces import repository as workspaces

TRANSCRIPT_CUT = "\n\n[transcript truncated]"
SUBJECT_FROM_MESSAGE = 80


async def get_conversation(session: AsyncSession, ctx: Ctx, conversation_id: str) -> Conversation:
    conversation = await repository.get_conversation(session, ctx, conversation_id)
    if conversation is None:
        raise NotFound("conversation", conversation_id)
    return conversation


async def _locked(session: AsyncSession, ctx: Ctx, conversation_id: str) -> Conversation:
    conversation = await repository.get_conversation(session, ctx, conversation_id, for_update=True)
    if conversation is None:
        raise NotFound("conversation", conversation_id)
    return conversation


async def get_transcript(
    session: AsyncSession, ctx: Ctx, conversation_id: str
) -> tuple[Conversation, list[ChatMessage]]:
    """The conversation and all its messages, oldest first."""
    conversation = await get_conversation(session, ctx, conversation_id)
    page = await repository.list_chat_messages(session, ctx, conversation_id)
    return conversation, page.items


async def start_conversation(
    session: AsyncSession, ctx: Ctx, *, visitor_email: str, visitor_name: str | None = None
) -> Conversation:
    """The visitor is matched to the customer with this email, or becomes a new one. Without
    a name the visitor is known by the customer's name (for a new customer, the email's local
    part)."""
    name = (
        check_text(visitor_name, param="visitor_name", max_length=MAX_NAME)
        if visitor_name is not None and visitor_name.strip()
        else None
    )
    resolved = await resolve_customer(
        session, ctx, email=visitor_email, name=name, param="visitor_email"
    )
    now = clock.now()
    conversation = Conversation(
        id=ids.new_id("cnv"),
        workspace_id=ctx.workspace_id,
        customer_id=resolved.customer.id,
        visitor_name=name or resolved.customer.name,
        visitor_email=resolved.customer.email,
        status="active",
        ticket_id=None,
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    await session.flush()
    record_event(session, ctx, "chat.conversation.started", conversation_public(conversation))
    return conversation


async def add_chat_message(
    session: AsyncSession,
    ctx: Ctx,
    conversation_id: str,
    *,
    content: str,
    sender_type: str,
    sender_member_id: str | None = None,
) -> ChatMessage:
    """Send a message. An agent message is from ``sender_member_id`` (a member of this
    workspace) or else the signed-in member of ``ctx``, if any. An ended conversation
    accepts no more messages (Conflict)."""
    text = check_text(content, param="content", max_length=MAX_BODY)
    sender_type = check_choice(sender_type, SENDER_TYPES, param="sender_type")
    member_id: str | None = None
    if sender_type == "visitor":
        if sender_member_id is not None:
            raise Invalid("Only agent messages have a sender id.", param="sender_id")
    else:
        member_id = sender_member_id or ctx.member_id
        if member_id is not None and await workspaces.get_member(session, ctx, member_id) is None:
            raise NotFound("member", member_id, param="sender_id")
    conversation = await _locked(session, ctx, conversation_id)
    if conversation.status == "ended":
        raise Conflict(
            "This conversation has ended and accepts no more messages; start a new one.",
            param="conversation_id",
        )
    now = clock.now()
    message = ChatMessage(
        id=ids.new_id("chm"),
        workspace_id=ctx.workspace_id,
        conversation_id=conversation.id,
        sender_type=sender_type,
        sender_member_id=member_id,
        content=text,
        created_at=now,
    )
    session.add(message)
    conversation.updated_at = now
    await session.flush()
    data = chat_message_public(message)
    data["conversation"] = conversation_public(conversation)
    record_event(session, ctx, "chat.message.created", data)
    return message


async def update_conversation(
    session: AsyncSession, ctx: Ctx, conversation_id: str, *, status: str
) -> Conversation:
    """Only ``active`` → ``ended`` changes anything. Ending an ended conversation is a no-op
    (retries are safe); reopening one is refused, because its visitor has left: start a new
    conversation instead."""
    status = check_choice(status, CONVERSATION_STATUSES, param="status")
    conversation = await _locked(session, ctx, conversation_id)
    if conversation.status == status:
        return conversation
    if status == "active":
        raise Conflict("An ended conversation cannot be reopened; start a new one.", param="status")
    conversation.status = "ended"
    conversation.updated_at = clock.now()
    await session.flush()
    record_event(
        session,
        ctx,
        "chat.conversation.ended",
        conversation_public(conversation),
        changes={"status": ["active", "ended"]},
    )
    return conversation


async def end_conversation(session: AsyncSession, ctx: Ctx, conversation_id: str) -> Conversation:
    return await update_conversation(session, ctx, conversation_id, status="ended")


async def _transcript_text(
    session: AsyncSession, ctx: Ctx, conversation: Conversation, messages: list[ChatMessage]
) -> str | None:
    if not messages:
        return None
    agent_names: dict[str, str] = {}
    for member_id in {m.sender_member_id for m in messages if m.sender_member_id}:
        found = await workspaces.get_member(session, ctx, member_id)
        if found is not None:
            agent_names[member_id] = found[1].name
    lines = []
    for m in messages:
        if m.sender_type == "visitor":
            who = conversation.visitor_name
        else:
            who = agent_names.get(m.sender_member_id or "", "Agent")
        lines.append(f"{who}: {m.content}")
    text = "\n\n".join(lines)
    if len(text) > MAX_BODY:
        text = text[: MAX_BODY - len(TRANSCRIPT_CUT)] + TRANSCRIPT_CUT
    return text


def _default_subject(conversation: Conversation, messages: list[ChatMessage]) -> str:
    for m in messages:
        if m.sender_type == "visitor":
            first_line = m.content.strip().splitlines()[0].strip()
            if len(first_line) > SUBJECT_FROM_MESSAGE:
                first_line = first_line[: SUBJECT_FROM_MESSAGE - 1].rstrip() + "…"
            return first_line
    return f"Chat with {conversation.visitor_name}"[:MAX_SUBJECT]


async def create_ticket_from_conversation(
    session: AsyncSession, ctx: Ctx, conversation_id: str, *, subject: str | None = None
) -> TicketView:
    """A ticket (source ``chat``) for the conversation's customer whose first message is the
    transcript so far; the conversation remembers it. One ticket per conversation (Conflict
    on a second). The subject defaults to the visitor's first line."""
    conversation = await _locked(session, ctx, conversation_id)
    if conversation.ticket_id is not None:
        raise Conflict(
            f"This conversation already became ticket '{conversation.ticket_id}'.",
            param="conversation_id",
        )
    messages = (await repository.list_chat_messages(session, ctx, conversation_id)).items
    view = await tickets.create_ticket(
        session,
        ctx,
        tickets.TicketCreate(
            subject=subject if subject is not None else _default_subject(conversation, messages),
            customer_email=conversation.visitor_email,
            customer_name=conversation.visitor_name,
            body=await _transcript_text(session, ctx, conversation, messages),
            source="chat",
        ),
    )
    conversation.ticket_id = view.ticket.id
    conversation.updated_at = clock.now()
    await session.flush()
    return view
