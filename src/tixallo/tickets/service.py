"""Ticket use cases: create, update, reply, note, merge. Each flushes; the caller commits,
so a change and its outbox events are one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock, ids
from tixallo.context import Ctx
from tixallo.customers.service import resolve_customer
from tixallo.errors import Conflict, Invalid, NotFound
from tixallo.events.service import record_event
from tixallo.tickets import repository
from tixallo.tickets.models import (
    CLOSED_STATUSES,
    PRIORITIES,
    SOURCES,
    STATUSES,
    Message,
    Ticket,
    TicketTag,
)
from tixallo.tickets.public import MessageView, TicketView, message_public, ticket_public
from tixallo.validation import MAX_BODY, MAX_SUBJECT, check_choice, check_tags, check_text
from tixallo.workspaces import repository as workspaces


@dataclass(frozen=True, slots=True)
class TicketCreate:
    subject: str
    customer_email: str
    body: str | None = None
    customer_name: str | None = None
    priority: str = "medium"
    tags: tuple[str, ...] = ()
    source: str = "api"
    inbox_id: str | None = None
    assignee_id: str | None = None


@dataclass(frozen=True, slots=True)
class TicketUpdate:
    """Fields left as ``None`` are not changed; ``clear_assignee`` unassigns."""

    subject: str | None = None
    status: str | None = None
    priority: str | None = None
    assignee_id: str | None = None
    clear_assignee: bool = False
    tags: tuple[str, ...] | None = None


async def get_ticket(session: AsyncSession, ctx: Ctx, ticket_id: str) -> TicketView:
    view = await repository.get_ticket(session, ctx, ticket_id)
    if view is None:
        raise NotFound("ticket", ticket_id)
    return view


async def read_ticket(session: AsyncSession, ctx: Ctx, ticket_id: str) -> TicketView:
    """:func:`get_ticket` for showing only: a read-only snapshot, cheaper to load."""
    view = await repository.read_ticket(session, ctx, ticket_id)
    if view is None:
        raise NotFound("ticket", ticket_id)
    return view


async def _check_assignee(session: AsyncSession, ctx: Ctx, member_id: str) -> None:
    if await workspaces.get_member(session, ctx, member_id) is None:
        raise NotFound("member", member_id, param="assignee_id")


async def _set_tags(session: AsyncSession, ctx: Ctx, ticket: Ticket, tags: list[str]) -> None:
    await repository.delete_tags(session, ctx, ticket.id)
    session.add_all(
        TicketTag(
            workspace_id=ticket.workspace_id,
            ticket_id=ticket.id,
            tag=tag,
            created_at=ticket.created_at,
        )
        for tag in tags
    )
    ticket.tags = tags


async def create_ticket(session: AsyncSession, ctx: Ctx, data: TicketCreate) -> TicketView:
    subject = check_text(data.subject, param="subject", max_length=MAX_SUBJECT)
    body = check_text(data.body, param="body", max_length=MAX_BODY) if data.body else None
    priority = check_choice(data.priority, PRIORITIES, param="priority")
    source = check_choice(data.source, SOURCES, param="source")
    tags = check_tags(list(data.tags))
    if data.inbox_id is not None:
        inbox = await workspaces.get_inbox(session, ctx, data.inbox_id)
        if inbox is None:
            raise NotFound("inbox", data.inbox_id, param="inbox_id")
    else:
        inbox = await workspaces.get_default_inbox(session, ctx)
    if data.assignee_id is not None:
        await _check_assignee(session, ctx, data.assignee_id)
    resolved = await resolve_customer(
        session, ctx, email=data.customer_email, name=data.customer_name
    )
    now = clock.now()
    ticket_id = ids.new_id("tkt")
    message = (
        Message(
            id=ids.new_id("msg"),
            workspace_id=ctx.workspace_id,
            ticket_id=ticket_id,
            author_customer_id=resolved.customer.id,
            body=body,
            internal=False,
            created_at=now,
        )
        if body
        else None
    )
    # The number last: on PostgreSQL its UPDATE holds the workspace row until commit, and
    # every create in the workspace queues behind it, so nothing else is done meanwhile.
    ticket = Ticket(
        id=ticket_id,
        workspace_id=ctx.workspace_id,
        number=await repository.next_ticket_number(session, ctx),
        subject=subject,
        status="open",
        priority=priority,
        tags=tags,
        source=source,
        inbox_id=inbox.id,
        customer_id=resolved.customer.id,
        assignee_id=data.assignee_id,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    await session.flush()  # the ticket row first: the unit of work has no relationship to order by
    session.add_all(
        TicketTag(workspace_id=ctx.workspace_id, ticket_id=ticket_id, tag=tag, created_at=now)
        for tag in tags
    )
    if message is not None:
        session.add(message)
    await session.flush()
    if data.assignee_id is None:
        # Everything the representation shows is in hand: no need to read it back.
        view = TicketView(ticket, resolved.customer, resolved.company, None, None)
    else:
        view = await get_ticket(session, ctx, ticket_id)
    record_event(session, ctx, "ticket.created", ticket_public(view))
    return view


def _status_events(old: str, new: str) -> list[str]:
    if old == new:
        return []
    if new == "resolved":
        return ["ticket.resolved"]
    if new == "closed":
        return ["ticket.closed"]
    if old in CLOSED_STATUSES:
        return ["ticket.reopened"]
    return []


async def update_ticket(
    session: AsyncSession, ctx: Ctx, ticket_id: str, data: TicketUpdate
) -> TicketView:
    view = await get_ticket(session, ctx, ticket_id)
    ticket = view.ticket
    changes: dict[str, list[Any]] = {}

    def change(field: str, new: Any) -> None:
        old = getattr(ticket, field)
        if old != new:
            changes[field] = [old, new]
            setattr(ticket, field, new)

    if data.subject is not None:
        change("subject", check_text(data.subject, param="subject", max_length=MAX_SUBJECT))
    if data.priority is not None:
        change("priority", check_choice(data.priority, PRIORITIES, param="priority"))
    old_status = ticket.status
    if data.status is not None:
        change("status", check_choice(data.status, STATUSES, param="status"))
    if data.clear_assignee:
        change("assignee_id", None)
    elif data.assignee_id is not None:
        await _check_assignee(session, ctx, data.assignee_id)
        change("assignee_id", data.assignee_id)
    if data.tags is not None:
        tags = check_tags(list(data.tags))
        if tags != ticket.tags:
            changes["tags"] = [list(ticket.tags), tags]
            await _set_tags(session, ctx, ticket, tags)
    if not changes:
        return view
    ticket.updated_at = clock.now()
    await session.flush()
    session.expire(ticket)
    view = await get_ticket(session, ctx, ticket_id)
    payload = ticket_public(view)
    record_event(session, ctx, "ticket.updated", payload, changes=changes)
    for event_type in _status_events(old_status, ticket.status):
        record_event(session, ctx, event_type, payload)
    return view


async def add_message(
    session: AsyncSession,
    ctx: Ctx,
    ticket_id: str,
    *,
    body: str,
    author_email: str | None = None,
    author_member_id: str | None = None,
    internal: bool = False,
) -> MessageView:
    """Add a reply or, with ``internal``, a note. The author is the member given by id,
    else the member whose email this is, else the customer with this email (found or
    created), else the ticket's own customer. Notes must come from a member."""
    view = await get_ticket(session, ctx, ticket_id)
    text = check_text(body, param="body", max_length=MAX_BODY)
    member_id: str | None = None
    customer_id: str | None = None
    if author_member_id is not None:
        if await workspaces.get_member(session, ctx, author_member_id) is None:
            raise NotFound("member", author_member_id, param="author_member_id")
        member_id = author_member_id
    elif author_email is not None:
        found = await workspaces.get_member_by_email(session, ctx, author_email.strip())
        if found is not None:
            member_id = found[0].id
        else:
            customer = await resolve_customer(
                session, ctx, email=author_email, param="author_email"
            )
            customer_id = customer.customer.id
    else:
        customer_id = view.customer.id
    if internal and member_id is None:
        raise Invalid("Internal notes are written by members.", param="author_email")
    now = clock.now()
    message = Message(
        id=ids.new_id("msg"),
        workspace_id=ctx.workspace_id,
        ticket_id=ticket_id,
        author_customer_id=customer_id,
        author_member_id=member_id,
        body=text,
        internal=internal,
        created_at=now,
    )
    session.add(message)
    view.ticket.updated_at = now
    await session.flush()
    if customer_id is not None and customer_id == view.customer.id:
        message_view = MessageView(message, view.customer, None, None)  # all in hand
    else:
        message_view = await repository.get_message(session, ctx, message.id)
    if not internal:
        data = message_public(message_view)
        data["ticket"] = ticket_public(view)  # the view's ticket carries the new updated_at
        record_event(session, ctx, "ticket.message.created", data)
        record_event(session, ctx, "ticket.commented", data)
    return message_view


