"""The chat console: active conversations, live messages both ways, reply as the signed-in
agent, end a conversation, turn one into a ticket."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.chat import repository as chat_repo
from tixallo.chat import service as chat
from tixallo.errors import NotFound, TixalloError
from tixallo.web import sessions
from tixallo.web.deps import CurrentAgent, db_of, field, form_of
from tixallo.web.sessions import Agent
from tixallo.web.templating import render
from tixallo.workspaces import service as workspaces

router = APIRouter(prefix="/chat")

LIST_SIZE = 50


async def _console(
    session: AsyncSession, agent: Agent, conversation_id: str | None
) -> dict[str, Any]:
    active = await chat_repo.list_conversations(
        session, agent.ctx, status="active", limit=LIST_SIZE, cursor=None
    )
    recent = await chat_repo.list_conversations(
        session, agent.ctx, status="ended", limit=10, cursor=None
    )
    context: dict[str, Any] = {
        "active": active.items,
        "recent": recent.items,
        "current": None,
        "chat_messages": [],
    }
    if conversation_id is not None:
        current, messages = await chat.get_transcript(session, agent.ctx, conversation_id)
        names = {m.id: u.name for m, u in await workspaces.list_members(session, agent.ctx)}
        context.update(current=current, chat_messages=messages, agent_names=names)
    return context


async def _page(
    request: Request,
    agent: Agent,
    conversation_id: str | None,
    *,
    template: str = "chat.html",
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    async with db_of(request).transaction(write=False) as session:
        context = await _console(session, agent, conversation_id)
    return render(request, template, agent=agent, status_code=status_code, error=error, **context)


@router.get("")
async def console(request: Request, agent: CurrentAgent) -> Response:
    return await _page(request, agent, None)


@router.get("/{conversation_id}")
async def conversation(request: Request, conversation_id: str, agent: CurrentAgent) -> Response:
    return await _page(request, agent, conversation_id)


@router.get("/{conversation_id}/transcript")
async def transcript(request: Request, conversation_id: str, agent: CurrentAgent) -> Response:
    """The transcript alone, for the live update of an open console."""
    return await _page(request, agent, conversation_id, template="_transcript.html")


@router.post("/{conversation_id}/messages")
async def send(request: Request, conversation_id: str, agent: CurrentAgent) -> Response:
    content = field(await form_of(request), "content")
    try:
        async with db_of(request).transaction() as session:
            await chat.add_chat_message(
                session,
                agent.ctx,
                conversation_id,
                content=content,
                sender_type="agent",
                sender_member_id=agent.member.id,
            )
    except NotFound as exc:
        if exc.param is None:
            raise
        return await _page(request, agent, conversation_id, status_code=400, error=exc.message)
    except TixalloError as exc:
        return await _page(request, agent, conversation_id, status_code=400, error=exc.message)
    return RedirectResponse(f"/chat/{conversation_id}#compose", status_code=303)


@router.post("/{conversation_id}/end")
async def end(request: Request, conversation_id: str, agent: CurrentAgent) -> Response:
    async with db_of(request).transaction() as session:
        await chat.end_conversation(session, agent.ctx, conversation_id)
        await sessions.set_flash(session, agent.session, "Conversation ended.")
    return RedirectResponse(f"/chat/{conversation_id}", status_code=303)


@router.post("/{conversation_id}/ticket")
async def to_ticket(request: Request, conversation_id: str, agent: CurrentAgent) -> Response:
    subject = field(await form_of(request), "subject").strip() or None
    try:
        async with db_of(request).transaction() as session:
            view = await chat.create_ticket_from_conversation(
                session, agent.ctx, conversation_id, subject=subject
            )
            await sessions.set_flash(
                session, agent.session, f"Ticket #{view.ticket.number} created from the chat."
            )
    except NotFound:
        raise
    except TixalloError as exc:
        return await _page(request, agent, conversation_id, status_code=400, error=exc.message)
    return RedirectResponse(f"/tickets/{view.ticket.id}", status_code=303)
