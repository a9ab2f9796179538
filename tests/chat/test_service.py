"""The chat use cases on the real database: customers, outbox events, the ended rule,
tenancy, and turning a conversation into a ticket."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from tests.support.tenants import Tenant, TenantFactory
from tixallo.chat import service as chat
from tixallo.context import Ctx
from tixallo.customers.models import Customer
from tixallo.db import Database
from tixallo.errors import Conflict, Invalid, NotFound
from tixallo.events.models import Event
from tixallo.tickets import repository as ticket_queries
from tixallo.validation import MAX_BODY


async def event_types(db: Database, ctx: Ctx) -> list[str]:
    async with db.transaction(write=False) as session:
        stmt = (
            select(Event.type)
            .where(Event.workspace_id == ctx.workspace_id, Event.type.like("chat.%"))
            .order_by(Event.created_at, Event.id)
        )
        return list((await session.execute(stmt)).scalars())


async def test_a_visitor_matches_the_existing_customer(db: Database, tenant: Tenant) -> None:
    async with db.transaction() as session:
        first = await chat.start_conversation(
            session, tenant.ctx, visitor_email="sam@example.com", visitor_name="Sam"
        )
        second = await chat.start_conversation(session, tenant.ctx, visitor_email="SAM@example.com")
    assert first.customer_id == second.customer_id
    assert second.visitor_email == "sam@example.com"
    assert second.visitor_name == "Sam"
    async with db.transaction(write=False) as session:
        customers = (
            await session.execute(select(Customer).where(Customer.workspace_id == tenant.id))
        ).scalars()
        assert [c.email for c in customers] == ["sam@example.com"]


async def test_a_visitor_without_a_name_is_known_by_the_email_local_part(
    db: Database, tenant: Tenant
) -> None:
    async with db.transaction() as session:
        conversation = await chat.start_conversation(
            session, tenant.ctx, visitor_email="kim@example.com", visitor_name="  "
        )
    assert conversation.visitor_name == "kim"


async def test_every_change_records_its_event(db: Database, tenant: Tenant) -> None:
    async with db.transaction() as session:
        conversation = await chat.start_conversation(
            session, tenant.ctx, visitor_email="sam@example.com"
        )
        await chat.add_chat_message(
            session, tenant.ctx, conversation.id, content="Hi", sender_type="visitor"
        )
        await chat.end_conversation(session, tenant.ctx, conversation.id)
        await chat.end_conversation(session, tenant.ctx, conversation.id)
    assert await event_types(db, tenant.ctx) == [
        "chat.conversation.started",
        "chat.message.created",
        "chat.conversation.ended",
    ]
    async with db.transaction(write=False) as session:
        message_event = (
            await session.execute(select(Event).where(Event.type == "chat.message.created"))
        ).scalar_one()
    assert message_event.data["content"] == "Hi"
    assert message_event.data["conversation"]["id"] == conversation.id


async def test_a_rolled_back_change_leaves_no_event(db: Database, tenant: Tenant) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await chat.start_conversation(session, tenant.ctx, visitor_email="sam@example.com")
            raise RuntimeError("the request failed after the change")
    assert await event_types(db, tenant.ctx) == []


async def test_an_ended_conversation_refuses_messages_and_reopening(
    db: Database, tenant: Tenant
) -> None:
    async with db.transaction() as session:
        conversation = await chat.start_conversation(
            session, tenant.ctx, visitor_email="sam@example.com"
        )
        await chat.end_conversation(session, tenant.ctx, conversation.id)
    async with db.transaction() as session:
        with pytest.raises(Conflict, match="ended"):
            await chat.add_chat_message(
                session, tenant.ctx, conversation.id, content="Hello?", sender_type="visitor"
            )
        with pytest.raises(Conflict, match="reopened"):
            await chat.update_conversation(session, tenant.ctx, conversation.id, status="active")
        _, messages = await chat.get_transcript(session, tenant.ctx, conversation.id)
    assert messages == []


async def test_agent_messages_come_from_members_of_the_workspace(
    db: Database, tenants: TenantFactory
) -> None:
    mine, theirs = await tenants(), await tenants()
    async with db.transaction() as session:
        conversation = await chat.start_conversation(
            session, mine.ctx, visitor_email="sam@example.com"
        )
        with pytest.raises(NotFound) as refused:
            await chat.add_chat_message(
                session,
                mine.ctx,
                conversation.id,
                content="Hi",
                sender_type="agent",
                sender_member_id=theirs.created.owner.id,
            )
        assert refused.value.param == "sender_id"
        with pytest.raises(Invalid):
            await chat.add_chat_message(
                session,
                mine.ctx,
                conversation.id,
                content="Hi",
                sender_type="visitor",
                sender_member_id=mine.created.owner.id,
            )
        signed_in = Ctx(workspace_id=mine.id, member_id=mine.created.owner.id)
        message = await chat.add_chat_message(
            session, signed_in, conversation.id, content="Hello", sender_type="agent"
        )
    assert message.sender_member_id == mine.created.owner.id


async def test_another_workspace_sees_no_conversation(db: Database, tenants: TenantFactory) -> None:
    mine, theirs = await tenants(), await tenants()
    async with db.transaction() as session:
        conversation = await chat.start_conversation(
            session, theirs.ctx, visitor_email="sam@example.com"
        )
    async with db.transaction() as session:
        for attempt in (
            chat.get_conversation(session, mine.ctx, conversation.id),
            chat.end_conversation(session, mine.ctx, conversation.id),
            chat.add_chat_message(
                session, mine.ctx, conversation.id, content="x", sender_type="visitor"
            ),
            chat.create_ticket_from_conversation(session, mine.ctx, conversation.id),
        ):
            with pytest.raises(NotFound):
                await attempt
    assert await event_types(db, mine.ctx) == []


async def test_a_conversation_becomes_a_ticket_once(db: Database, tenant: Tenant) -> None:
    async with db.transaction() as session:
        conversation = await chat.start_conversation(
            session, tenant.ctx, visitor_email="sam@example.com", visitor_name="Sam"
        )
        for content, sender in (
            ("My invoice is wrong\nIt says 200 instead of 100", "visitor"),
            ("Let me check.", "agent"),
        ):
            await chat.add_chat_message(
                session,
                tenant.ctx,
                conversation.id,
                content=content,
                sender_type=sender,
                sender_member_id=tenant.created.owner.id if sender == "agent" else None,
            )
        view = await chat.create_ticket_from_conversation(session, tenant.ctx, conversation.id)
    assert view.ticket.source == "chat"
    assert view.ticket.subject == "My invoice is wrong"
    assert view.customer.id == conversation.customer_id
    async with db.transaction() as session:
        refreshed = await chat.get_conversation(session, tenant.ctx, conversation.id)
        assert refreshed.ticket_id == view.ticket.id
        page = await ticket_queries.list_messages(
            session, tenant.ctx, view.ticket.id, include_internal=True
        )
        [first] = page.items
        assert first.message.body == (
            "Sam: My invoice is wrong\nIt says 200 instead of 100\n\n"
            f"{tenant.created.user.name}: Let me check."
        )
        assert first.message.internal is False
        with pytest.raises(Conflict):
            await chat.create_ticket_from_conversation(session, tenant.ctx, conversation.id)


async def test_a_silent_conversation_becomes_a_ticket_without_a_message(
    db: Database, tenant: Tenant
) -> None:
    async with db.transaction() as session:
        conversation = await chat.start_conversation(
            session, tenant.ctx, visitor_email="sam@example.com", visitor_name="Sam"
        )
        view = await chat.create_ticket_from_conversation(session, tenant.ctx, conversation.id)
        page = await ticket_queries.list_messages(
            session, tenant.ctx, view.ticket.id, include_internal=True
        )
    assert view.ticket.subject == "Chat with Sam"
    assert page.items == []


async def test_a_long_transcript_is_cut_to_fit_a_message(db: Database, tenant: Tenant) -> None:
    async with db.transaction() as session:
        conversation = await chat.start_conversation(
            session, tenant.ctx, visitor_email="sam@example.com", visitor_name="Sam"
        )
        for _ in range(3):
            await chat.add_chat_message(
                session,
                tenant.ctx,
                conversation.id,
                content="x" * (MAX_BODY - 10),
                sender_type="visitor",
            )
        view = await chat.create_ticket_from_conversation(
            session, tenant.ctx, conversation.id, subject="Long chat"
        )
        page = await ticket_queries.list_messages(
            session, tenant.ctx, view.ticket.id, include_internal=True
        )
    body = page.items[0].message.body
    assert len(body) <= MAX_BODY
    assert body.endswith("[transcript truncated]")


async def test_no_message_lands_after_a_concurrent_end(db: Database, tenant: Tenant) -> None:
    """Ending and sending race on one conversation: each message either lands before the end
    or is refused, never after it (PostgreSQL runs these truly concurrently)."""

    async def end(conversation_id: str) -> None:
        async with db.transaction() as session:
            await chat.end_conversation(session, tenant.ctx, conversation_id)

    async def message(conversation_id: str) -> bool:
        try:
            async with db.transaction() as session:
                await chat.add_chat_message(
                    session, tenant.ctx, conversation_id, content="Hi", sender_type="visitor"
                )
        except Conflict:
            return False
        return True

    for _ in range(15):
        async with db.transaction() as session:
            conversation = await chat.start_conversation(
                session, tenant.ctx, visitor_email="sam@example.com"
            )
        results = await asyncio.gather(
            message(conversation.id), end(conversation.id), message(conversation.id)
        )
        async with db.transaction(write=False) as session:
            ended, messages = await chat.get_transcript(session, tenant.ctx, conversation.id)
        assert ended.status == "ended"
        assert len(messages) == sum(1 for r in results if r is True)
        assert all(m.created_at <= ended.updated_at for m in messages)
