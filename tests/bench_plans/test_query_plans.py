"""No list filter of the v1 API plans a sequential scan over ``tickets`` on PostgreSQL.

The statements are the ones the API runs (:func:`repository.list_tickets_statement`), explained
against a workspace with enough tickets, next to other workspaces, after ``ANALYZE``; the
assertion walks the JSON plan for a ``Seq Scan`` node on ``tickets``. Latency itself is measured
by ``bench/scale.py``, never here.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import Select

from tests.support.tenants import Tenant
from tixallo import ids
from tixallo.context import Ctx
from tixallo.customers.models import Customer
from tixallo.db import Database
from tixallo.pagination import Cursor
from tixallo.tickets import repository
from tixallo.tickets.models import Ticket, TicketTag
from tixallo.workspaces.models import Inbox, Member, User, Workspace

TICKETS = 20_000
OTHER_WORKSPACES = 20
OTHER_TICKETS_EACH = 500


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """This module is about PostgreSQL plans only."""
    return str(request.param)


def _tickets(
    workspace_id: str, inbox_id: str, customer_ids: list[str], members: list[str], count: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(workspace_id)
    now = datetime.now(UTC)
    tickets, tags = [], []
    for n in range(count):
        created = now - timedelta(minutes=n)
        tid = ids.new_id("tkt")
        chosen = ["billing"] if rng.random() < 0.1 else ([f"t{rng.randrange(40)}"])
        tickets.append(
            {
                "id": tid,
                "workspace_id": workspace_id,
                "number": n + 1,
                "subject": f"Ticket {n}",
                "status": rng.choice(["open", "in_progress", "waiting", "resolved", "closed"]),
                "priority": rng.choice(["low", "medium", "high", "urgent"]),
                "tags": chosen,
                "source": "api",
                "inbox_id": inbox_id,
                "customer_id": rng.choice(customer_ids),
                "assignee_id": rng.choice(members) if members and rng.random() < 0.7 else None,
                "merged_into_id": None,
                "created_at": created,
                "updated_at": created + timedelta(seconds=rng.randrange(86400 * 30)),
            }
        )
        tags.extend(
            {"workspace_id": workspace_id, "ticket_id": tid, "tag": t, "created_at": created}
            for t in chosen
        )
    return tickets, tags


async def _insert(db: Database, table: Any, rows: list[dict[str, Any]]) -> None:
    async with db.transaction() as session:
        for start in range(0, len(rows), 2000):
            await session.execute(insert(table), rows[start : start + 2000])


@pytest.fixture
async def seeded(db: Database, tenant: Tenant) -> dict[str, str]:
    """The tenant with TICKETS tickets, 10 agents and 500 customers; other workspaces too."""
    now = datetime.now(UTC)
    ws = tenant.id
    users = [
        {"id": ids.new_id("usr"), "email": f"a{i}-{ws}@x.test", "name": "A", "created_at": now}
        for i in range(10)
    ]
    members = [
        {
            "id": ids.new_id("mem"),
            "workspace_id": ws,
            "user_id": u["id"],
            "role": "agent",
            "created_at": now,
        }
        for u in users
    ]
    customers = [
        {
            "id": ids.new_id("cus"),
            "workspace_id": ws,
            "email": f"c{i}@x.test",
            "name": "C",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(500)
    ]
    await _insert(db, User.__table__, users)
    await _insert(db, Member.__table__, members)
    await _insert(db, Customer.__table__, customers)
    member_ids = [m["id"] for m in members]
    tickets, tags = _tickets(
        ws, tenant.created.inbox.id, [c["id"] for c in customers], member_ids, TICKETS
    )
    for i in range(OTHER_WORKSPACES):
        other = ids.new_id("ws")
        inbox, customer = ids.new_id("inb"), ids.new_id("cus")
        await _insert(
            db,
            Workspace.__table__,
            [{"id": other, "slug": f"o-{other}", "name": "O", "ticket_seq": 0, "created_at": now}],
        )
        await _insert(
            db,
            Inbox.__table__,
            [
                {
                    "id": inbox,
                    "workspace_id": other,
                    "name": "S",
                    "is_default": True,
                    "created_at": now,
                }
            ],
        )
        await _insert(
            db,
            Customer.__table__,
            [
                {
                    "id": customer,
                    "workspace_id": other,
                    "email": f"o{i}@x.test",
                    "name": "O",
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        more, more_tags = _tickets(other, inbox, [customer], [], OTHER_TICKETS_EACH)
        tickets += more
        tags += more_tags
    await _insert(db, Ticket.__table__, tickets)
    await _insert(db, TicketTag.__table__, tags)
    async with db.engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    return {
        "assignee_id": member_ids[3],
        "customer_id": customers[7]["id"],
        "customer_email": customers[7]["email"],
        "inbox_id": tenant.created.inbox.id,
    }


def _filters(seeded: dict[str, str]) -> dict[str, repository.TicketFilters]:
    week_ago = datetime.now(UTC) - timedelta(days=7)
    return {
        "none": repository.TicketFilters(),
        "status": repository.TicketFilters(status="waiting"),
        "priority": repository.TicketFilters(priority="urgent"),
        "tag (common)": repository.TicketFilters(tag="billing"),
        "tag (rare)": repository.TicketFilters(tag="t7"),
        "assignee": repository.TicketFilters(assignee_id=seeded["assignee_id"]),
        "unassigned": repository.TicketFilters(unassigned=True),
        "customer_id": repository.TicketFilters(customer_id=seeded["customer_id"]),
        "customer_email": repository.TicketFilters(customer_email=seeded["customer_email"]),
        "inbox": repository.TicketFilters(inbox_id=seeded["inbox_id"]),
        "updated_since": repository.TicketFilters(updated_since=week_ago),
    }


def _seq_scans(plan: dict[str, Any], table: str) -> list[dict[str, Any]]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") == table:
        found.append(plan)
    for child in plan.get("Plans", []):
        found += _seq_scans(child, table)
    return found


async def _explain(db: Database, stmt: Select[Any]) -> dict[str, Any]:
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    async with db.engine.connect() as conn:
        raw = (await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
    document = json.loads(raw) if isinstance(raw, str) else raw
    plan: dict[str, Any] = document[0]["Plan"]
    return plan


async def _a_cursor(db: Database, ctx: Ctx, position: int) -> Cursor:
    async with db.transaction(write=False) as session:
        stmt = (
            select(Ticket.created_at, Ticket.id)
            .where(Ticket.workspace_id == ctx.workspace_id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .offset(position)
            .limit(1)
        )
        at, ident = (await session.execute(stmt)).one()
    return Cursor(at, ident)


def _cases(seeded: dict[str, str]) -> list[tuple[str, repository.TicketFilters, str]]:
    """Every list filter newest first (the list), and the sync order (``sort=updated_at``)
    unfiltered and with ``updated_since``, which is how a sync walks changes."""
    cases = [(name, f, "created_at") for name, f in _filters(seeded).items()]
    cases += [
        ("none", repository.TicketFilters(), "updated_at"),
        ("updated_since", _filters(seeded)["updated_since"], "updated_at"),
    ]
    return cases


async def test_no_list_filter_plans_a_sequential_scan_over_tickets(
    db: Database, tenant: Tenant, seeded: dict[str, str]
) -> None:
    deep = await _a_cursor(db, tenant.ctx, TICKETS // 2)
    offenders = {}
    explained = 0
    for name, filters, sort in _cases(seeded):
        for cursor in (None, deep):
            stmt = repository.list_tickets_statement(
                tenant.ctx, filters, limit=50, cursor=cursor, sort=sort
            )
            plan = await _explain(db, stmt)
            explained += 1
            if _seq_scans(plan, "tickets"):
                offenders[f"{name}, sort={sort}, cursor={cursor is not None}"] = plan
    assert explained == (len(_filters(seeded)) + 2) * 2
    assert not offenders, f"{sorted(offenders)}: " + json.dumps(offenders, default=str)[:3000]


async def test_the_check_itself_sees_a_sequential_scan(
    db: Database, tenant: Tenant, seeded: dict[str, str]
) -> None:
    """The walker must be able to fail: an unindexed predicate does scan the table."""
    stmt = select(Ticket.id).where(Ticket.subject.like("%nothing%"))
    plan = await _explain(db, stmt)
    assert _seq_scans(plan, "tickets")
