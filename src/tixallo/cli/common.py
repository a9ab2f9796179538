"""What every command shares: settings, migrating the embedded database, running one
transaction, finding a workspace by slug, and printing a command the user can paste.

Commands live in sibling modules and import from here only; ``tixallo.cli`` assembles them,
so no command module imports the package that imports it."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import migrate
from tixallo.config import Settings, get_settings
from tixallo.context import Ctx
from tixallo.db import Database
from tixallo.errors import NotFound, TixalloError
from tixallo.workspaces import repository as workspaces_repo

T = TypeVar("T")


def migrate_embedded(settings: Settings) -> None:
    """The embedded database is migrated by any command; PostgreSQL by `tixallo migrate`."""
    if settings.is_sqlite:
        migrate.upgrade(settings.effective_database_url)


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` to stderr; the caller raises the returned exit (status 2)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine, turning a domain error into ``error: …`` and exit status 2."""
    try:
        return asyncio.run(work)
    except TixalloError as exc:
        raise fail(exc.message) from None


def run(work: Callable[[AsyncSession], Awaitable[T]], *, write: bool = True) -> T:
    """Run ``work`` in one transaction against the configured database."""
    settings = get_settings()
    migrate_embedded(settings)

    async def main() -> T:
        db = Database(settings)
        try:
            async with db.transaction(write=write) as session:
                return await work(session)
        finally:
            await db.dispose()

    return run_async(main())


async def workspace_ctx(session: AsyncSession, slug: str) -> Ctx:
    workspace = await workspaces_repo.get_workspace_by_slug(session, slug)
    if workspace is None:
        raise NotFound("workspace", slug)
    return Ctx(workspace_id=workspace.id)


def command_as_typed() -> str:
    """How to run this very command from the current folder: `tixallo` when that name on the
    PATH is this program, else its path (``.venv/bin/tixallo`` after ``make run``), so a
    printed hint works when pasted."""
    program = Path(sys.argv[0]).resolve()
    on_path = shutil.which("tixallo")
    if on_path is not None and Path(on_path).resolve() == program:
        return "tixallo"
    if program.name != "tixallo":  # python -m tixallo
        return f"{Path(sys.executable)} -m tixallo"
    try:
        return str(program.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(program)
