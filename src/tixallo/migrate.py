"""Run Alembic migrations from code (``tixallo migrate``, ``tixallo serve``, the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from tixallo.db import _ensure_sqlite_directory

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``. Runs its own event loop: call it from
    synchronous code only (before a server starts, from the CLI, from a sync fixture)."""
    if url.startswith("sqlite"):
        _ensure_sqlite_directory(url)
    command.upgrade(alembic_config(url), revision)
