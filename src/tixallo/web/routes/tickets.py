"""The ticket queue and the ticket page: reply, note, status, priority, assignee, tags, merge."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.bounds import MAX_INT32, is_ascii_digits, parse_int
from tixallo.errors import Invalid, NotFound, TixalloError
from tixallo.tickets import repository as tickets_repo
from tixallo.tickets import service as tickets
from tixallo.tickets.models import CLOSED_STATUSES, OPEN_STATUSES, PRIORITIES, STATUSES
from tixallo.tickets.repository import TicketFilters
from tixallo.tickets.search import TextSearch, parse_search
from tixallo.validation import check_choice, normalize_tag
from tixallo.web import sessions
from tixallo.web.deps import CurrentAgent, db_of, field, form_of
from tixallo.web.params import PageParams, QueueFilters
from tixallo.web.sessions import Agent
from tixallo.web.templating import render
from tixallo.workspaces import service as workspaces

router = APIRouter()

VIEWS = {
    "mine": ("My open", OPEN_STATUSES),
    "unassigned": ("Unassigned", OPEN_STATUSES),
    "open": ("All open", OPEN_STATUSES),
    "resolved": ("Resolved", CLOSED_STATUSES),
    "all": ("Everything", None),
}
PAGE_SIZE = 50


def _filters(agent: Agent, params: dict[str, str]) -> tuple[TicketFilters, tuple[str, ...] | None]:
    view = params.get("view") or "open"
    if view not in VIEWS:
        raise Invalid(f"view must be one of: {', '.join(VIEWS)}.", param="view")
    statuses = VIEWS[view][1]
    status = params.get("status") or None
    if status is not None:
        check_choice(status, STATUSES, param="status")
        statuses = None  # an explicit status replaces the view's set
    priority = params.get("priority") or None
    if priority is not None:
        check_choice(priority, PRIORITIES, param="priority")
    assignee = params.get("assignee") or None
    unassigned = view == "unassigned" or assignee == "none"
    if view == "mine":
        assignee = agent.member.id
    filters = TicketFilters(
        status=status,
        priority=priority,
        tag=normalize_tag(params.get("tag") or "") or None,
        assignee_id=None if unassigned or assignee == "none" else assignee,
        unassigned=unassigned,
        inbox_id=params.get("inbox") or None,
    )
    return filters, statuses


def _search_of(text: str) -> TextSearch | None:
    """The queue's search box: agents find internal notes too; a box with no word in it
    (only punctuation, say) searches nothing rather than failing the page."""
    if not text:
        return None
    try:
        return parse_search(text, include_internal=True)
    except Invalid:
        return None


@router.get("/")
async def queue(
    request: Request, agent: CurrentAgent, paging: PageParams, given: QueueFilters
) -> Response:
    params = given.given()
    filters, statuses = _filters(agent, params)
    if paging.query:
        params["q"] = paging.query
    first_page_url = "/?" + urlencode(params)
    cursor = paging.cursor
    if cursor is not None:
        params["cursor"] = cursor.encode()
    query = _search_of(paging.query or "")
    async with db_of(request).transaction(write=False) as session:
        page = await tickets_repo.list_queue(
            session,
            agent.ctx,
            filters,
            statuses=statuses,
            query=query,
            limit=PAGE_SIZE,
            cursor=cursor,
        )
        members = await workspaces.list_members(session, agent.ctx)
        inboxes = await workspaces.list_inboxes(session, agent.ctx)
    next_url = None
    if page.next_cursor:
        next_url = "/?" + urlencode({**params, "cursor": page.next_cursor})
    return render(
        request,
        "queue.html",
        agent=agent,
        page=page,
        params=params,
        view=params.get("view") or "open",
        views=VIEWS,
        members=members,
        inboxes=inboxes,
        next_url=next_url,
        first_page_url=first_page_url,
    )


async def _ticket_context(session: AsyncSession, agent: Agent, ticket_id: str) -> dict[str, Any]:
    view = await tickets.get_ticket(session, agent.ctx, ticket_id)
    messages = await tickets_repo.list_messages(
        session, agent.ctx, ticket_id, include_internal=True
    )
    customer_tickets = await tickets_repo.list_queue(
        session,
        agent.ctx,
        TicketFilters(customer_id=view.customer.id),
        statuses=None,
        query=None,
        limit=10,
        cursor=None,
    )
    company_tickets = None
    if view.company is not None:
        company_tickets = await tickets_repo.list_queue(
            session,
            agent.ctx,
            TicketFilters(),
            statuses=None,
            query=None,
            company_id=view.company.id,
            limit=10,
            cursor=None,
        )
    merged_into = None
    if view.ticket.merged_into_id:
        merged_into = await tickets_repo.get_ticket(session, agent.ctx, view.ticket.merged_into_id)
    return {
        "view": view,
        "t": view.ticket,
        "messages": messages.items,
        "customer_tickets": [v for v in customer_tickets.items if v.ticket.id != ticket_id],
        "company_tickets": [
            v
            for v in (company_tickets.items if company_tickets else [])
            if v.ticket.id != ticket_id
        ],
        "members": await workspaces.list_members(session, agent.ctx),
        "inboxes": await workspaces.list_inboxes(session, agent.ctx),
        "merged_into": merged_into,
    }


async def _ticket_page(
    request: Request,
    agent: Agent,
    ticket_id: str,
    *,
    error: str | None = None,
    status_code: int = 200,
    draft: str = "",
) -> Response:
    async with db_of(request).transaction(write=False) as session:
        context = await _ticket_context(session, agent, ticket_id)
    return render(
        request,
        "ticket.html",
        agent=agent,
        status_code=status_code,
        error=error,
        draft=draft,
        **context,
    )


@router.get("/tickets/{ticket_id}")
async def ticket_page(request: Request, ticket_id: str, agent: CurrentAgent) -> Response:
    return await _ticket_page(request, agent, ticket_id)


@router.get("/tickets/{ticket_id}/conversation")
async def conversation_fragment(request: Request, ticket_id: str, agent: CurrentAgent) -> Response:
    """The conversation alone, for the live update of an open ticket page."""
    async with db_of(request).transaction(write=False) as session:
        context = await _ticket_context(session, agent, ticket_id)
    return render(request, "_conversation.html", agent=agent, **context)


@router.post("/tickets/{ticket_id}/messages")
async def add_message(request: Request, ticket_id: str, agent: CurrentAgent) -> Response:
    form = await form_of(request)
    body = field(form, "body")
    internal = field(form, "kind") == "note"
    new_status = field(form, "status") or None
    try:
        async with db_of(request).transaction() as session:
            await tickets.add_message(
                session,
                agent.ctx,
                ticket_id,
                body=body,
                author_member_id=agent.member.id,
                internal=internal,
            )
            if new_status is not None:
                await tickets.update_ticket(
                    session, agent.ctx, ticket_id, tickets.TicketUpdate(status=new_status)
                )
            done = "Internal note added." if internal else "Reply sent."
            await sessions.set_flash(session, agent.session, done)
    except NotFound:
        raise
    except TixalloError as exc:
        return await _ticket_page(
            request, agent, ticket_id, error=exc.message, status_code=400, draft=body
        )
    return RedirectResponse(f"/tickets/{ticket_id}#latest", status_code=303)


@router.post("/tickets/{ticket_id}/update")
async def update_ticket(request: Request, ticket_id: str, agent: CurrentAgent) -> Response:
    form = await form_of(request)
    assignee = field(form, "assignee", "-")
    tags_text = form.get("tags")
    data = tickets.TicketUpdate(
        status=field(form, "status") or None,
        priority=field(form, "priority") or None,
        assignee_id=assignee if assignee not in ("", "-", "none") else None,
        clear_assignee=assignee == "none",
        tags=(
            tuple(t for t in tags_text.split(",") if t.strip())
            if isinstance(tags_text, str)
            else None
        ),
    )
    try:
        async with db_of(request).transaction() as session:
            await tickets.update_ticket(session, agent.ctx, ticket_id, data)
            await sessions.set_flash(session, agent.session, "Ticket updated.")
    except NotFound as exc:
        if exc.param is None:
            raise
        return await _ticket_page(request, agent, ticket_id, error=exc.message, status_code=400)
    except TixalloError as exc:
        return await _ticket_page(request, agent, ticket_id, error=exc.message, status_code=400)
    return RedirectResponse(f"/tickets/{ticket_id}", status_code=303)


@router.post("/tickets/{ticket_id}/merge")
async def merge_ticket(request: Request, ticket_id: str, agent: CurrentAgent) -> Response:
    """Merge this ticket into the one given by number (``42`` or ``#42``)."""
    target_text = field(await form_of(request), "target").strip().lstrip("#")
    try:
        if not is_ascii_digits(target_text):
            raise Invalid("Give the number of the ticket to merge into.", param="target")
        # Ticket numbers are INTEGER: a larger one names no ticket (and must not reach the
        # database, which would refuse it with a 500 on PostgreSQL).
        number = parse_int(target_text, param="target", low=1, high=MAX_INT32)
        async with db_of(request).transaction() as session:
            await tickets.get_ticket(session, agent.ctx, ticket_id)
            target = await tickets_repo.get_ticket_by_number(session, agent.ctx, number)
            if target is None:
                raise Invalid(f"There is no ticket #{target_text}.", param="target")
            merged = await tickets.merge_ticket(
                session, agent.ctx, ticket_id, target_id=target.ticket.id
            )
            await sessions.set_flash(
                session, agent.session, f"Merged into #{merged.ticket.number}."
            )
    except NotFound as exc:
        if exc.param is None:
            raise
        return await _ticket_page(request, agent, ticket_id, error=exc.message, status_code=400)
    except TixalloError as exc:
        return await _ticket_page(request, agent, ticket_id, error=exc.message, status_code=400)
    return RedirectResponse(f"/tickets/{merged.ticket.id}", status_code=303)
