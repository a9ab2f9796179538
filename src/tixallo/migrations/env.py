"""Alembic environment: async engines for both SQLite and PostgreSQL.

The URL comes from ``config.attributes["url"]`` (set by :mod:`tixallo.migrate`) or the
settings. SQLite needs batch mode for ALTERs, so it is switched on for that dialect.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from tixallo.config import get_settings
from tixallo.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return str(config.attributes.get("url") or get_settings().effective_database_url)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # The full-text indexes of 0004 are not in the models: autogenerate leaves them be.
        include_name=lambda name, type_, _parent: (
            not (type_ == "index" and name in ("ix_tickets_search", "ix_messages_search"))
        ),
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
