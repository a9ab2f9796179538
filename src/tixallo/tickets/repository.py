"""Ticket and message queries. Every read starts from :func:`tickets_of` or
:func:`messages_of`, which already filter on the caller's workspace."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, bindparam, delete, exists, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from tixallo.context import Ctx
from tixallo.customers.models import Company, Customer
from tixallo.pagination import Cursor, Page, page_from
from tixallo.tickets import search
from tixallo.tickets.models import Message, Ticket, TicketTag
from tixallo.tickets.public import MessageView, TicketView
from tixallo.tickets.scope import message_scope_of, tag_scope_of, ticket_scope_of
from tixallo.tickets.search import TextSearch
from tixallo.tickets.snapshots import read_views
from tixallo.workspaces.models import Member, User, Workspace

AssigneeUser = aliased(User, name="assignee_user")
AuthorMember = aliased(Member, name="author_member")
AuthorUser = aliased(User, name="author_user")
AuthorCustomer = aliased(Customer, name="author_customer")


TicketRow = Select[Ticket, Customer, Company, Member, User]
S = TypeVar("S", bound=Select[*tuple[Any, ...]])


# Built once: statements are immutable, and building the four joins was a fifth of the
# cost of reading one ticket.
_TICKETS_JOINED: TicketRow = (
    select(Ticket, Customer, Company, Member, AssigneeUser)
    .join(Customer, Customer.id == Ticket.customer_id)
    .outerjoin(Company, Company.id == Customer.company_id)
    .outerjoin(Member, Member.id == Ticket.assignee_id)
    .outerjoin(AssigneeUser, AssigneeUser.id == Member.user_id)
)


def tickets_of(ctx: Ctx) -> TicketRow:
    """Tickets of the caller's workspace, with customer, company and assignee joined."""
    return _TICKETS_JOINED.where(ticket_scope_of(ctx))


# One ticket by id, as a fully built statement: the workspace filter is part of it and its
# value comes from the caller's Ctx (read_ticket). Reusing the object also reuses its
# memoized cache key, so the hottest read builds nothing per request.
_ONE_TICKET: TicketRow = _TICKETS_JOINED.where(
    Ticket.workspace_id == bindparam("tenant"),  # tenancy-ok: bound from ctx by read_ticket
    Ticket.id == bindparam("ticket_id"),
)


def messages_of(ctx: Ctx) -> Select[Message, Customer, Member, User]:
    return (
        select(Message, AuthorCustomer, AuthorMember, AuthorUser)
        .outerjoin(AuthorCustomer, AuthorCustomer.id == Message.author_customer_id)
        .outerjoin(AuthorMember, AuthorMember.id == Message.author_member_id)
        .outerjoin(AuthorUser, AuthorUser.id == AuthorMember.user_id)
        .where(message_scope_of(ctx))
    )


def _ticket_view(row: Any) -> TicketView:
    return TicketView(row[0], row[1], row[2], row[3], row[4])


async def read_ticket(session: AsyncSession, ctx: Ctx, ticket_id: str) -> TicketView | None:
    """:func:`get_ticket` for showing, not changing: a snapshot."""
    params = {"tenant": ctx.workspace_id, "ticket_id": ticket_id}
    views = await read_views(session, _ONE_TICKET, params)
    return views[0] if views else None


def _message_view(row: Any) -> MessageView:
    return MessageView(row[0], row[1], row[2], row[3])


@dataclass(frozen=True, slots=True)
class TicketFilters:
    status: str | None = None
    priority: str | None = None
    tag: str | None = None
    assignee_id: str | None = None
    unassigned: bool = False
    customer_email: str | None = None
    customer_id: str | None = None
    inbox_id: str | None = None
    updated_since: datetime | None = None
    search: TextSearch | None = None


def _for_session(session: AsyncSession, filters: TicketFilters) -> TicketFilters:
    """The filters with the search built for the database this session talks to."""
    if filters.search is None or session.bind is None:
        return filters
    dialect = session.bind.dialect.name
    return replace(filters, search=replace(filters.search, dialect=dialect))


async def get_ticket(session: AsyncSession, ctx: Ctx, ticket_id: str) -> TicketView | None:
    row = (await session.execute(tickets_of(ctx).where(Ticket.id == ticket_id))).first()
    return _ticket_view(row) if row else None


async def list_tickets(
    session: AsyncSession,
    ctx: Ctx,
    filters: TicketFilters,
    *,
    limit: int,
    cursor: Cursor | None,
    sort: str = "created_at",
) -> Page[TicketView]:
    """Newest first by ``created_at``, or oldest change first by ``updated_at`` (for sync)."""
    filters = _for_session(session, filters)
    stmt = list_tickets_statement(ctx, filters, limit=limit, cursor=cursor, sort=sort)
    async with search.planned_with_values(session, filters.search):
        rows = await read_views(session, stmt)

    def cursor_of(view: TicketView) -> Cursor:
        at = view.ticket.updated_at if sort == "updated_at" else view.ticket.created_at
        return Cursor(at, view.ticket.id)

    return page_from(rows, limit, cursor_of)


