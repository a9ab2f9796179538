"""Migration 0006: feed positions become per workspace. Existing positions are renumbered
1, 2, 3 … within each workspace in their old (commit) order, counters start after them,
unsequenced events stay unsequenced; the downgrade gives global positions back in an order
each workspace's feed agrees with."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tixallo.migrate import alembic_config

POSTGRES_URL = os.environ.get("TIXALLO_TEST_POSTGRES_URL", "")

# (event id, workspace, old global position); e9 committed but was never sequenced.
EVENTS = [
    ("e1", "ws_a", 1),
    ("e2", "ws_b", 2),
    ("e3", "ws_a", 3),
    ("e4", "ws_a", 5),  # old positions may have gaps (a rolled-back sequencer batch)
    ("e5", "ws_b", 6),
    ("e6", "ws_b", 4),
    ("e9", "ws_a", None),
]


def run(url: str, *statements: str) -> list[Any]:
    async def main() -> list[Any]:
        engine = create_async_engine(url)
        try:
            results: list[Any] = []
            async with engine.begin() as conn:
                for statement in statements:
                    result = await conn.execute(text(statement))
                    results.append(result.all() if result.returns_rows else None)
            return results
        finally:
            await engine.dispose()

    return asyncio.run(main())


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TIXALLO_TEST_POSTGRES_URL is not set")
    name = f"tixallo_mig_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")

    async def execute(sql: str) -> None:
        async with admin.connect() as conn:
            await conn.execute(text(sql))
        await admin.dispose()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    yield f"{POSTGRES_URL.rpartition('/')[0]}/{name}"
    asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_existing_positions_are_renumbered_per_workspace_and_back(empty_database: str) -> None:
    url = empty_database
    config = alembic_config(url)
    command.upgrade(config, "0004")
    inserts = [
        f"INSERT INTO workspaces (id, slug, name, ticket_seq, created_at) "
        f"VALUES ('{ws}', '{ws}', '{ws}', 0, '2026-01-01 00:00:00')"
        for ws in ("ws_a", "ws_b", "ws_c")
    ]
    for n, (event_id, ws, position) in enumerate(EVENTS):
        inserts.append(
            "INSERT INTO events (id, workspace_id, type, data, created_at, position) "
            f"VALUES ('{event_id}', '{ws}', 'ticket.created', '{{}}', "
            f"'2026-01-01 00:00:0{n}', {'NULL' if position is None else position})"
        )
    run(url, *inserts, "UPDATE feed_sequence SET last_position = 6")

    command.upgrade(config, "head")
    events, counters = run(
        url,
        "SELECT id, position FROM events ORDER BY id",
        "SELECT workspace_id, last_position FROM feed_counters ORDER BY workspace_id",
    )
    assert dict(events) == {
        "e1": 1,
        "e3": 2,
        "e4": 3,
        "e9": None,  # ws_a, in the old order
        "e2": 1,
        "e6": 2,
        "e5": 3,  # ws_b: e6 (old 4) came before e5 (old 6)
    }
    assert [tuple(c) for c in counters] == [("ws_a", 3), ("ws_b", 3)]

    command.downgrade(config, "0004")
    events, sequence = run(
        url,
        "SELECT workspace_id, id, position FROM events WHERE position IS NOT NULL "
        "ORDER BY position",
        "SELECT last_position FROM feed_sequence",
    )
    by_workspace: dict[str, list[str]] = {}
    for ws, event_id, _ in events:
        by_workspace.setdefault(ws, []).append(event_id)
    assert by_workspace == {"ws_a": ["e1", "e3", "e4"], "ws_b": ["e2", "e6", "e5"]}
    assert len({p for *_, p in events}) == 6
    assert sequence == [(6,)]
