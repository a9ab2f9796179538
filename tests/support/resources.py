"""One workspace's worth of everything, for tests that aim requests at another workspace's ids
(the API's and the app's isolation matrices), and a snapshot of all of a workspace's rows to
prove such requests changed nothing."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from tests.support.tenants import Tenant
from tixallo import clock, models
from tixallo.auth.service import list_keys
from tixallo.chat import service as chat
from tixallo.db import Database
from tixallo.tickets import service as tickets
from tixallo.webhooks import fanout
from tixallo.webhooks import service as webhooks
from tixallo.webhooks.models import WebhookDelivery
from tixallo.workspaces.invites import create_invite
from tixallo.workspaces.models import Workspace
from tixallo.workspaces.service import add_member


async def make_resources(db: Database, tenant: Tenant) -> dict[str, str]:
    """Ids of one of each thing a route can name, by the path parameter names routes use.
    Text the workspace owns says "B's" so a test can check none of it leaks."""
    async with db.transaction() as session:
        endpoint = await webhooks.create_endpoint(
            session,
            tenant.ctx,
            webhooks.EndpointCreate(url="https://hooks.example.org/b", events=["*"]),
            allow_private=True,
            secret_key="",
        )
        view = await tickets.create_ticket(
            session,
            tenant.ctx,
            tickets.TicketCreate(
                subject="B's secret", body="B's words", customer_email="b@acme.com"
            ),
        )
        other = await tickets.create_ticket(
            session, tenant.ctx, tickets.TicketCreate(subject="B's other", customer_email="c@b.org")
        )
        conversation = await chat.start_conversation(
            session, tenant.ctx, visitor_email="b-visitor@acme.com", visitor_name="B's visitor"
        )
        # Unique per call: tests make fresh resources per route in one workspace.
        suffix = secrets.token_hex(4)
        member, _user = await add_member(
            session,
            tenant.id,
            email=f"agent-{suffix}-of-{tenant.id}@example.com",
            name="B's agent",
            role="agent",
            password="B's password is long",
        )
        invite = await create_invite(
            session, tenant.ctx, email=f"invited-{suffix}-to-{tenant.id}@example.com", role="agent"
        )
        key = (await list_keys(session, tenant.ctx))[0]
    await fanout.fan_out(db, since=clock.now() - timedelta(minutes=5))
    async with db.transaction(write=False) as session:
        delivery_id = (
            await session.execute(
                select(WebhookDelivery.id).where(WebhookDelivery.workspace_id == tenant.id).limit(1)
            )
        ).scalar_one()
    customer = view.customer
    assert customer.company_id is not None
    return {
        "ticket_id": view.ticket.id,
        "other_ticket_id": other.ticket.id,
        "other_ticket_number": str(other.ticket.number),
        "customer_id": customer.id,
        "company_id": customer.company_id,
        "inbox_id": tenant.created.inbox.id,
        "conversation_id": conversation.id,
        "webhook_id": endpoint.endpoint.id,
        "delivery_id": delivery_id,
        "member_id": member.id,
        "invite_id": invite.invite.id,
        "key_id": key.id,
        "workspace_id": tenant.id,
        "ticketId": view.ticket.id,
        "conversationId": conversation.id,
    }


async def workspace_rows(db: Database, workspace_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that belongs to the workspace, and the workspace itself:
    equal before and after means nothing of it changed."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with db.transaction(write=False) as session:
        for table in models.Base.metadata.sorted_tables:
            if "workspace_id" in table.c:
                statement = select(table).where(table.c.workspace_id == workspace_id)
            elif table.name == Workspace.__tablename__:
                statement = select(table).where(table.c.id == workspace_id)
            else:
                continue
            rows = (await session.execute(statement)).all()
            found[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return found
