"""The server operator's view of the people who can sign in: listing them, and setting a
password when one is lost (there is no email yet to reset it by link). These cross
workspaces on purpose, so they are reached only from the server's own command line."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.auth.passwords import check_new_password, hash_password
from tixallo.errors import NotFound
from tixallo.workspaces import repository
from tixallo.workspaces.models import User


@dataclass(frozen=True, slots=True)
class Account:
    email: str
    name: str
    has_password: bool
    #: (workspace slug, role), by slug.
    memberships: list[tuple[str, str]]


async def list_accounts(session: AsyncSession) -> list[Account]:
    return [
        Account(
            email=user.email,
            name=user.name,
            has_password=bool(user.password_hash),
            memberships=[(workspace.slug, member.role) for workspace, member in memberships],
        )
        for user, memberships in await repository.users_with_memberships(session)
    ]


async def set_password(session: AsyncSession, email: str, password: str) -> User:
    """Give the person a new password under the same rules as the app's forms. The caller
    ends their sessions: whoever knew the old password is signed out."""
    user = await repository.get_user_by_email(session, email)
    if user is None:
        raise NotFound(f"user with email '{email}'", param="email")
    check_new_password(password, param="password")
    user.password_hash = hash_password(password)
    await session.flush()
    return user
