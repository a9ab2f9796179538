"""Run Alembic migrations from code (``tixallo migrate``, ``tixallo serve``, the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from tixallo.db import _ensure_sqlite_directory

#: Package data, so an installed Tixallo (a wheel, no checkout) migrates its database too.
#: ``alembic.ini`` at the repository root is for developers' ``alembic`` command only.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``. Runs its own event loop: call it from
    synchronous code only (before a server starts, from the CLI, from a sync fixture)."""
    if url.startswith("sqlite"):
        _ensure_sqlite_directory(url)
    command.upgrade(alembic_config(url), revision)
