"""Server-side sign-in sessions, the sign-in throttle and the CSRF rules of the agent app.

The cookie holds a random token; the database keeps only its SHA-256. A new session (a new
id) is made at every sign-in, so a session id planted before sign-in is worthless. Sessions
end at sign-out, on a password change (every session of that person), when the member is
removed from the workspace, after ``IDLE`` without use and at ``LIFETIME`` at the latest.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock
from tixallo.context import Ctx
from tixallo.web import repository
from tixallo.web.models import WebSession
from tixallo.workspaces import repository as workspaces_repo
from tixallo.workspaces import roles
from tixallo.workspaces.models import Member, User, Workspace

COOKIE = "tixallo_session"
PRE_COOKIE = "tixallo_csrf"  # double-submit token for the forms shown before sign-in
LIFETIME = timedelta(days=14)
IDLE = timedelta(days=3)
TOUCH_EVERY = timedelta(minutes=5)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Agent:
    """The signed-in person, in the workspace they are working in."""

    session: WebSession
    user: User
    member: Member
    workspace: Workspace
    memberships: list[tuple[Member, Workspace]]

    @property
    def ctx(self) -> Ctx:
        return Ctx(
            workspace_id=self.workspace.id,
            actor=f"member:{self.member.id}",
            scopes=frozenset({"*"}),
            member_id=self.member.id,
            role=self.member.role,
        )

    @property
    def is_admin(self) -> bool:
        """Whether the app shows this agent the settings (the rule is :func:`roles.is_admin`)."""
        return roles.is_admin(self.ctx)


@dataclass(frozen=True, slots=True)
class Signed:
    """A session just made; ``token`` goes into the cookie and is never stored."""

    token: str
    session: WebSession


async def start_session(session: AsyncSession, user_id: str, workspace_id: str | None) -> Signed:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = WebSession(
        id=hash_token(token),
        user_id=user_id,
        workspace_id=workspace_id,
        csrf_token=secrets.token_urlsafe(32),
        flash=None,
        created_at=now,
        last_seen_at=now,
        expires_at=now + LIFETIME,
    )
    session.add(row)
    await session.flush()
    return Signed(token=token, session=row)


async def end_session(session: AsyncSession, token: str | None) -> None:
    if token:
        await repository.delete_session(session, hash_token(token))


async def end_user_sessions(session: AsyncSession, user_id: str, *, ctx: Ctx | None = None) -> None:
    """Every session of a person (a password change), or with ``ctx`` only those working
    in its workspace (the member was removed from it)."""
    await repository.delete_user_sessions(session, user_id, ctx)


async def memberships_of(session: AsyncSession, user_id: str) -> list[tuple[Member, Workspace]]:
    return await workspaces_repo.memberships_of_user(session, user_id)


async def load_agent(session: AsyncSession, token: str | None) -> Agent | None:
    """The agent behind a session cookie, or None when it is unknown, expired, or the person
    no longer belongs to any workspace."""
    if not token:
        return None
    row = await session.get(WebSession, hash_token(token))
    now = clock.now()
    if row is None or row.expires_at <= now or row.last_seen_at + IDLE <= now:
        return None
    user = await session.get(User, row.user_id)
    if user is None:
        return None
    memberships = await memberships_of(session, user.id)
    if not memberships:
        return None
    current = next((m for m in memberships if m[1].id == row.workspace_id), memberships[0])
    return Agent(row, user, current[0], current[1], memberships)


async def touch(session: AsyncSession, row: WebSession) -> None:
    """Record use at most every few minutes, so reading pages stays mostly write-free."""
    now = clock.now()
    if now - row.last_seen_at >= TOUCH_EVERY:
        await repository.update_session(session, row.id, last_seen_at=now)


async def set_workspace(session: AsyncSession, row: WebSession, workspace_id: str) -> None:
    await repository.update_session(session, row.id, workspace_id=workspace_id)


async def set_flash(session: AsyncSession, row: WebSession, message: str | None) -> None:
    await repository.update_session(session, row.id, flash=message)


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
