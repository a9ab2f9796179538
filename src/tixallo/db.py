"""Engine, sessions and the shared column types.

Sessions come in two kinds. A *read* session begins a deferred transaction; a *write* session
begins ``BEGIN IMMEDIATE`` on SQLite, so a write transaction takes the file's write lock up
front instead of failing half-way with "database is locked" when another writer got there
first. On PostgreSQL a write session is an ordinary READ COMMITTED transaction and a read
session runs each statement on its own (autocommit), which READ COMMITTED makes the same
thing minus the BEGIN and COMMIT round trips.

On SQLite, write transactions of one process also take turns on an asyncio lock before
they begin. SQLite lets one writer in at a time anyway; without the turn, the others wait
in SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and so leaves the
file idle while requests queue, and each waiter holds a pooled connection. With the turn
they queue in arrival order and start the moment the previous write commits. Writers in
other processes (the CLI, a separate worker) still meet the busy handler.

Services only ``flush()``; whoever opened the session (a request, a CLI command, a worker job)
commits, so one use case is one transaction, its outbox event included.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from tixallo.config import Settings
from tixallo.sqlite_driver import one_hop_url

# How long a write waits for SQLite's lock (its busy timeout) or for this process's turn.
SQLITE_BUSY_SECONDS = 30

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC without a zone (portable across SQLite and PostgreSQL), returns aware UTC.

    SQLite keeps datetimes as fixed-width text, so ordering and range comparisons stay correct
    as long as every value is normalised to UTC first, which this type guarantees.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Database:
    """One engine and its session factories, created from settings."""

    def __init__(self, settings: Settings, **engine_kwargs: Any) -> None:
        url = settings.effective_database_url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            _ensure_sqlite_directory(url)
            engine_kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_SECONDS})
            # Fixed, no overflow: an overflow connection is a new thread, connection and
            # PRAGMAs, thrown away at check-in, which under load happened on most requests.
            # Requests beyond the pool wait their turn (up to pool_timeout, then 503).
            engine_kwargs.setdefault("pool_size", 32)
            engine_kwargs.setdefault("max_overflow", 0)
            url = one_hop_url(url)
        else:
            engine_kwargs.setdefault("pool_size", 20)
            engine_kwargs.setdefault("max_overflow", 10)
            engine_kwargs.setdefault("pool_pre_ping", False)
        self.engine: AsyncEngine = create_async_engine(url, **engine_kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._write_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        # On PostgreSQL a read runs each statement on its own (autocommit): under READ
        # COMMITTED every statement takes a fresh snapshot anyway, so a read transaction
        # only added two round trips (BEGIN, COMMIT). SQLite keeps its BEGIN: there a
        # read transaction is one snapshot across its statements, which pages rely on.
        reads = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self.read_sessions = async_sessionmaker(reads, expire_on_commit=False)
        self.write_sessions = async_sessionmaker(
            self.engine.execution_options(tixallo_write=True), expire_on_commit=False
        )

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits when the block ends and rolls back on error."""
        if write and self.is_sqlite:
            async with (
                self._write_turn(),
                self.write_sessions() as session,
                session.begin(),
            ):
                yield session
            return
        factory = self.write_sessions if write else self.read_sessions
        async with factory() as session, session.begin():
            yield session

    @asynccontextmanager
    async def _write_turn(self) -> AsyncIterator[None]:
        """This process's turn to write to the SQLite file (see the module docstring). One
        lock per event loop: tests run several loops over one Database."""
        loop = asyncio.get_running_loop()
        turn = self._write_turns.get(loop)
        if turn is None:
            turn = self._write_turns[loop] = asyncio.Lock()
        try:
            async with asyncio.timeout(SQLITE_BUSY_SECONDS):
                await turn.acquire()
        except TimeoutError:
            raise PoolTimeout(
                f"no turn to write within {SQLITE_BUSY_SECONDS} s (database busy)"
            ) from None
        try:
            yield
        finally:
            turn.release()

    async def dispose(self) -> None:
        await self.engine.dispose()


def _ensure_sqlite_directory(url: str) -> None:
    path = url.split(":///", 1)[-1].split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own
        # transaction handling would issue a deferred BEGIN behind our back).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit that returned is on disk, which the outbox's promise needs.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get("tixallo_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def contains_pattern(text: str) -> str:
    """A LIKE pattern (with ``escape="\\"``) matching ``text`` anywhere, lower-cased:
    ``%`` and ``_`` typed by a user are plain characters."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def insert_ignoring_conflict(
    session: AsyncSession, table: Any, values: dict[str, Any], conflict_columns: list[str]
) -> Any:
    """An INSERT that does nothing when a unique key already holds the row.

    Find-or-create under concurrency needs this: two requests creating the same customer must
    not fail with a unique violation, the second simply finds the first one's row.
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return (
            pg_insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=conflict_columns)
        )
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return (
        sqlite_insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
    )
