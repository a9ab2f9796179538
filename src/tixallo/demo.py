"""The demo workspace `make run` creates on first start, so a new user has something to see."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.auth.service import create_key
from tixallo.context import Ctx
from tixallo.errors import Conflict
from tixallo.tickets import service as tickets
from tixallo.workspaces import repository as workspaces_repo
from tixallo.workspaces.service import add_member, create_workspace

DEMO_ADMIN_EMAIL = "admin@example.com"

_TICKETS = [
    (
        "Login page shows blank screen",
        "When I try to log in using Safari the page stays white.",
        "sam@acme.com",
        "Sam Rivera",
        "high",
        ("bug", "safari"),
    ),
    (
        "How do I export my invoices?",
        "I need all invoices from last year as PDF for our auditor.",
        "li.wei@gmail.com",
        "Li Wei",
        "medium",
        ("billing",),
    ),
    (
        "Feature request: dark mode",
        "Our night shift would love a dark theme.",
        "ops@globex.io",
        "Globex Ops",
        "low",
        ("feature-request",),
    ),
    (
        "Payment failed twice",
        "My card was charged but the order shows as unpaid.",
        "maria@acme.com",
        "Maria Lopez",
        "urgent",
        ("billing", "payments"),
    ),
]


@dataclass(frozen=True, slots=True)
class DemoSecrets:
    slug: str
    admin_email: str
    admin_password: str
    api_key: str


async def create_demo(session: AsyncSession) -> DemoSecrets:
    if await workspaces_repo.get_user_by_email(session, DEMO_ADMIN_EMAIL) is not None:
        raise Conflict(f"A demo workspace already exists (its admin is {DEMO_ADMIN_EMAIL}).")
    password = secrets.token_urlsafe(12)
    created = await create_workspace(
        session,
        name="Demo",
        admin_email=DEMO_ADMIN_EMAIL,
        admin_password=password,
        admin_name="Alex Admin",
    )
    ctx = Ctx(workspace_id=created.workspace.id)
    agent, _ = await add_member(
        session, created.workspace.id, email="jordan@example.com", name="Jordan", role="agent"
    )
    for subject, body, email, name, priority, tags in _TICKETS:
        await tickets.create_ticket(
            session,
            ctx,
            tickets.TicketCreate(
                subject=subject,
                body=body,
                customer_email=email,
                customer_name=name,
                priority=priority,
                tags=tags,
                source="api",  # as created: the demo shows only true channels
            ),
        )
    first = (await tickets.get_ticket_by_number(session, ctx, 1)).ticket
    await tickets.add_message(
        session,
        ctx,
        first.id,
        body="Thanks Sam, we can reproduce it and are on it.",
        author_member_id=agent.id,
    )
    await tickets.add_message(
        session,
        ctx,
        first.id,
        body="Internal: likely the Safari 17 cookie change.",
        author_member_id=created.owner.id,
        internal=True,
    )
    await tickets.update_ticket(
        session, ctx, first.id, tickets.TicketUpdate(status="in_progress", assignee_id=agent.id)
    )
    key = await create_key(session, ctx, name="Demo key", scopes=["*"])
    return DemoSecrets(created.workspace.slug, DEMO_ADMIN_EMAIL, password, key.secret)
