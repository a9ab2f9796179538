"""Which databases a test runs on: SQLite always, PostgreSQL when
``TIXALLO_TEST_POSTGRES_URL`` names a server (CI sets it)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from tixallo.db import Database
from tixallo.models import Base

POSTGRES_URL = os.environ.get("TIXALLO_TEST_POSTGRES_URL", "")

#: Parameters for a ``backend`` fixture: each test runs once per database, marked so that
#: ``-m postgres`` or ``-m sqlite`` selects one.
BACKENDS = [
    pytest.param("sqlite", marks=pytest.mark.sqlite),
    pytest.param("postgres", marks=pytest.mark.postgres),
]


async def truncate_all(db: Database) -> None:
    """Empty every table of a PostgreSQL database that tests share (one statement: fast, and
    foreign keys cannot object to the order)."""
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} CASCADE"))
