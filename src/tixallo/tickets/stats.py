"""The dashboard's counts, grouped by the database. Each statement is scoped by one of the
``*_scope_of(ctx)`` conditions (tickets/scope.py), so no figure counts another workspace's rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.context import Ctx
from tixallo.events.models import Event
from tixallo.tickets.models import Message, Ticket
from tixallo.tickets.scope import message_scope_of, ticket_scope_of


def event_scope_of(ctx: Ctx) -> ColumnElement[bool]:
    return Event.workspace_id == ctx.workspace_id


@dataclass(frozen=True, slots=True)
class TicketCounts:
    by_status: dict[str, int]
    by_priority_open: dict[str, int]


async def count_by_status_and_priority(
    session: AsyncSession, ctx: Ctx, open_statuses: tuple[str, ...]
) -> TicketCounts:
    base = select(func.count()).select_from(Ticket).where(ticket_scope_of(ctx))
    status_stmt = base.add_columns(Ticket.status).group_by(Ticket.status)
    by_status = {str(status): int(n) for n, status in (await session.execute(status_stmt)).all()}
    priority_stmt = (
        base.add_columns(Ticket.priority)
        .where(Ticket.status.in_(open_statuses))
        .group_by(Ticket.priority)
    )
    by_priority = {
        str(priority): int(n) for n, priority in (await session.execute(priority_stmt)).all()
    }
    return TicketCounts(by_status=by_status, by_priority_open=by_priority)


async def created_per_day(session: AsyncSession, ctx: Ctx, since: datetime) -> dict[date, int]:
    """Tickets created per UTC day since ``since``, counted by the database (both SQLite and
    PostgreSQL have ``date()``; stored times are UTC)."""
    day = func.date(Ticket.created_at)
    stmt = (
        select(day, func.count())
        .where(ticket_scope_of(ctx), Ticket.created_at >= since)
        .group_by(day)
    )
    return {date.fromisoformat(str(d)[:10]): int(n) for d, n in (await session.execute(stmt)).all()}


async def first_member_replies(
    session: AsyncSession, ctx: Ctx, since: datetime
) -> list[tuple[datetime, datetime]]:
    """(created at, first public reply by a member) of each ticket created since ``since``
    that has such a reply: the first-response times."""
    first = func.min(Message.created_at)
    stmt = (
        select(Ticket.created_at, first)
        .join(Message, Message.ticket_id == Ticket.id)
        .where(
            ticket_scope_of(ctx),
            Ticket.created_at >= since,
            message_scope_of(ctx),
            Message.author_member_id.is_not(None),
            Message.internal.is_(False),
        )
        .group_by(Ticket.id, Ticket.created_at)
    )
    return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]


async def resolutions_since(
    session: AsyncSession, ctx: Ctx, since: datetime
) -> list[tuple[str, datetime, datetime]]:
    """(ticket id, ticket created at, resolved at) from the outbox's ``ticket.resolved``
    events since ``since``: the ticket row keeps no resolution time, the event log does."""
    stmt = select(Event.data, Event.created_at).where(
        event_scope_of(ctx),
        Event.type == "ticket.resolved",
        Event.created_at >= since,
    )
    found = []
    for data, at in (await session.execute(stmt)).all():
        if isinstance(data, dict) and data.get("id") and data.get("created_at"):
            created = datetime.fromisoformat(str(data["created_at"]).replace("Z", "+00:00"))
            found.append((str(data["id"]), created, at))
    return found
