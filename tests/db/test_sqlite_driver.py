"""The embedded database's driver and write turns (tixallo/sqlite_driver.py, tixallo/db.py):
fewer hand-offs to the connection's thread, the same transactions."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite.core
import pytest
from sqlalchemy import text

from tixallo.config import Settings
from tixallo.db import Database


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 't.db'}"))
    async with database.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        await conn.execute(text("INSERT INTO counter (id, n) VALUES (1, 0)"))
    yield database
    await database.dispose()


@pytest.fixture
def hand_offs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts every call sent to an aiosqlite connection's thread, by what it runs."""
    seen: Counter[str] = Counter()
    original = aiosqlite.core.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen[getattr(fn, "__name__", "other")] += 1
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
    yield seen


async def n(database: Database) -> int:
    async with database.transaction(write=False) as session:
        return int((await session.execute(text("SELECT n FROM counter WHERE id = 1"))).scalar_one())


async def test_a_one_statement_read_is_two_hand_offs(
    sqlite_db: Database, hand_offs: Counter[str]
) -> None:
    await n(sqlite_db)  # the pool's first connection is opened here
    hand_offs.clear()
    assert await n(sqlite_db) == 0
    # BEGIN travels with the SELECT; then COMMIT; no rollback at check-in.
    assert sum(hand_offs.values()) == 2, hand_offs


async def test_a_transaction_with_no_statement_sends_nothing(
    sqlite_db: Database, hand_offs: Counter[str]
) -> None:
    await n(sqlite_db)
    hand_offs.clear()
    async with sqlite_db.transaction(write=False):
        pass
    assert sum(hand_offs.values()) == 0, hand_offs


async def test_the_begin_sent_late_still_isolates_the_read(sqlite_db: Database) -> None:
    """A read transaction sees one snapshot: a write committed between its two statements
    is invisible to the second, so BEGIN really ran before the first."""
    async with sqlite_db.transaction(write=False) as reader:
        first = (await reader.execute(text("SELECT n FROM counter"))).scalar_one()
        async with sqlite_db.transaction() as writer:
            await writer.execute(text("UPDATE counter SET n = n + 1"))
        second = (await reader.execute(text("SELECT n FROM counter"))).scalar_one()
    assert first == second == 0
    assert await n(sqlite_db) == 1


async def test_rowcount_lastrowid_executemany_and_rollback(sqlite_db: Database) -> None:
    async with sqlite_db.transaction() as session:
        inserted = await session.execute(text("INSERT INTO counter (n) VALUES (5)"))
        assert inserted.lastrowid == 2
        await session.execute(text("INSERT INTO counter (n) VALUES (:n)"), [{"n": 6}, {"n": 7}])
        updated = await session.execute(text("UPDATE counter SET n = n + 1 WHERE id > 1"))
        assert updated.rowcount == 3
    with pytest.raises(RuntimeError):
        async with sqlite_db.transaction() as session:
            await session.execute(text("DELETE FROM counter"))
            raise RuntimeError("roll back")
    async with sqlite_db.transaction(write=False) as session:
        rows = (await session.execute(text("SELECT id, n FROM counter ORDER BY id"))).all()
    assert [tuple(r) for r in rows] == [(1, 0), (2, 6), (3, 7), (4, 8)]


async def test_errors_keep_their_type(sqlite_db: Database) -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    with pytest.raises(IntegrityError):
        async with sqlite_db.transaction() as session:
            await session.execute(text("INSERT INTO counter (id, n) VALUES (1, 1)"))
    with pytest.raises(OperationalError):
        async with sqlite_db.transaction(write=False) as session:
            await session.execute(text("SELECT nope FROM counter"))
    assert await n(sqlite_db) == 0  # and the pool's connections are still usable


async def test_concurrent_writers_take_turns_and_none_is_lost(sqlite_db: Database) -> None:
    async def increment() -> None:
        async with sqlite_db.transaction() as session:
            value = (await session.execute(text("SELECT n FROM counter WHERE id = 1"))).scalar()
            await asyncio.sleep(0)  # let the others try to write meanwhile
            await session.execute(text("UPDATE counter SET n = :v WHERE id = 1"), {"v": value + 1})

    await asyncio.gather(*(increment() for _ in range(200)))
    # A lost update would leave fewer: every read-modify-write ran alone.
    assert await n(sqlite_db) == 200


async def test_a_failed_write_gives_its_turn_back(sqlite_db: Database) -> None:
    with pytest.raises(ZeroDivisionError):
        async with sqlite_db.transaction():
            _ = 1 / 0
    async with asyncio.timeout(5):
        async with sqlite_db.transaction() as session:
            await session.execute(text("UPDATE counter SET n = 9"))
    assert await n(sqlite_db) == 9
