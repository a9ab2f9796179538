"""Migrations are the only source of the schema: after them, the models and the database
agree exactly, there is one head, and the chain downgrades and upgrades again."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from tixallo.migrate import alembic_config
from tixallo.models import Base


def test_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"merge the migration heads: {heads}"


def not_search_index(name: str | None, type_: str, _parent: Any) -> bool:
    """The full-text indexes (migration 0004) are PostgreSQL expression indexes that the
    models do not declare; tests/tickets/test_search.py checks they are used."""
    return not (type_ == "index" and name in ("ix_tickets_search", "ix_messages_search"))


async def test_models_match_the_migrated_database(database_url: str) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": not_search_index}
        )
        return list(compare_metadata(context, Base.metadata))

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []


@pytest.mark.sqlite
def test_downgrade_to_base_and_upgrade_again(tmp_path: Any) -> None:
    from alembic import command

    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    command.upgrade(config, "head")
