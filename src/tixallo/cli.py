"""The `tixallo` command. Every command honours TIXALLO_DATABASE_URL; commands that create a
secret print it alone on the last line of stdout so scripts can capture it."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import migrate
from tixallo.auth import service as auth
from tixallo.config import Settings, get_settings
from tixallo.context import Ctx
from tixallo.db import Database
from tixallo.errors import NotFound, TixalloError
from tixallo.export_cli import export_command
from tixallo.webhooks.cli import webhook_app, worker_command
from tixallo.workspaces import repository as workspaces_repo
from tixallo.workspaces.service import create_workspace

T = TypeVar("T")

app = typer.Typer(
    help="Tixallo, the help desk engineers pick first.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
workspace_app = typer.Typer(help="Workspaces.", no_args_is_help=True)
key_app = typer.Typer(
    help="API keys (the secret is shown once, on create and rotate).", no_args_is_help=True
)
app.add_typer(workspace_app, name="workspace")
app.add_typer(key_app, name="key")
user_app = typer.Typer(
    help="People who sign in to the app, across workspaces (the server operator's view).",
    no_args_is_help=True,
)
app.add_typer(webhook_app, name="webhook")
app.add_typer(user_app, name="user")
app.command("export")(export_command)
app.command("worker")(worker_command)


def _settings() -> Settings:
    return get_settings()


def _migrate_embedded(settings: Settings) -> None:
    """The embedded database is migrated by any command; PostgreSQL by `tixallo migrate`."""
    if settings.is_sqlite:
        migrate.upgrade(settings.effective_database_url)


def _run(work: Callable[[AsyncSession], Awaitable[T]], *, write: bool = True) -> T:
    settings = _settings()
    _migrate_embedded(settings)

    async def main() -> T:
        db = Database(settings)
        try:
            async with db.transaction(write=write) as session:
                return await work(session)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except TixalloError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None


async def _workspace_ctx(session: AsyncSession, slug: str) -> Ctx:
    workspace = await workspaces_repo.get_workspace_by_slug(session, slug)
    if workspace is None:
        raise NotFound("workspace", slug)
    return Ctx(workspace_id=workspace.id)


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    migrate.upgrade(_settings().effective_database_url)
    typer.echo("database is up to date")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    demo: Annotated[bool, typer.Option(help="Create a demo workspace on first start.")] = False,
) -> None:
    """Serve the API and the app (migrates the embedded database first)."""
    import uvicorn

    from tixallo.http_server import PROTOCOL
    from tixallo.logging_config import dict_config, resolve_format

    settings = _settings()
    _migrate_embedded(settings)
    if demo:
        _print_demo(_run(_ensure_demo), host, port)
    uvicorn.run(
        "tixallo.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="warning",
        log_config=dict_config(resolve_format(settings.log_format)),
        access_log=False,
        # Header/body deadlines and a header size limit (TIXALLO_HTTP_*), see http_server.
        http=PROTOCOL,
        limit_concurrency=settings.http_max_connections,
        # With --workers, uvicorn kills a worker that misses a 5 s health ping; a worker
        # still importing on a busy machine is not hung, so give it longer.
        timeout_worker_healthcheck=30,
    )


async def _ensure_demo(session: AsyncSession) -> object:
    from tixallo.demo import create_demo
    from tixallo.workspaces.repository import count_workspaces

    if await count_workspaces(session) > 0:
        return None
    return await create_demo(session)


def _print_demo(secrets: object, host: str, port: int) -> None:
    from tixallo.demo import DEMO_ADMIN_EMAIL, DemoSecrets

    url = f"http://{host}:{port}"
    typer.echo(f"\nTixallo is running at {url}/")
    if isinstance(secrets, DemoSecrets):
        typer.echo("A demo workspace was created. These secrets are shown only now:")
        typer.echo(f"  admin login: {secrets.admin_email} / {secrets.admin_password}")
        typer.echo(f"  API key (scope *): {secrets.api_key}")
        typer.echo(f"  try: curl -H 'Authorization: Bearer {secrets.api_key}' {url}/api/v1/tickets")
    else:
        typer.echo(f"Using the existing data in ./var/ (demo admin: {DEMO_ADMIN_EMAIL}).")
        typer.echo(
            f"New API key: {command_as_typed()} key create --workspace demo --scopes '*' --name me"
        )
    typer.echo("", err=False)
    sys.stdout.flush()


@app.command()
def demo() -> None:
    """Create the demo workspace and print its admin login and an API key."""
    from tixallo.demo import create_demo

    secrets = _run(create_demo)
    typer.echo(f"workspace: {secrets.slug}")
    typer.echo(f"admin login: {secrets.admin_email} / {secrets.admin_password}")
    typer.echo(secrets.api_key)


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

    typer.echo(_run(work))


@key_app.command("create")
def key_create(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace slug.")],
    scopes: Annotated[str, typer.Option("--scopes", help="Comma-separated, or '*'.")],
    name: Annotated[str, typer.Option("--name")],
    rate_limit: Annotated[str | None, typer.Option("--rate-limit", help="e.g. 1000/60")] = None,
) -> None:
    """Create an API key; prints the key alone (it is not shown again)."""

    async def work(session: AsyncSession) -> str:
        ctx = await _workspace_ctx(session, workspace)
        created = await auth.create_key(
            session, ctx, name=name, scopes=scopes.split(","), rate_limit=rate_limit
        )
        return created.secret

    typer.echo(_run(work))


@key_app.command("list")
def key_list(workspace: Annotated[str, typer.Option("--workspace")]) -> None:
    """List keys: id, prefix, name, scopes, last used, revoked."""

    async def work(session: AsyncSession) -> list[str]:
        ctx = await _workspace_ctx(session, workspace)
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

    for line in _run(work, write=False):
        typer.echo(line)


@key_app.command("revoke")
def key_revoke(key_id: str, workspace: Annotated[str, typer.Option("--workspace")]) -> None:
    """Revoke a key at once."""

    async def work(session: AsyncSession) -> None:
        await auth.revoke_key(session, await _workspace_ctx(session, workspace), key_id)

    _run(work)
    typer.echo(f"revoked {key_id}")


@key_app.command("rotate")
def key_rotate(
    key_id: str,
    workspace: Annotated[str, typer.Option("--workspace")],
    now: Annotated[bool, typer.Option("--now", help="Revoke the old key at once.")] = False,
    grace_hours: Annotated[float | None, typer.Option("--grace-hours")] = None,
) -> None:
    """Issue a successor key; the old one works for a grace period (24 h by default)."""
    settings = _settings()
    grace = timedelta(
        seconds=0
        if now
        else (
            grace_hours * 3600 if grace_hours is not None else settings.key_rotation_grace_seconds
        )
    )

    async def work(session: AsyncSession) -> str:
        ctx = await _workspace_ctx(session, workspace)
        return (await auth.rotate_key(session, ctx, key_id, grace=grace)).secret

    secret = _run(work)
    typer.echo(secret)


@user_app.command("list")
def user_list() -> None:
    """List people: email, name, whether they have a password, workspace:role, …"""
    from tixallo.workspaces.accounts import list_accounts

    for account in _run(list_accounts, write=False):
        workspaces = ",".join(f"{slug}:{role}" for slug, role in account.memberships)
        password = "password set" if account.has_password else "no password"
        typer.echo("\t".join([account.email, account.name, password, workspaces or "-"]))


@user_app.command("set-password")
def user_set_password(email: str) -> None:
    """Set a new password (a lost one has no other way back). Asks for it twice on a
    terminal; otherwise reads it from the first line of standard input. Every session of
    that person is signed out."""
    from tixallo.web.sessions import end_user_sessions
    from tixallo.workspaces.accounts import set_password

    if sys.stdin.isatty():
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")

    async def work(session: AsyncSession) -> str:
        user = await set_password(session, email, password)
        await end_user_sessions(session, user.id)
        return user.email

    typer.echo(f"password set for {_run(work)}; their sessions were signed out")


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


def main() -> None:
    app()
