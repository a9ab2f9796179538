"""`tixallo workspace …` and `tixallo key …`: a workspace and the API keys into it."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.auth import service as auth
from tixallo.cli.common import run, workspace_ctx
from tixallo.config import get_settings
from tixallo.workspaces.service import create_workspace

workspace_app = typer.Typer(help="Workspaces.", no_args_is_help=True)
key_app = typer.Typer(
    help="API keys (the secret is shown once, on create and rotate).", no_args_is_help=True
)


@workspace_app.command("create")
def workspace_create(
    name: str,
    admin_email: Annotated[str, typer.Option("--admin-email")],
    admin_password: Annotated[str, typer.Option("--admin-password")],
    admin_name: Annotated[str | None, typer.Option("--admin-name")] = None,
) -> None:
    """Create a workspace with its owner; prints the workspace slug."""

    async def work(session: AsyncSession) -> str:
        created = await create_workspace(
            session,
            name=name,
            admin_email=admin_email,
            admin_password=admin_password,
            admin_name=admin_name,
        )
        return created.workspace.slug

    typer.echo(run(work))


@key_app.command("create")
def key_create(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace slug.")],
    scopes: Annotated[str, typer.Option("--scopes", help="Comma-separated, or '*'.")],
    name: Annotated[str, typer.Option("--name")],
    rate_limit: Annotated[str | None, typer.Option("--rate-limit", help="e.g. 1000/60")] = None,
) -> None:
    """Create an API key; prints the key alone (it is not shown again)."""

    async def work(session: AsyncSession) -> str:
        ctx = await workspace_ctx(session, workspace)
        created = await auth.create_key(
            session, ctx, name=name, scopes=scopes.split(","), rate_limit=rate_limit
        )
        return created.secret

    typer.echo(run(work))


@key_app.command("list")
def key_list(workspace: Annotated[str, typer.Option("--workspace")]) -> None:
    """List keys: id, prefix, name, scopes, last used, revoked."""

    async def work(session: AsyncSession) -> list[str]:
        ctx = await workspace_ctx(session, workspace)
        lines = []
        for k in await auth.list_keys(session, ctx):
            lines.append(
                "\t".join(
                    [
                        k.id,
                        k.prefix + "…",
                        k.name,
                        ",".join(k.scopes),
                        k.last_used_at.isoformat() if k.last_used_at else "never used",
                        f"revoked {k.revoked_at.isoformat()}" if k.revoked_at else "active",
                    ]
                )
            )
        return lines

    for line in run(work, write=False):
        typer.echo(line)


@key_app.command("revoke")
def key_revoke(key_id: str, workspace: Annotated[str, typer.Option("--workspace")]) -> None:
    """Revoke a key at once."""

    async def work(session: AsyncSession) -> None:
        await auth.revoke_key(session, await workspace_ctx(session, workspace), key_id)

    run(work)
    typer.echo(f"revoked {key_id}")


#: A rotation's grace period is at most a year: a key meant to be replaced is not kept for ever.
MAX_GRACE_HOURS = 366 * 24


@key_app.command("rotate")
def key_rotate(
    key_id: str,
    workspace: Annotated[str, typer.Option("--workspace")],
    now: Annotated[bool, typer.Option("--now", help="Revoke the old key at once.")] = False,
    grace_hours: Annotated[
        float | None,
        typer.Option("--grace-hours", help=f"0 to {MAX_GRACE_HOURS}; default 24."),
    ] = None,
) -> None:
    """Issue a successor key; the old one works for a grace period (24 h by default)."""
    # NaN passes any range check, and a huge value overflows timedelta: check both here.
    if grace_hours is not None and not (
        math.isfinite(grace_hours) and 0 <= grace_hours <= MAX_GRACE_HOURS
    ):
        raise typer.BadParameter(
            f"must be a number of hours from 0 to {MAX_GRACE_HOURS}.", param_hint="--grace-hours"
        )
    settings = get_settings()
    grace = timedelta(
        seconds=0
        if now
        else (
            grace_hours * 3600 if grace_hours is not None else settings.key_rotation_grace_seconds
        )
    )

    async def work(session: AsyncSession) -> str:
        ctx = await workspace_ctx(session, workspace)
        return (await auth.rotate_key(session, ctx, key_id, grace=grace)).secret

    typer.echo(run(work))
