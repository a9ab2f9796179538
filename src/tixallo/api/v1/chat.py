"""/api/v1/chat/conversations: live chat in v1 style, over :mod:`tixallo.chat.service`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field

from tixallo.api.deps import ChatRead, ChatWrite, ReadSession, TicketsWrite, WriteSession
from tixallo.api.idempotency import idempotent_response
from tixallo.api.v1 import responses
from tixallo.api.v1.envelope import many, one
from tixallo.api.v1.responses import documented
from tixallo.api.v1.schemas import StrictBody
from tixallo.chat import repository
from tixallo.chat import service as chat
from tixallo.chat.public import chat_message_public, conversation_public
from tixallo.pagination import Cursor, check_limit
from tixallo.tickets.public import ticket_public
from tixallo.validation import MAX_BODY, MAX_NAME, MAX_SUBJECT

router = APIRouter(prefix="/chat/conversations", tags=["chat"])

Limit = Annotated[int | None, Query(description="1 to 100 (more is clamped); default 50.")]
CursorParam = Annotated[str | None, Query(description="next_cursor of the previous page.")]
ConversationStatus = Literal["active", "ended"]


class ConversationCreate(StrictBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"visitor_email": "eve@acme.com", "visitor_name": "Eve"}]}
    )

    visitor_email: str = Field(max_length=320)
    visitor_name: str | None = Field(default=None, max_length=MAX_NAME)


class ConversationUpdate(StrictBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ended"}]})

    status: ConversationStatus


class ChatMessageCreate(StrictBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"content": "Hello! How can I help?", "sender_type": "agent"}]
        }
    )

    content: str = Field(max_length=MAX_BODY)
    sender_type: Literal["visitor", "agent"]
    sender_id: str | None = Field(
        default=None, max_length=40, description="For agent messages: the sending member's id."
    )


class ConversationTicketCreate(StrictBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"subject": "Chat with Eve"}]})

    subject: str | None = Field(default=None, max_length=MAX_SUBJECT)


@router.get("", summary="List chat conversations", **documented(responses.ConversationList))
async def list_conversations(
    ctx: ChatRead,
    session: ReadSession,
    limit: Limit = None,
    cursor: CursorParam = None,
    status: ConversationStatus | None = None,
) -> dict[str, Any]:
    """Newest first."""
    page = await repository.list_conversations(
        session,
        ctx,
        status=status,
        limit=check_limit(limit),
        cursor=Cursor.decode(cursor) if cursor else None,
    )
    return many(page, conversation_public)


@router.post(
    "",
    status_code=201,
    summary="Start a chat conversation",
    **documented(responses.ConversationResponse, 201),
)
async def start_conversation(
    body: ConversationCreate, ctx: ChatWrite, session: WriteSession, request: Request
) -> JSONResponse:
    """The visitor is matched to the customer with this email, or becomes one."""

    async def produce() -> dict[str, Any]:
        conversation = await chat.start_conversation(
            session, ctx, visitor_email=body.visitor_email, visitor_name=body.visitor_name
        )
        return one(conversation_public(conversation))

    return await idempotent_response(request, session, ctx, produce)


@router.get(
    "/{conversation_id}",
    summary="Get a chat conversation",
    **documented(responses.ConversationResponse),
)
async def get_conversation(
    conversation_id: str, ctx: ChatRead, session: ReadSession
) -> dict[str, Any]:
    return one(conversation_public(await chat.get_conversation(session, ctx, conversation_id)))


@router.patch(
    "/{conversation_id}",
    summary="End a chat conversation",
    **documented(responses.ConversationResponse),
)
async def update_conversation(
    conversation_id: str, body: ConversationUpdate, ctx: ChatWrite, session: WriteSession
) -> dict[str, Any]:
    """``{"status": "ended"}``; ending twice changes nothing, reopening is a 409."""
    conversation = await chat.update_conversation(session, ctx, conversation_id, status=body.status)
    return one(conversation_public(conversation))


@router.get(
    "/{conversation_id}/messages",
    summary="List a conversation's messages",
    **documented(responses.ChatMessageList),
)
async def list_messages(
    conversation_id: str,
    ctx: ChatRead,
    session: ReadSession,
    limit: Limit = None,
    cursor: CursorParam = None,
) -> dict[str, Any]:
    """Oldest first."""
    await chat.get_conversation(session, ctx, conversation_id)
    page = await repository.list_chat_messages(
        session,
        ctx,
        conversation_id,
        limit=check_limit(limit),
        cursor=Cursor.decode(cursor) if cursor else None,
    )
    return many(page, chat_message_public)


@router.post(
    "/{conversation_id}/messages",
    status_code=201,
    summary="Send a chat message",
    **documented(responses.ChatMessageResponse, 201),
)
async def create_message(
    conversation_id: str,
    body: ChatMessageCreate,
    ctx: ChatWrite,
    session: WriteSession,
    request: Request,
) -> JSONResponse:
    """409 when the conversation has ended."""

    async def produce() -> dict[str, Any]:
        message = await chat.add_chat_message(
            session,
            ctx,
            conversation_id,
            content=body.content,
            sender_type=body.sender_type,
            sender_member_id=body.sender_id,
        )
        return one(chat_message_public(message))

    return await idempotent_response(request, session, ctx, produce)


@router.post(
    "/{conversation_id}/ticket",
    status_code=201,
    summary="Turn a chat into a ticket",
    **documented(responses.TicketResponse, 201),
)
async def create_ticket(
    conversation_id: str,
    ctx: ChatWrite,
    _tickets: TicketsWrite,
    session: WriteSession,
    request: Request,
    body: ConversationTicketCreate | None = None,
) -> JSONResponse:
    """A ticket (source ``chat``) whose first message is the transcript; needs both
    ``chat:write`` and ``tickets:write``. One ticket per conversation (409 on a second)."""

    async def produce() -> dict[str, Any]:
        view = await chat.create_ticket_from_conversation(
            session, ctx, conversation_id, subject=body.subject if body else None
        )
        return one(ticket_public(view))

    return await idempotent_response(request, session, ctx, produce)
