"""Merging under concurrency: merges that share a ticket run one after the other (the tickets
are locked in id order before anything is checked), so they never form a cycle and never
leave a message on a ticket that was merged away.

On SQLite writers take turns anyway; on PostgreSQL these failed before the lock (t1→t2 and
t2→t1 both succeeded, each closed and pointing at the other, their messages swapped)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from tests.support.tenants import Tenant, TenantFactory
from tixallo.db import Database
from tixallo.tickets import service as tickets
from tixallo.tickets.models import Message, Ticket

PAIRS = 15


async def _new_tickets(db: Database, tenant: Tenant, count: int) -> list[str]:
    async with db.transaction() as session:
        return [
            (
                await tickets.create_ticket(
                    session,
                    tenant.ctx,
                    tickets.TicketCreate(
                        subject=f"T{i}", customer_email="sam@acme.com", body=f"body {i}"
                    ),
                )
            ).ticket.id
            for i in range(count)
        ]


async def _merge(
    client: httpx.AsyncClient, tenant: Tenant, source: str, target: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/tickets/{source}/merge", json={"target_id": target}, headers=tenant.headers
    )


async def _state(db: Database, tenant: Tenant) -> tuple[dict[str, str | None], dict[str, str]]:
    """Each ticket's merged_into_id, and each message body's ticket."""
    async with db.transaction(write=False) as session:
        tickets_rows = (await session.execute(select(Ticket.id, Ticket.merged_into_id))).all()
        message_rows = (await session.execute(select(Message.body, Message.ticket_id))).all()
    merged = {ticket_id: target for ticket_id, target in tickets_rows}
    homes = {body: ticket_id for body, ticket_id in message_rows}
    return merged, homes


def _assert_no_cycle(merged: dict[str, str | None]) -> None:
    for start in merged:
        seen = [start]
        while (step := merged[seen[-1]]) is not None:
            assert step not in seen, " → ".join([*seen, step])
            seen.append(step)


async def test_merges_both_ways_at_once_never_make_a_cycle(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    ids = await _new_tickets(db, tenant, 2 * PAIRS)
    pairs = [(ids[2 * i], ids[2 * i + 1]) for i in range(PAIRS)]
    answers = await asyncio.gather(
        *(_merge(client, tenant, a, b) for a, b in pairs),
        *(_merge(client, tenant, b, a) for a, b in pairs),
    )
    forward, backward = answers[:PAIRS], answers[PAIRS:]
    for (a, b), one, other in zip(pairs, forward, backward, strict=True):
        codes = sorted((one.status_code, other.status_code))
        assert codes == [200, 409], (a, b, one.text, other.text)
        loser = one if one.status_code == 409 else other
        error = loser.json()["error"]
        assert error["type"] == "conflict"
        assert error["param"] in ("id", "target_id")
    merged, homes = await _state(db, tenant)
    _assert_no_cycle(merged)
    assert sum(target is not None for target in merged.values()) == PAIRS
    for (a, b), one in zip(pairs, forward, strict=True):
        winner_target = b if one.status_code == 200 else a
        # Both tickets' messages are on the surviving ticket, none went back and forth.
        assert homes[f"body {ids.index(a)}"] == winner_target
        assert homes[f"body {ids.index(b)}"] == winner_target


async def test_merges_along_a_chain_at_once_never_leave_a_chain(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    """t1→t2 with t2→t3 at once. One after the other both may succeed (t2→t3 first refuses
    t1→t2, whose target is merged; the other order carries t1's messages on to t3), but
    interleaved, t1's messages landed on t2 after t2's had moved: on a closed, merged ticket."""
    ids = await _new_tickets(db, tenant, 3 * 8)
    chains = [ids[i : i + 3] for i in range(0, len(ids), 3)]
    answers = await asyncio.gather(
        *(_merge(client, tenant, t1, t2) for t1, t2, _ in chains),
        *(_merge(client, tenant, t2, t3) for _, t2, t3 in chains),
    )
    assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers]
    merged, homes = await _state(db, tenant)
    _assert_no_cycle(merged)
    for body, ticket_id in homes.items():
        assert merged[ticket_id] is None, f"{body} sits on merged ticket {ticket_id}"


async def test_lock_tickets_ignores_unknown_and_other_workspace_ids(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, tenants: TenantFactory
) -> None:
    """A merge into another workspace's ticket is still a 404 naming target_id, and locking
    its id first changed nothing of that ticket."""
    other = await tenants()
    (mine,) = await _new_tickets(db, tenant, 1)
    (theirs,) = await _new_tickets(db, other, 1)
    response = await _merge(client, tenant, mine, theirs)
    assert response.status_code == 404
    assert response.json()["error"]["param"] == "target_id"
    merged, _ = await _state(db, tenant)
    assert merged == {mine: None, theirs: None}
