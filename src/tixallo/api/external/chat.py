"""/api/external/chat/conversations: TacoHelp's documented chat endpoints over the chat
service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from tixallo.api.deps import ChatRead, ChatWrite, ReadSession, WriteSession
from tixallo.api.external import responses, schemas
from tixallo.api.external.params import Limit, Offset, documented_params
from tixallo.api.idempotency import idempotent_response
from tixallo.chat import repository
from tixallo.chat import service as chat
from tixallo.pagination import check_limit
from tixallo.tacohelp.documents import conversation_document
from tixallo.tacohelp.shaping import chat_message_external, conversation_external

router = APIRouter(prefix="/chat/conversations", tags=["chat"])

ConversationId = Annotated[str, Path(alias="conversationId")]


@router.get(
    "",
    summary="List chat conversations for your organization",
    **responses.documented(responses.ConversationList),
)
async def list_conversations(
    ctx: ChatRead,
    session: ReadSession,
    status: schemas.ConversationStatus | None = None,
    limit: Limit = None,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Newest first; ``total`` counts every conversation matching the filter."""
    effective = check_limit(limit)
    total = await repository.count_conversations(session, ctx, status=status)
    rows = await repository.list_conversations_by_offset(
        session, ctx, status=status, limit=effective, offset=offset
    )
    return {
        "conversations": [conversation_external(c) for c in rows],
        "total": total,
        "limit": effective,
        "offset": offset,
    }


@router.post(
    "",
    status_code=201,
    summary="Start a new chat conversation",
    **responses.documented(responses.Conversation, 201),
)
async def start_conversation(
    body: schemas.ConversationCreate, ctx: ChatWrite, session: WriteSession, request: Request
) -> JSONResponse:
    """The visitor is matched to the customer with ``visitorEmail``, or becomes one."""

    async def produce() -> dict[str, Any]:
        with documented_params():
            conversation = await chat.start_conversation(
                session, ctx, visitor_email=body.visitor_email, visitor_name=body.visitor_name
            )
        return conversation_external(conversation)

    return await idempotent_response(request, session, ctx, produce)


@router.get(
    "/{conversationId}",
    summary="Get a conversation with its messages",
    **responses.documented(responses.ConversationDetail),
)
async def get_conversation(
    conversation_id: ConversationId, ctx: ChatRead, session: ReadSession
) -> dict[str, Any]:
    return await conversation_document(session, ctx, conversation_id)


@router.post(
    "/{conversationId}/messages",
    status_code=201,
    summary="Send a message in a conversation",
    **responses.documented(
        responses.ChatMessage, 201, conflict="Conflict — the conversation has ended"
    ),
)
async def create_message(
    conversation_id: ConversationId,
    body: schemas.ChatMessageCreate,
    ctx: ChatWrite,
    session: WriteSession,
    request: Request,
) -> JSONResponse:
    """409 when the conversation has ended."""

    async def produce() -> dict[str, Any]:
        with documented_params():
            message = await chat.add_chat_message(
                session,
                ctx,
                conversation_id,
                content=body.content,
                sender_type=body.sender_type,
                sender_member_id=body.sender_id,
            )
        return chat_message_external(message)

    return await idempotent_response(request, session, ctx, produce)


@router.patch(
    "/{conversationId}",
    summary="End a conversation",
    **responses.documented(
        responses.Conversation, conflict="Conflict — an ended conversation cannot be reopened"
    ),
)
async def update_conversation(
    conversation_id: ConversationId,
    body: schemas.ConversationUpdate,
    ctx: ChatWrite,
    session: WriteSession,
) -> dict[str, Any]:
    """``{"status": "ended"}`` ends it (again: no change); an ended one cannot be reopened."""
    with documented_params():
        conversation = await chat.update_conversation(
            session, ctx, conversation_id, status=body.status
        )
    return conversation_external(conversation)
