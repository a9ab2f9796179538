"""Queries of the agent app's own table, the sign-in sessions. A session's workspace
condition is :func:`web_session_scope_of`; a session is otherwise found by the hash of its
secret token, which belongs to one row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.context import Ctx
from tixallo.web.models import WebSession


def web_session_scope_of(ctx: Ctx) -> ColumnElement[bool]:
    """Sessions working in the caller's workspace."""
    return WebSession.workspace_id == ctx.workspace_id


async def delete_session(session: AsyncSession, session_id: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.id == session_id))


async def delete_user_sessions(session: AsyncSession, user_id: str, ctx: Ctx | None) -> None:
    """Every session of a person, or with ``ctx`` only those working in its workspace."""
    stmt = delete(WebSession).where(WebSession.user_id == user_id)
    if ctx is not None:
        stmt = stmt.where(web_session_scope_of(ctx))
    await session.execute(stmt)


async def update_session(session: AsyncSession, session_id: str, **values: Any) -> None:
    """Set columns of one session (``last_seen_at``, ``workspace_id``, ``flash``)."""
    await session.execute(update(WebSession).where(WebSession.id == session_id).values(**values))
