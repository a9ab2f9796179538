"""`tixallo user …`: the server operator's view of the people who sign in, and the way back
from a lost password."""

from __future__ import annotations

import sys

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.cli.common import run

user_app = typer.Typer(
    help="People who sign in to the app, across workspaces (the server operator's view).",
    no_args_is_help=True,
)


@user_app.command("list")
def user_list() -> None:
    """List people: email, name, whether they have a password, workspace:role, …"""
    from tixallo.workspaces.accounts import list_accounts

    for account in run(list_accounts, write=False):
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

    typer.echo(f"password set for {run(work)}; their sessions were signed out")