def list_tickets_statement(
    ctx: Ctx,
    filters: TicketFilters,
    *,
    limit: int,
    cursor: Cursor | None,
    sort: str = "created_at",
) -> TicketRow:
    """The keyset query behind :func:`list_tickets` (``limit + 1`` rows), public so that
    ``tests/bench_plans`` can EXPLAIN exactly what the API runs."""
    if filters.tag is not None and sort != "updated_at":
        return _by_tag_statement(ctx, filters, filters.tag, limit=limit, cursor=cursor)
    stmt = _filtered(tickets_of(ctx), ctx, filters)
    if sort == "updated_at":
        if cursor is not None:
            stmt = stmt.where(tuple_(Ticket.updated_at, Ticket.id) > (cursor.at, cursor.id))
        stmt = stmt.order_by(Ticket.updated_at.asc(), Ticket.id.asc())
    else:
        if cursor is not None:
            stmt = stmt.where(tuple_(Ticket.created_at, Ticket.id) < (cursor.at, cursor.id))
        stmt = stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc())
    return stmt.limit(limit + 1)


def _by_tag_statement(
    ctx: Ctx, filters: TicketFilters, tag: str, *, limit: int, cursor: Cursor | None
) -> TicketRow:
    """Newest first with a tag: joined to the tag's rows and keyset-paged on *their*
    (created_at, ticket_id), which are the ticket's (created_at is copied when the tag is
    set and never changes), so ix_ticket_tags_keyset yields the page in order however rare
    the tag and however deep the cursor; an EXISTS filter instead walks every newer ticket
    or hash-joins over all of them. (The copy is not also written as a join condition: the
    planner would then misjudge the join as yielding one row and sort the whole tag.)
    (ticket_id, tag) is the key of ticket_tags, so the join cannot repeat a ticket."""
    stmt = _filtered(tickets_of(ctx), ctx, replace(filters, tag=None)).join(
        TicketTag,
        and_(tag_scope_of(ctx), TicketTag.tag == tag, TicketTag.ticket_id == Ticket.id),
    )
    if cursor is not None:
        stmt = stmt.where(
            tuple_(TicketTag.created_at, TicketTag.ticket_id) < (cursor.at, cursor.id)
        )
    return stmt.order_by(TicketTag.created_at.desc(), TicketTag.ticket_id.desc()).limit(limit + 1)


async def count_tickets(session: AsyncSession, ctx: Ctx, filters: TicketFilters) -> int:
    """The number of matching tickets (the external API's ``total``). Customers are joined
    only when the filter needs them, so the count is answered from the tickets index."""
    filters = _for_session(session, filters)
    base = select(func.count()).select_from(Ticket)
    if filters.customer_email is not None:
        base = base.join(Customer, Customer.id == Ticket.customer_id)
    stmt = _filtered(base.where(ticket_scope_of(ctx)), ctx, filters)
    return int((await session.execute(stmt)).scalar_one())


async def list_tickets_by_offset(
    session: AsyncSession, ctx: Ctx, filters: TicketFilters, *, limit: int, offset: int
) -> list[TicketView]:
    filters = _for_session(session, filters)
    stmt = (
        _filtered(tickets_of(ctx), ctx, filters)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return await read_views(session, stmt)


def _filtered(stmt: S, ctx: Ctx, f: TicketFilters) -> S:
    if f.status is not None:
        stmt = stmt.where(Ticket.status == f.status)
    if f.priority is not None:
        stmt = stmt.where(Ticket.priority == f.priority)
    if f.assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == f.assignee_id)
    if f.unassigned:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    if f.inbox_id is not None:
        stmt = stmt.where(Ticket.inbox_id == f.inbox_id)
    if f.customer_id is not None:
        stmt = stmt.where(Ticket.customer_id == f.customer_id)
    if f.customer_email is not None:
        stmt = stmt.where(Customer.email == f.customer_email)
    if f.updated_since is not None:
        stmt = stmt.where(Ticket.updated_at >= f.updated_since)
    if f.search is not None:
        stmt = stmt.where(search.matches(ctx, f.search))
    if f.tag is not None:
        stmt = stmt.where(
            exists().where(
                and_(tag_scope_of(ctx), TicketTag.tag == f.tag, TicketTag.ticket_id == Ticket.id)
            )
        )
    return stmt


async def list_messages(
    session: AsyncSession,
    ctx: Ctx,
    ticket_id: str,
    *,
    include_internal: bool,
    limit: int | None = None,
    cursor: Cursor | None = None,
) -> Page[MessageView]:
    """Oldest first. ``include_internal`` is for the agent app only."""
    stmt = messages_of(ctx).where(Message.ticket_id == ticket_id)
    if not include_internal:
        stmt = stmt.where(Message.internal.is_(False))
    if cursor is not None:
        stmt = stmt.where(tuple_(Message.created_at, Message.id) > (cursor.at, cursor.id))
    stmt = stmt.order_by(Message.created_at.asc(), Message.id.asc())
    if limit is None:
        return Page([_message_view(r) for r in (await session.execute(stmt)).all()], None)
    rows = [_message_view(r) for r in (await session.execute(stmt.limit(limit + 1))).all()]
    return page_from(rows, limit, lambda v: Cursor(v.message.created_at, v.message.id))


