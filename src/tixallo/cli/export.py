"""`tixallo export`: a workspace's tickets, messages, customers and companies as files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from tixallo.cli.common import fail, migrate_embedded, run_async
from tixallo.config import get_settings
from tixallo.context import Ctx
from tixallo.db import Database
from tixallo.errors import NotFound
from tixallo.export import FORMATS, Writer, export_workspace
from tixallo.workspaces import repository as workspaces_repo


def export_command(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace slug.")],
    out: Annotated[Path, typer.Option("--out", help="Directory to write into.")] = Path("export"),
    since: Annotated[
        str | None, typer.Option("--since", help="Cursor printed by the previous export.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or parquet.")] = "jsonl",
    include_internal: Annotated[
        bool, typer.Option("--include-internal", help="Also export internal notes.")
    ] = False,
) -> None:
    """Write tickets, messages, customers and companies for a warehouse load. Prints the
    cursor alone on the last line: pass it as --since next time to get what changed."""
    if fmt not in FORMATS:
        raise fail(f"--format must be one of: {', '.join(FORMATS)}")
    settings = get_settings()
    migrate_embedded(settings)

    async def main() -> tuple[str, dict[str, int]]:
        db = Database(settings)
        try:
            async with db.transaction(write=False) as session:
                found = await workspaces_repo.get_workspace_by_slug(session, workspace)
            if found is None:
                raise NotFound("workspace", workspace)
            writer = Writer(out, fmt)
            with Progress(transient=True) as progress:
                task = progress.add_task("exporting tickets", total=None)
                cursor = await export_workspace(
                    db,
                    Ctx(workspace_id=found.id),
                    writer,
                    since=since,
                    include_internal=include_internal,
                    retention=timedelta(days=settings.event_retention_days),
                    progress=lambda name, n: (
                        progress.advance(task, n) if name == "tickets" else None
                    ),
                )
            return cursor, writer.counts
        finally:
            await db.dispose()

    cursor, counts = run_async(main())
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    typer.echo(f"wrote {summary} to {out}/ ({fmt})", err=True)
    typer.echo(cursor)
