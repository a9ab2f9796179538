"""`tixallo migrate`, `tixallo serve` and `tixallo demo`: getting a server up."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import migrate
from tixallo.cli.common import command_as_typed, migrate_embedded, run
from tixallo.config import get_settings


def migrate_command() -> None:
    """Bring the database schema up to date."""
    migrate.upgrade(get_settings().effective_database_url)
    typer.echo("database is up to date")


def serve_command(
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65_535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=1_024)] = 1,
    demo: Annotated[bool, typer.Option(help="Create a demo workspace on first start.")] = False,
) -> None:
    """Serve the API and the app (migrates the embedded database first)."""
    import uvicorn

    from tixallo.http_server import PROTOCOL
    from tixallo.logging_config import dict_config, resolve_format

    settings = get_settings()
    migrate_embedded(settings)
    if demo:
        _print_demo(run(_ensure_demo), host, port)
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


def demo_command() -> None:
    """Create the demo workspace and print its admin login and an API key."""
    from tixallo.demo import create_demo

    secrets = run(create_demo)
    typer.echo(f"workspace: {secrets.slug}")
    typer.echo(f"admin login: {secrets.admin_email} / {secrets.admin_password}")
    typer.echo(secrets.api_key)
