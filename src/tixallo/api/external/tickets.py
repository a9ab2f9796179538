"""/api/external/tickets: TacoHelp's documented ticket endpoints over the ticket service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from tixallo.api.deps import ReadSession, TicketsRead, TicketsWrite, WriteSession
from tixallo.api.external import responses, schemas
from tixallo.api.external.params import Limit, Offset, documented_params, member_id_for
from tixallo.api.idempotency import idempotent_response
from tixallo.pagination import check_limit
from tixallo.tacohelp.documents import ticket_document
from tixallo.tacohelp.shaping import comment_external, ticket_external
from tixallo.tickets import repository
from tixallo.tickets import service as tickets

router = APIRouter(prefix="/tickets", tags=["tickets"])

TicketId = Annotated[str, Path(alias="ticketId")]


@router.get(
    "", summary="List tickets for your organization", **responses.documented(responses.TicketList)
)
async def list_tickets(
    ctx: TicketsRead,
    session: ReadSession,
    status: schemas.Status | None = None,
    limit: Limit = None,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Newest first; ``total`` counts every ticket matching the filter."""
    effective = check_limit(limit)
    filters = repository.TicketFilters(status=status.lower() if status else None)
    total = await repository.count_tickets(session, ctx, filters)
    views = await repository.list_tickets_by_offset(
        session, ctx, filters, limit=effective, offset=offset
    )
    return {
        "tickets": [ticket_external(v) for v in views],
        "total": total,
        "limit": effective,
        "offset": offset,
    }


@router.post(
    "",
    status_code=201,
    summary="Create a new ticket",
    **responses.documented(responses.Ticket, 201),
)
async def create_ticket(
    body: schemas.TicketCreate, ctx: TicketsWrite, session: WriteSession, request: Request
) -> JSONResponse:
    """``description`` becomes the first message, written by the customer ``createdByEmail``
    (found or created)."""

    async def produce() -> dict[str, Any]:
        with documented_params(body="description", **{"customer.email": "createdByEmail"}):
            view = await tickets.create_ticket(
                session,
                ctx,
                tickets.TicketCreate(
                    subject=body.subject,
                    body=body.description,
                    customer_email=body.created_by_email,
                    priority=(body.priority or "MEDIUM").lower(),
                    tags=tuple(body.tags or ()),
                    source="api",
                ),
            )
        return ticket_external(view)

    return await idempotent_response(request, session, ctx, produce)


@router.get(
    "/{ticketId}",
    summary="Get a ticket with comments",
    **responses.documented(responses.TicketDetail),
)
async def get_ticket(ticket_id: TicketId, ctx: TicketsRead, session: ReadSession) -> dict[str, Any]:
    return await ticket_document(session, ctx, ticket_id)


@router.patch("/{ticketId}", summary="Update a ticket", **responses.documented(responses.Ticket))
async def update_ticket(
    ticket_id: TicketId, body: schemas.TicketUpdate, ctx: TicketsWrite, session: WriteSession
) -> dict[str, Any]:
    """Fields absent or null are left as they are, except ``assigneeId: null``, which
    unassigns."""
    with documented_params():
        assignee_id = (
            await member_id_for(session, ctx, body.assignee_id)
            if body.assignee_id is not None
            else None
        )
        update = tickets.TicketUpdate(
            status=body.status.lower() if body.status else None,
            priority=body.priority.lower() if body.priority else None,
            assignee_id=assignee_id,
            clear_assignee="assignee_id" in body.model_fields_set and body.assignee_id is None,
            tags=tuple(body.tags) if body.tags is not None else None,
        )
        view = await tickets.update_ticket(session, ctx, ticket_id, update)
    return ticket_external(view)


@router.post(
    "/{ticketId}/comments",
    status_code=201,
    summary="Add a comment to a ticket",
    **responses.documented(responses.Comment, 201),
)
async def create_comment(
    ticket_id: TicketId,
    body: schemas.CommentCreate,
    ctx: TicketsWrite,
    session: WriteSession,
    request: Request,
) -> JSONResponse:
    """The author is the member with ``authorEmail``, else that customer (found or created),
    else, without ``authorEmail``, the ticket's customer."""

    async def produce() -> dict[str, Any]:
        with documented_params(body="content"):
            view = await tickets.add_message(
                session, ctx, ticket_id, body=body.content, author_email=body.author_email
            )
        return comment_external(view)

    return await idempotent_response(request, session, ctx, produce)
