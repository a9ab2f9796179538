"""`tixallo webhook create|list` and `tixallo worker`: endpoints, and the process that
delivers to them."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.cli.common import migrate_embedded, run, workspace_ctx
from tixallo.config import get_settings
from tixallo.db import Database
from tixallo.logging_config import configure_logging
from tixallo.webhooks import repository
from tixallo.webhooks import service as webhooks
from tixallo.webhooks.models import TIXALLO
from tixallo.webhooks.worker import Worker

webhook_app = typer.Typer(
    help="Webhook endpoints (the secret is shown once, on create).", no_args_is_help=True
)


@webhook_app.command("create")
def webhook_create(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace slug.")],
    url: Annotated[str, typer.Option("--url")],
    events: Annotated[str, typer.Option("--events", help="Comma-separated, or '*'.")],
    description: Annotated[str, typer.Option("--description")] = "",
    payload_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="Payload format: tixallo (the event as the v1 API shows it) or tacohelp "
            "(TacoHelp's documented shapes; customer events are not sent).",
        ),
    ] = TIXALLO,
) -> None:
    """Create an endpoint; prints its id, then its signing secret alone on the last line."""

    settings = get_settings()

    async def work(session: AsyncSession) -> webhooks.EndpointWithSecret:
        ctx = await workspace_ctx(session, workspace)
        data = webhooks.EndpointCreate(
            url=url,
            events=[e for e in events.split(",") if e.strip()],
            description=description,
            format=payload_format,
        )
        return await webhooks.create_endpoint(
            session,
            ctx,
            data,
            allow_private=settings.webhook_allow_private,
            secret_key=settings.secret_key,
        )

    created = run(work)
    typer.echo(f"webhook {created.endpoint.id} -> {created.endpoint.url}")
    typer.echo(created.secret)


@webhook_app.command("list")
def webhook_list(workspace: Annotated[str, typer.Option("--workspace")]) -> None:
    """List endpoints: id, url, events, payload format, state, consecutive failures."""
    from tixallo.pagination import MAX_LIMIT

    async def work(session: AsyncSession) -> list[str]:
        ctx = await workspace_ctx(session, workspace)
        page = await repository.list_endpoints(session, ctx, limit=MAX_LIMIT, cursor=None)
        return [
            "\t".join(
                [
                    e.id,
                    e.url,
                    ",".join(e.events),
                    e.format,
                    "enabled" if e.enabled else f"disabled: {e.disabled_reason or ''}",
                    f"{e.consecutive_failures} consecutive failures",
                ]
            )
            for e in page.items
        ]

    for line in run(work, write=False):
        typer.echo(line)


def worker_command(
    poll_interval: Annotated[
        float, typer.Option("--poll-interval", help="Seconds between idle polls.")
    ] = 0.1,
    max_endpoints: Annotated[
        int, typer.Option("--max-endpoints", help="Endpoints served at once.")
    ] = 64,
) -> None:
    """Deliver webhooks until SIGTERM/SIGINT. Run as many as you like on PostgreSQL."""
    settings = get_settings()
    migrate_embedded(settings)
    configure_logging(settings.log_format)

    async def main() -> None:
        db = Database(settings)
        worker = Worker(db, settings, poll_interval=poll_interval, max_endpoints=max_endpoints)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, worker.stop)
        typer.echo(f"webhook worker {worker.worker_id} started", err=True)
        try:
            await worker.run()
        finally:
            await db.dispose()

    asyncio.run(main())
