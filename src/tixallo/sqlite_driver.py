"""SQLAlchemy's aiosqlite dialect with one thread hop per statement instead of four.

aiosqlite runs every call on its connection's own thread, and each call is a round trip
between the event loop and that thread (a queue put, a wake-up, a ``call_soon_threadsafe``).
SQLAlchemy's adapter makes four of them per statement: open a cursor, execute, fetch the
rows, close the cursor. Profiling ``GET /api/v1/tickets/{id}`` on the embedded database
showed those hand-offs, about ten per request with BEGIN and COMMIT, as the largest single
cost of the request (bench/README.md, "Profiles").

This cursor sends one function to the connection's thread that opens a cursor, executes,
fetches, records ``description``/``rowcount``/``lastrowid`` and closes it, and keeps the rows
on the event loop's side, which is what the stock adapter does with them anyway. Two more
hand-offs go: the ``BEGIN`` that :mod:`tixallo.db` issues travels with the transaction's
first statement, and the pool's rollback-on-return is skipped when SQLite says no
transaction is open. So a one-statement read is two hand-offs (BEGIN with the SELECT, then
COMMIT) instead of about ten. Queries, transactions and the thread that runs them are
unchanged. :class:`tixallo.db.Database` selects it for ``sqlite+aiosqlite`` URLs.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

DRIVER_NAME = "tixallo_aiosqlite"

_Outcome = tuple[Any, list[Any], int, int | None]


_BEGINS = frozenset({"BEGIN", "BEGIN IMMEDIATE", "BEGIN DEFERRED", "BEGIN EXCLUSIVE"})


def _run_one(
    connection: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool
) -> _Outcome:
    """Runs on the aiosqlite thread: the whole statement, start to finish."""
    if begin is not None:
        connection.execute(begin)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor that holds no driver cursor between calls: each statement is one hop."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        adapted: OneHopConnection = self._adapt_connection  # type: ignore[assignment]
        if not many and not parameters and operation in _BEGINS:
            adapted._pending_begin = operation  # sent with the first statement
            self._description, self._rowcount, self._lastrowid = None, -1, None
            self._rows = collections.deque()
            return
        driver = self._connection
        async with adapted._execute_mutex:
            begin, adapted._pending_begin = adapted._pending_begin, None
            outcome: _Outcome = await driver._execute(
                _run_one,
                driver._conn,
                begin,
                operation,
                parameters,
                many,
            )
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._run(operation, seq_of_parameters, many=True)

    async def _async_soft_close(self) -> None:
        """Nothing to close: the driver cursor was closed on the thread."""

    def close(self) -> None:
        self._rows.clear()

    def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        rows = self._rows
        return [rows.popleft() for _ in range(min(size or self._arraysize, len(rows)))]


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_pending_begin",)
    _cursor_cls = OneHopCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._pending_begin: str | None = None

    def _needs_hop(self) -> bool:
        """False when there is nothing to end: a BEGIN never sent, or no transaction open
        (read from the sqlite3 connection while no statement of ours is running on it)."""
        if self._pending_begin is not None:
            self._pending_begin = None
            return False
        driver = self._connection._connection
        return driver is not None and bool(driver.in_transaction)

    def commit(self) -> None:
        if self._needs_hop():
            super().commit()

    def rollback(self) -> None:
        if self._needs_hop():
            super().rollback()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        creator_fn = kw.pop("async_creator_fn", None)
        connection = creator_fn(*arg, **kw) if creator_fn else self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True
        return OneHopConnection(self, await_(connection))


class OneHopDialect(SQLiteDialect_aiosqlite):
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneHopDBAPI:
        return OneHopDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(f"sqlite.{DRIVER_NAME}", __name__, "OneHopDialect")


def one_hop_url(url: str) -> str:
    """``sqlite+aiosqlite://…`` → the same database through this dialect."""
    prefix = "sqlite+aiosqlite:"
    return f"sqlite+{DRIVER_NAME}:" + url[len(prefix) :] if url.startswith(prefix) else url
