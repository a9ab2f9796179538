"""Bulk seeding for the benchmarks: a big workspace plus many small ones, without the API.

The bench workspace, its owner, inbox and API key are made through the real services (so they
are exactly what a user would get); the bulk rows (agents, customers, companies, tickets, their
tags, and the other workspaces) are written straight into the tables: PostgreSQL ``COPY`` through
asyncpg, or SQLAlchemy Core ``insert()`` batches on SQLite. Tickets get ``created_at`` spread one
per ``TICKET_SPACING`` into the past, and each call to :func:`add_tickets` adds *older* tickets
than the ones already there, so a workspace can grow 10k -> 100k -> 1M while its newest page (and
its recent changes) stay the same.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.auth import service as auth
from tixallo.context import Ctx
from tixallo.customers.models import Company, Customer
from tixallo.db import Database
from tixallo.tickets.models import Ticket, TicketTag
from tixallo.workspaces.models import Inbox, Member, User, Workspace
from tixallo.workspaces.service import create_workspace

BENCH_RATE_LIMIT = "100000000/60"  # the limiter runs on every request but never refuses
TICKET_SPACING = timedelta(seconds=60)
# (status, weight): most tickets of an old help desk are resolved or closed.
STATUSES = [("open", 20), ("in_progress", 10), ("waiting", 10), ("resolved", 30), ("closed", 30)]
PRIORITIES = [("low", 30), ("medium", 50), ("high", 15), ("urgent", 5)]
# What a subject is about, for the full-text search queries of bench/scale.py: "refunds"
# in ~10% of subjects, "printers" in ~1%; every subject also holds its own number.
TOPICS = [("invoices", 89), ("refunds", 10), ("printers", 1)]
# "billing" is on about 10% of tickets, "legal" on about 0.5%.
TAGS = ["billing"] * 20 + [f"tag{i}" for i in range(1, 31) for _ in range(5)] + ["legal"]
AGENTS = 10
CUSTOMERS = 5_000
COMPANIES = 200
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def make_id(prefix: str, at: datetime) -> str:
    """Like :func:`tixallo.ids.new_id`, but time-ordered by ``at`` instead of now."""
    millis = int(at.timestamp() * 1000)
    return f"{prefix}_{_encode(millis, 10)}{_encode(secrets.randbits(80), 16)}"


def _naive(at: datetime) -> datetime:
    """UTCDateTime stores naive UTC; COPY bypasses the type, so convert here."""
    return at.astimezone(UTC).replace(tzinfo=None)


@dataclass
class BenchWorkspace:
    workspace_id: str
    slug: str
    inbox_id: str
    api_key: str
    agent_ids: list[str]
    customer_ids: list[str]
    customer_emails: list[str]
    oldest: datetime  # created_at of the oldest ticket so far
    tickets: int = 0
    ticket_ids_sample: list[str] = field(default_factory=list)
    newest: datetime = field(default_factory=lambda: datetime.now(UTC))


async def _bulk(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """COPY on PostgreSQL, Core multi-row inserts on SQLite."""
    if not rows:
        return
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        raw = await conn.get_raw_connection()
        columns = list(rows[0].keys())
        records = [tuple(_copy_value(row[c]) for c in columns) for row in rows]
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=records, columns=columns
        )
        return
    for start in range(0, len(rows), 5000):
        await session.execute(insert(table), list(rows[start : start + 5000]))


def _copy_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _naive(value)
    if isinstance(value, list):
        return json.dumps(value)
    return value


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


async def create_bench_workspace(db: Database, *, name: str = "Bench") -> BenchWorkspace:
    """The workspace under test, with an owner, an inbox, agents, customers and an API key
    holding every scope and a huge rate limit."""
    now = datetime.now(UTC)
    rng = random.Random(42)
    async with db.transaction() as session:
        created = await create_workspace(
            session,
            name=name,
            admin_email=f"owner-{secrets.token_hex(4)}@bench.example",
            admin_password="bench-password-not-secret",
        )
        ws = created.workspace
        ctx = Ctx(workspace_id=ws.id)
        key = await auth.create_key(
            session, ctx, name="bench", scopes=["*"], rate_limit=BENCH_RATE_LIMIT
        )
        users, members = [], []
        for i in range(AGENTS):
            uid = make_id("usr", now)
            users.append(
                {
                    "id": uid,
                    "email": f"agent{i}-{ws.id}@bench.example",
                    "name": f"Agent {i}",
                    "password_hash": None,
                    "created_at": now,
                }
            )
            members.append(
                {
                    "id": make_id("mem", now),
                    "workspace_id": ws.id,
                    "user_id": uid,
                    "role": "agent",
                    "created_at": now,
                }
            )
        companies = [
            {
                "id": make_id("com", now),
                "workspace_id": ws.id,
                "name": f"Company {i}",
                "domain": f"company{i}.example",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(COMPANIES)
        ]
        customers = []
        for i in range(CUSTOMERS):
            company = companies[i % COMPANIES] if rng.random() < 0.6 else None
            domain = company["domain"] if company else "mail.example"
            customers.append(
                {
                    "id": make_id("cus", now),
                    "workspace_id": ws.id,
                    "email": f"customer{i}@{domain}",
                    "name": f"Customer {i}",
                    "company_id": company["id"] if company else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        await session.flush()
        await _bulk(session, User.__table__, users)  # type: ignore[arg-type]
        await _bulk(session, Member.__table__, members)  # type: ignore[arg-type]
        await _bulk(session, Company.__table__, companies)  # type: ignore[arg-type]
        await _bulk(session, Customer.__table__, customers)  # type: ignore[arg-type]
    return BenchWorkspace(
        workspace_id=ws.id,
        slug=ws.slug,
        inbox_id=created.inbox.id,
        api_key=key.secret,
        agent_ids=[m["id"] for m in members],
        customer_ids=[c["id"] for c in customers],
        customer_emails=[c["email"] for c in customers],
        oldest=now,
    )


def _ticket_rows(
    bench: BenchWorkspace, count: int, rng: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tickets, tags = [], []
    now = bench.newest
    for i in range(count):
        created = bench.oldest - TICKET_SPACING * (i + 1)
        # Most tickets change within days of creation; none after now.
        updated = min(created + timedelta(seconds=rng.randrange(0, 30 * 86400)), now)
        tid = make_id("tkt", created)
        chosen = sorted(set(rng.sample(TAGS, rng.choice((0, 1, 1, 1, 2))))) if TAGS else []
        tickets.append(
            {
                "id": tid,
                "workspace_id": bench.workspace_id,
                "number": bench.tickets + i + 1,
                "subject": f"Bench ticket {bench.tickets + i + 1}: cannot export "
                + _pick(rng, TOPICS),
                "status": _pick(rng, STATUSES),
                "priority": _pick(rng, PRIORITIES),
                "tags": chosen,
                "source": "api",
                "inbox_id": bench.inbox_id,
                "customer_id": rng.choice(bench.customer_ids),
                "assignee_id": rng.choice(bench.agent_ids) if rng.random() < 0.7 else None,
                "merged_into_id": None,
                "created_at": created,
                "updated_at": updated,
            }
        )
        tags.extend(
            {"workspace_id": bench.workspace_id, "ticket_id": tid, "tag": t, "created_at": created}
            for t in chosen
        )
    return tickets, tags


async def add_tickets(db: Database, bench: BenchWorkspace, count: int, *, seed: int = 7) -> None:
    """Add ``count`` tickets older than every ticket already there, in batches of 50k."""
    rng = random.Random(seed + bench.tickets)
    batch = 50_000
    done = 0
    while done < count:
        n = min(batch, count - done)
        tickets, tags = _ticket_rows(bench, n, rng)
        async with db.transaction() as session:
            await _bulk(session, Ticket.__table__, tickets)  # type: ignore[arg-type]
            await _bulk(session, TicketTag.__table__, tags)  # type: ignore[arg-type]
            bench.tickets += n
            await session.execute(
                update(Workspace)
                .where(Workspace.id == bench.workspace_id)
                .values(ticket_seq=bench.tickets)
            )
        if len(bench.ticket_ids_sample) < 2000:
            bench.ticket_ids_sample.extend(t["id"] for t in tickets[:2000])
        bench.oldest = tickets[-1]["created_at"]
        done += n


async def add_other_workspaces(db: Database, count: int, tickets_each: int = 3) -> None:
    """``count`` small tenants (an inbox, a customer, a few tickets each) sharing the tables."""
    now = datetime.now(UTC)
    workspaces, inboxes, customers, tickets = [], [], [], []
    for i in range(count):
        ws_id = make_id("ws", now)
        inbox_id = make_id("inb", now)
        customer_id = make_id("cus", now)
        workspaces.append(
            {
                "id": ws_id,
                "slug": f"other-{ws_id[-12:]}",
                "name": f"Other {i}",
                "ticket_seq": tickets_each,
                "created_at": now,
            }
        )
        inboxes.append(
            {
                "id": inbox_id,
                "workspace_id": ws_id,
                "name": "Support",
                "is_default": True,
                "created_at": now,
            }
        )
        customers.append(
            {
                "id": customer_id,
                "workspace_id": ws_id,
                "email": "someone@other.example",
                "name": "Someone",
                "company_id": None,
                "created_at": now,
                "updated_at": now,
            }
        )
        for n in range(tickets_each):
            at = now - timedelta(hours=n + 1)
            tickets.append(
                {
                    "id": make_id("tkt", at),
                    "workspace_id": ws_id,
                    "number": n + 1,
                    "subject": "Hello",
                    "status": "open",
                    "priority": "medium",
                    "tags": [],
                    "source": "api",
                    "inbox_id": inbox_id,
                    "customer_id": customer_id,
                    "assignee_id": None,
                    "merged_into_id": None,
                    "created_at": at,
                    "updated_at": at,
                }
            )
    async with db.transaction() as session:
        for table, rows in (
            (Workspace.__table__, workspaces),
            (Inbox.__table__, inboxes),
            (Customer.__table__, customers),
            (Ticket.__table__, tickets),
        ):
            await _bulk(session, table, rows)  # type: ignore[arg-type]


async def analyze(db: Database) -> None:
    """Fresh planner statistics after a bulk load, and on PostgreSQL a VACUUM too: otherwise
    autovacuum starts on the freshly loaded tables in the middle of the measurements (it
    did: a few requests of each run at 1M took 10x the others)."""
    if db.engine.dialect.name == "postgresql":
        autocommit = db.engine.execution_options(isolation_level="AUTOCOMMIT")
        async with autocommit.connect() as conn:
            await conn.exec_driver_sql("VACUUM ANALYZE")
        return
    async with db.engine.connect() as conn:
        await conn.exec_driver_sql("ANALYZE")
        await conn.commit()


async def ticket_ids(db: Database, workspace_id: str, limit: int) -> list[str]:
    async with db.transaction(write=False) as session:
        stmt = select(Ticket.id).where(Ticket.workspace_id == workspace_id).limit(limit)
        return list((await session.execute(stmt)).scalars())


def chunks(values: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for v in values:
        batch.append(v)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
