"""Export a workspace for a data warehouse: tickets, messages, customers, companies.

Messages are the public ones unless internal notes are asked for; each row says
``internal``. A first export writes everything and returns a cursor (a position in the
event feed, taken *before* reading the data). An export ``since`` that cursor writes every entity an
event after it touched, in its current state. Rows are upserted by ``id`` on the warehouse
side, so an entity written twice is harmless and none is ever missed: a change committed
after the cursor was taken has a later feed position.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock
from tixallo.context import Ctx
from tixallo.customers import repository as customers_repo
from tixallo.customers.models import Company, Customer
from tixallo.customers.public import company_public, customer_public
from tixallo.db import Database
from tixallo.errors import Invalid
from tixallo.events import feed
from tixallo.events import repository as events_repo
from tixallo.events.cursor import FeedCursor, cursor_key
from tixallo.events.models import Event
from tixallo.pagination import Cursor
from tixallo.tickets import repository as tickets_repo
from tixallo.tickets.public import message_for_agents, ticket_public

BATCH = 500
FORMATS = ("jsonl", "parquet")
FILES = ("tickets", "messages", "customers", "companies")


@dataclass
class Touched:
    tickets: set[str] = field(default_factory=set)
    customers: set[str] = field(default_factory=set)
    companies: set[str] = field(default_factory=set)

    def add_event(self, event: Event) -> None:
        """Note what the event's payload names. Message events carry their ticket under
        ``ticket``; a merge names its target under ``merged_into``. Chat conversations are
        not exported (a chat's new customer has its own customer.created event)."""
        data = event.data
        if event.type.startswith("ticket."):
            nested = data.get("ticket")
            self._ticket(nested if isinstance(nested, dict) else data)
            merged_into = data.get("merged_into")
            if isinstance(merged_into, dict):
                self._ticket(merged_into)
        elif event.type.startswith("customer."):
            self._customer(data)

    def _ticket(self, ticket: dict[str, Any]) -> None:
        if isinstance(ticket.get("id"), str):
            self.tickets.add(ticket["id"])
        customer = ticket.get("customer")
        if isinstance(customer, dict):
            self._customer(customer)

    def _customer(self, customer: dict[str, Any]) -> None:
        if isinstance(customer.get("id"), str):
            self.customers.add(customer["id"])
        company = customer.get("company")
        if isinstance(company, dict) and isinstance(company.get("id"), str):
            self.companies.add(company["id"])


class Writer:
    """Writes rows to ``<dir>/<name>.jsonl`` as they come, or collects them for parquet."""

    def __init__(self, directory: Path, fmt: str) -> None:
        if fmt not in FORMATS:
            raise Invalid(f"format must be one of: {', '.join(FORMATS)}.", param="format")
        self.directory = directory
        self.fmt = fmt
        self.counts: dict[str, int] = dict.fromkeys(FILES, 0)
        self._rows: dict[str, list[dict[str, Any]]] = {name: [] for name in FILES}
        directory.mkdir(parents=True, exist_ok=True)
        if fmt == "jsonl":
            for name in FILES:
                (directory / f"{name}.jsonl").write_text("")

    def write(self, name: str, rows: Iterable[dict[str, Any]]) -> None:
        rows = list(rows)
        self.counts[name] += len(rows)
        if self.fmt == "jsonl":
            with (self.directory / f"{name}.jsonl").open("a", encoding="utf-8") as out:
                for row in rows:
                    out.write(json.dumps(row, separators=(",", ":")) + "\n")
        else:
            self._rows[name].extend(rows)

    def close(self) -> None:
        if self.fmt != "parquet":
            return
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        for name, rows in self._rows.items():
            # Nested objects become JSON text: every warehouse loads a flat table.
            flat = [
                {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()}
                for row in rows
            ]
            pq.write_table(pa.Table.from_pylist(flat), self.directory / f"{name}.parquet")


async def _touched_since(session: AsyncSession, ctx: Ctx, start: int, end: int) -> Touched:
    touched = Touched()
    for event in await events_repo.events_between(session, ctx, start, end):
        touched.add_event(event)
    return touched


async def _all_ticket_ids(session: AsyncSession, ctx: Ctx) -> AsyncIterator[list[str]]:
    cursor: Cursor | None = None
    while True:
        page = await tickets_repo.list_tickets(
            session,
            ctx,
            tickets_repo.TicketFilters(),
            limit=BATCH,
            cursor=cursor,
            sort="updated_at",
        )
        yield [v.ticket.id for v in page.items]
        if page.next_cursor is None:
            return
        cursor = Cursor.decode(page.next_cursor)


async def export_workspace(
    db: Database,
    ctx: Ctx,
    writer: Writer,
    *,
    since: str | None,
    include_internal: bool,
    retention: timedelta = feed.DEFAULT_RETENTION,
    progress: Callable[[str, int], None] = lambda name, n: None,
) -> str:
    """Write the workspace (or what changed since ``since``) and return the next cursor.
    ``since`` must be a cursor this workspace's export or feed returned (signed, like the
    feed's: see events/cursor.py), not older than the retention."""
    key = await cursor_key(db)
    after = FeedCursor.decode(since, key, ctx.workspace_id, param="since") if since else None
    if after is not None:
        feed.check_fresh(after, retention, param="since", advice="Run a full export.")
    await feed.catch_up(db, ctx)
    async with db.transaction(write=False) as session:
        end = await feed.current_position(session, ctx)
        touched = None if after is None else await _touched_since(session, ctx, after.position, end)

        async def ticket_batches() -> AsyncIterator[list[str]]:
            if touched is None:
                async for batch in _all_ticket_ids(session, ctx):
                    yield batch
            else:
                ids = sorted(touched.tickets)
                for i in range(0, len(ids), BATCH):
                    yield ids[i : i + BATCH]

        async for ids in ticket_batches():
            views = await tickets_repo.get_tickets_by_ids(session, ctx, ids)
            writer.write("tickets", (ticket_public(v) for v in views))
            messages = await tickets_repo.messages_of_tickets(
                session, ctx, ids, include_internal=include_internal
            )
            writer.write("messages", (message_for_agents(m) for m in messages))
            progress("tickets", len(views))

        customer_stmt = customers_repo.customers_of(ctx)
        company_stmt = customers_repo.companies_of(ctx)
        if touched is not None:
            customer_stmt = customer_stmt.where(Customer.id.in_(touched.customers))
            company_stmt = company_stmt.where(Company.id.in_(touched.companies))
        for customer, company in (await session.execute(customer_stmt)).all():
            writer.write("customers", [customer_public(customer, company)])
        progress("customers", writer.counts["customers"])
        writer.write(
            "companies",
            (company_public(c) for c in (await session.execute(company_stmt)).scalars()),
        )
    writer.close()
    next_cursor = FeedCursor(max(end, after.position if after else 0), clock.now())
    return next_cursor.encode(key, ctx.workspace_id)
