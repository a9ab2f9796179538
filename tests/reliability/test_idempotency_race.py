"""Idempotency race on a real server: 100 requests with one Idempotency-Key at once create
exactly one ticket; every answer is that ticket (201, first or replayed) or the documented
"still in progress" 409; no 5xx ("database is locked" included)."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from sqlalchemy import func, select

from tests.support.reliability import Processes, Row, base_env, record_row, scale
from tests.support.tenants import Tenant, ticket_body
from tixallo.db import Database
from tixallo.tickets.models import Ticket


async def test_parallel_requests_with_one_key_make_one_ticket(
    backend: str, db: Database, tenant: Tenant, processes: Processes, database_url: str
) -> None:
    server = processes.server(base_env(database_url))
    rounds = scale(1, 5)
    parallel = 100
    statuses: Counter[int] = Counter()
    created: set[str] = set()
    limits = httpx.Limits(max_connections=parallel, max_keepalive_connections=parallel)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=120, limits=limits) as http:
        for n in range(rounds):
            headers = {**tenant.headers, "Idempotency-Key": f"race-{n}"}
            body = ticket_body(subject=f"race {n}")
            responses = await asyncio.gather(
                *(http.post("/api/v1/tickets", json=body, headers=headers) for _ in range(parallel))
            )
            statuses.update(r.status_code for r in responses)
            created |= {r.json()["data"]["id"] for r in responses if r.status_code == 201}
    async with db.transaction(write=False) as session:
        stored = await session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.workspace_id == tenant.id)
        )
    server_errors = sum(n for code, n in statuses.items() if code >= 500)
    record_row(
        Row(
            "idempotency race (100 x one key)",
            backend,
            rounds * parallel,
            0,
            statuses[201],
            rounds - len(created),
            (stored or 0) - rounds,
            server_errors,
            f"answers {dict(sorted(statuses.items()))}",
        )
    )
    assert server_errors == 0, statuses
    assert set(statuses) <= {201, 409}, statuses
    assert len(created) == rounds
    assert stored == rounds