async def merge_ticket(
    session: AsyncSession, ctx: Ctx, source_id: str, *, target_id: str
) -> TicketView:
    """Move the source's messages to the target, close the source and point it at the
    target. Returns the target.

    Both tickets are locked (in id order) before anything is checked: two merges sharing a
    ticket (t1→t2 with t2→t1, or t1→t2 with t2→t3) run one after the other, and the second
    sees what the first did and is refused, so merges never form a cycle or a chain."""
    if source_id == target_id:
        raise Invalid("A ticket cannot be merged into itself.", param="target_id")
    await repository.lock_tickets(session, ctx, [source_id, target_id])
    source = (await get_ticket(session, ctx, source_id)).ticket
    target_view = await repository.get_ticket(session, ctx, target_id)
    if target_view is None:
        raise NotFound("ticket", target_id, param="target_id")
    if source.merged_into_id is not None:
        raise Conflict("This ticket was already merged.", param="id")
    if target_view.ticket.merged_into_id is not None:
        raise Conflict(
            "The target ticket was itself merged; merge into its target.", param="target_id"
        )
    now = clock.now()
    await repository.move_messages(session, ctx, source_id, target_id)
    changes: dict[str, list[Any]] = {"merged_into_id": [None, target_id]}
    old_status = source.status
    if source.status != "closed":
        changes["status"] = [source.status, "closed"]
    source.status = "closed"
    source.merged_into_id = target_id
    source.updated_at = now
    target_view.ticket.updated_at = now
    await session.flush()
    session.expire(source)
    source_payload = ticket_public(await get_ticket(session, ctx, source_id))
    record_event(session, ctx, "ticket.updated", source_payload, changes=changes)
    for event_type in _status_events(old_status, "closed"):
        record_event(session, ctx, event_type, source_payload)
    merged = dict(source_payload)
    merged["merged_into"] = ticket_public(target_view)
    record_event(session, ctx, "ticket.merged", merged)
    return await get_ticket(session, ctx, target_id)


async def get_ticket_by_number(session: AsyncSession, ctx: Ctx, number: int) -> TicketView:
    view = await repository.get_ticket_by_number(session, ctx, number)
    if view is None:
        raise NotFound("ticket", f"#{number}")
    return view
