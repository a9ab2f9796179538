"""/api/v1/tickets: thin adapters over :mod:`tixallo.tickets.service`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from tixallo.api.deps import ReadSession, TicketsRead, TicketsWrite, WriteSession
from tixallo.api.idempotency import idempotent_response
from tixallo.api.v1 import responses, schemas
from tixallo.api.v1.envelope import many, one
from tixallo.api.v1.responses import documented
from tixallo.bounds import check_datetime
from tixallo.pagination import Cursor, check_limit
from tixallo.tickets import repository
from tixallo.tickets import service as tickets
from tixallo.tickets.public import message_public, ticket_public
from tixallo.tickets.search import MAX_QUERY_LENGTH, parse_search
from tixallo.validation import check_email, normalize_tag

router = APIRouter(prefix="/tickets", tags=["tickets"])

Limit = Annotated[int | None, Query(description="1 to 100 (more is clamped); default 50.")]
CursorParam = Annotated[str | None, Query(description="next_cursor of the previous page.")]


@router.get("", summary="List tickets", **documented(responses.TicketList))
async def list_tickets(
    ctx: TicketsRead,
    session: ReadSession,
    limit: Limit = None,
    cursor: CursorParam = None,
    status: schemas.Status | None = None,
    priority: schemas.Priority | None = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    assignee_id: Annotated[str | None, Query(max_length=40)] = None,
    customer_email: Annotated[str | None, Query(max_length=320)] = None,
    inbox_id: Annotated[str | None, Query(max_length=40)] = None,
    updated_since: datetime | None = None,
    sort: Literal["created_at", "updated_at"] = "created_at",
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_LENGTH,
            description="Search: tickets whose subject, or one of whose public messages,"
            " contains every word (whole words on PostgreSQL, anywhere in a word on SQLite).",
        ),
    ] = None,
) -> dict[str, Any]:
    """Newest first; ``sort=updated_at`` lists oldest change first for incremental sync;
    ``q`` searches subjects and public messages (internal notes are never searched here)."""
    if updated_since is not None:
        updated_since = check_datetime(updated_since, param="updated_since")
    filters = repository.TicketFilters(
        status=status,
        priority=priority,
        tag=normalize_tag(tag) if tag else None,
        assignee_id=assignee_id,
        customer_email=check_email(customer_email, param="customer_email")
        if customer_email
        else None,
        inbox_id=inbox_id,
        updated_since=updated_since,
        search=parse_search(q) if q is not None else None,
    )
    page = await repository.list_tickets(
        session,
        ctx,
        filters,
        limit=check_limit(limit),
        cursor=Cursor.decode(cursor) if cursor else None,
        sort=sort,
    )
    return many(page, ticket_public)


@router.post(
    "", status_code=201, summary="Create a ticket", **documented(responses.TicketResponse, 201)
)
async def create_ticket(
    body: schemas.TicketCreate, ctx: TicketsWrite, session: WriteSession, request: Request
) -> JSONResponse:
    """The customer is found by email (case-insensitive) or created; the ticket lands in the
    default inbox unless ``inbox_id`` says otherwise."""

    async def produce() -> dict[str, Any]:
        view = await tickets.create_ticket(
            session,
            ctx,
            tickets.TicketCreate(
                subject=body.subject,
                body=body.body,
                customer_email=body.customer.email,
                customer_name=body.customer.name,
                priority=body.priority,
                tags=tuple(body.tags),
                inbox_id=body.inbox_id,
                assignee_id=body.assignee_id,
                source="api",
            ),
        )
        return one(ticket_public(view))

    return await idempotent_response(request, session, ctx, produce)


@router.get("/{ticket_id}", summary="Get a ticket", **documented(responses.TicketResponse))
async def get_ticket(ticket_id: str, ctx: TicketsRead, session: ReadSession) -> dict[str, Any]:
    return one(ticket_public(await tickets.read_ticket(session, ctx, ticket_id)))


@router.patch("/{ticket_id}", summary="Update a ticket", **documented(responses.TicketResponse))
async def update_ticket(
    ticket_id: str, body: schemas.TicketUpdate, ctx: TicketsWrite, session: WriteSession
) -> dict[str, Any]:
    sent = body.model_fields_set
    update = tickets.TicketUpdate(
        subject=body.subject,
        status=body.status,
        priority=body.priority,
        assignee_id=body.assignee_id,
        clear_assignee="assignee_id" in sent and body.assignee_id is None,
        tags=tuple(body.tags) if body.tags is not None else None,
    )
    return one(ticket_public(await tickets.update_ticket(session, ctx, ticket_id, update)))


@router.get(
    "/{ticket_id}/messages",
    summary="List a ticket's public messages",
    **documented(responses.MessageList),
)
async def list_messages(
    ticket_id: str,
    ctx: TicketsRead,
    session: ReadSession,
    limit: Limit = None,
    cursor: CursorParam = None,
) -> dict[str, Any]:
    """Oldest first. Internal notes are never returned."""
    await tickets.get_ticket(session, ctx, ticket_id)
    page = await repository.list_messages(
        session,
        ctx,
        ticket_id,
        include_internal=False,
        limit=check_limit(limit),
        cursor=Cursor.decode(cursor) if cursor else None,
    )
    return many(page, message_public)


@router.post(
    "/{ticket_id}/messages",
    status_code=201,
    summary="Post a public message",
    **documented(responses.MessageResponse, 201),
)
async def create_message(
    ticket_id: str,
    body: schemas.MessageCreate,
    ctx: TicketsWrite,
    session: WriteSession,
    request: Request,
) -> JSONResponse:
    async def produce() -> dict[str, Any]:
        view = await tickets.add_message(
            session, ctx, ticket_id, body=body.body, author_email=body.author_email
        )
        return one(message_public(view))

    return await idempotent_response(request, session, ctx, produce)


@router.post(
    "/{ticket_id}/merge",
    status_code=200,
    summary="Merge a ticket into another",
    **documented(responses.TicketResponse),
)
async def merge_ticket(
    ticket_id: str,
    body: schemas.TicketMerge,
    ctx: TicketsWrite,
    session: WriteSession,
    request: Request,
) -> JSONResponse:
    """Moves this ticket's messages to ``target_id``, closes this ticket and answers the target."""

    async def produce() -> dict[str, Any]:
        view = await tickets.merge_ticket(session, ctx, ticket_id, target_id=body.target_id)
        return one(ticket_public(view))

    return await idempotent_response(request, session, ctx, produce, status_code=200)
