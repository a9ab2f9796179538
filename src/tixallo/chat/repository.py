"""Chat queries. Every read starts from :func:`conversations_of` or :func:`chat_messages_of`,
which already filter on the caller's workspace."""

from __future__ import annotations

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.chat.models import ChatMessage, Conversation
from tixallo.context import Ctx
from tixallo.pagination import Cursor, Page, page_from


def conversations_of(ctx: Ctx) -> Select[Conversation]:
    return select(Conversation).where(Conversation.workspace_id == ctx.workspace_id)


def chat_messages_of(ctx: Ctx) -> Select[ChatMessage]:
    return select(ChatMessage).where(ChatMessage.workspace_id == ctx.workspace_id)


async def get_conversation(
    session: AsyncSession, ctx: Ctx, conversation_id: str, *, for_update: bool = False
) -> Conversation | None:
    """``for_update`` locks the row on PostgreSQL (SQLite's write transactions are already
    exclusive), so a message and the end of its conversation cannot interleave."""
    stmt = conversations_of(ctx).where(Conversation.id == conversation_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar()


def _filtered(stmt: Select[Conversation], status: str | None) -> Select[Conversation]:
    return stmt if status is None else stmt.where(Conversation.status == status)


async def list_conversations(
    session: AsyncSession, ctx: Ctx, *, status: str | None, limit: int, cursor: Cursor | None
) -> Page[Conversation]:
    """Newest first, keyset-paginated on (created_at, id)."""
    stmt = _filtered(conversations_of(ctx), status)
    if cursor is not None:
        stmt = stmt.where(tuple_(Conversation.created_at, Conversation.id) < (cursor.at, cursor.id))
    stmt = stmt.order_by(Conversation.created_at.desc(), Conversation.id.desc()).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars())
    return page_from(rows, limit, lambda c: Cursor(c.created_at, c.id))


async def count_conversations(session: AsyncSession, ctx: Ctx, *, status: str | None) -> int:
    stmt = conversations_of(ctx).with_only_columns(func.count(), maintain_column_froms=True)
    if status is not None:
        stmt = stmt.where(Conversation.status == status)
    return int((await session.execute(stmt)).scalar_one())


async def list_conversations_by_offset(
    session: AsyncSession, ctx: Ctx, *, status: str | None, limit: int, offset: int
) -> list[Conversation]:
    """Newest first, like :func:`list_conversations`, for APIs that page by offset."""
    stmt = (
        _filtered(conversations_of(ctx), status)
        .order_by(Conversation.created_at.desc(), Conversation.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list((await session.execute(stmt)).scalars())


async def list_chat_messages(
    session: AsyncSession,
    ctx: Ctx,
    conversation_id: str,
    *,
    limit: int | None = None,
    cursor: Cursor | None = None,
) -> Page[ChatMessage]:
    """Oldest first; all of them when ``limit`` is None."""
    stmt = chat_messages_of(ctx).where(ChatMessage.conversation_id == conversation_id)
    if cursor is not None:
        stmt = stmt.where(tuple_(ChatMessage.created_at, ChatMessage.id) > (cursor.at, cursor.id))
    stmt = stmt.order_by(ChatMessage.created_at.asc(), ChatMessage.id.asc())
    if limit is None:
        return Page(list((await session.execute(stmt)).scalars()), None)
    rows = list((await session.execute(stmt.limit(limit + 1))).scalars())
    return page_from(rows, limit, lambda m: Cursor(m.created_at, m.id))
