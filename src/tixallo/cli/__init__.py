"""The `tixallo` command. Every command honours TIXALLO_DATABASE_URL; commands that create a
secret print it alone on the last line of stdout so scripts can capture it.

This module only assembles the commands defined in its submodules, which import
:mod:`tixallo.cli.common` and never this package: the CLI has no import cycle."""

from __future__ import annotations

import typer

from tixallo.cli.export import export_command
from tixallo.cli.serve import demo_command, migrate_command, serve_command
from tixallo.cli.users import user_app
from tixallo.cli.webhooks import webhook_app, worker_command
from tixallo.cli.workspaces import key_app, workspace_app

app = typer.Typer(
    help="Tixallo, the help desk engineers pick first.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("migrate")(migrate_command)
app.command("serve")(serve_command)
app.command("demo")(demo_command)
app.add_typer(workspace_app, name="workspace")
app.add_typer(key_app, name="key")
app.add_typer(webhook_app, name="webhook")
app.add_typer(user_app, name="user")
app.command("export")(export_command)
app.command("worker")(worker_command)


def main() -> None:
    app()