async def get_message(session: AsyncSession, ctx: Ctx, message_id: str) -> MessageView:
    row = (await session.execute(messages_of(ctx).where(Message.id == message_id))).one()
    return _message_view(row)


async def get_ticket_by_number(session: AsyncSession, ctx: Ctx, number: int) -> TicketView | None:
    row = (await session.execute(tickets_of(ctx).where(Ticket.number == number))).first()
    return _ticket_view(row) if row else None


# --- used by the agent app -----------------------------------------------------------------


async def list_queue(
    session: AsyncSession,
    ctx: Ctx,
    filters: TicketFilters,
    *,
    statuses: tuple[str, ...] | None,
    query: TextSearch | None,
    company_id: str | None = None,
    limit: int,
    cursor: Cursor | None,
) -> Page[TicketView]:
    """The agent app's queue: newest first, keyset-paged on (created_at, id) like
    :func:`list_tickets`, restricted to ``statuses`` (a view such as "open" spans several).

    ``query`` is a full-text search (tickets/search.py) over subjects and message bodies,
    internal notes included when the search says so (agents see them).
    """
    filters = _for_session(session, replace(filters, search=query))
    stmt = _filtered(tickets_of(ctx), ctx, filters)
    if statuses:
        stmt = stmt.where(Ticket.status.in_(statuses))
    if company_id is not None:
        stmt = stmt.where(Customer.company_id == company_id)
    if cursor is not None:
        stmt = stmt.where(tuple_(Ticket.created_at, Ticket.id) < (cursor.at, cursor.id))
    stmt = stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit + 1)
    async with search.planned_with_values(session, filters.search):
        rows = await read_views(session, stmt)
    return page_from(rows, limit, lambda v: Cursor(v.ticket.created_at, v.ticket.id))


async def get_tickets_by_ids(
    session: AsyncSession, ctx: Ctx, ticket_ids: list[str]
) -> list[TicketView]:
    if not ticket_ids:
        return []
    stmt = tickets_of(ctx).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.created_at, Ticket.id)
    return await read_views(session, stmt)


async def messages_of_tickets(
    session: AsyncSession, ctx: Ctx, ticket_ids: list[str], *, include_internal: bool
) -> list[MessageView]:
    """Messages of several tickets at once, oldest first (for exports)."""
    if not ticket_ids:
        return []
    stmt = messages_of(ctx).where(Message.ticket_id.in_(ticket_ids))
    if not include_internal:
        stmt = stmt.where(Message.internal.is_(False))
    stmt = stmt.order_by(Message.created_at, Message.id)
    return [_message_view(r) for r in (await session.execute(stmt)).all()]


async def lock_tickets(session: AsyncSession, ctx: Ctx, ticket_ids: list[str]) -> None:
    """Lock these tickets of the caller's workspace until the transaction ends.

    Takes ``SELECT … FOR NO KEY UPDATE`` row by row in id order, so two transactions that
    lock overlapping sets (a merge t1→t2 and t2→t1) queue behind each other instead of
    deadlocking, and whatever the caller checks afterwards is the committed state, not a
    snapshot another transaction is about to change. ``NO KEY`` still lets messages be
    added meanwhile (their foreign key only needs a key-share lock). Loaded objects are
    refreshed. On SQLite this is a no-op (the dialect drops ``FOR UPDATE``): a write
    transaction holds the whole file already. Unknown ids are ignored; the caller reads
    and reports them.
    """
    stmt = (
        select(Ticket)
        .where(ticket_scope_of(ctx), Ticket.id.in_(sorted(set(ticket_ids))))
        .order_by(Ticket.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    await session.execute(stmt)


# --- changes ----------------------------------------------------------------------------------


async def next_ticket_number(session: AsyncSession, ctx: Ctx) -> int:
    """Take the workspace's next ticket number. The row lock this UPDATE takes serialises
    concurrent creates in one workspace on PostgreSQL until commit (SQLite serialises all
    writers already), and a rollback returns the number: numbers are unique and gap-free."""
    stmt = (
        update(Workspace)
        .where(Workspace.id == ctx.workspace_id)
        .values(ticket_seq=Workspace.ticket_seq + 1)
        .returning(Workspace.ticket_seq)
    )
    return int((await session.execute(stmt)).scalar_one())


async def delete_tags(session: AsyncSession, ctx: Ctx, ticket_id: str) -> None:
    """Remove every tag row of the ticket (the caller adds the new set)."""
    await session.execute(
        delete(TicketTag).where(tag_scope_of(ctx), TicketTag.ticket_id == ticket_id)
    )


async def move_messages(session: AsyncSession, ctx: Ctx, source_id: str, target_id: str) -> None:
    """Move every message of ticket ``source_id`` to ticket ``target_id`` (a merge)."""
    await session.execute(
        update(Message)
        .where(message_scope_of(ctx), Message.ticket_id == source_id)
        .values(ticket_id=target_id)
    )
