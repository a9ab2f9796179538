"""Creating workspaces with their first owner and default inbox."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock, ids
from tixallo.auth.passwords import check_new_password, hash_password, verify_password
from tixallo.context import Ctx
from tixallo.errors import Conflict, Invalid, NotFound
from tixallo.validation import MAX_NAME, check_email, check_text
from tixallo.workspaces import repository
from tixallo.workspaces.models import ROLES, Inbox, Member, User, Workspace


@dataclass(frozen=True, slots=True)
class NewWorkspace:
    workspace: Workspace
    owner: Member
    user: User
    inbox: Inbox


class NotThisAccountsPassword(Invalid):
    """The email already has an account and the password given is not its password."""


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48]
    return slug or "workspace"


async def _unique_slug(session: AsyncSession, name: str) -> str:
    base = slugify(name)
    slug = base
    while (await session.execute(select(Workspace.id).where(Workspace.slug == slug))).first():
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


async def create_workspace(
    session: AsyncSession,
    *,
    name: str,
    admin_email: str,
    admin_password: str,
    admin_name: str | None = None,
) -> NewWorkspace:
    """A workspace, its owner (an existing user signs in with their current password) and
    its default inbox, where API-created tickets land.

    The password must meet the rule for new passwords even when the email has an account,
    and is checked before the account is looked up, so a refusal never depends on whether
    the account exists. Raises :class:`NotThisAccountsPassword` for an account whose
    password does not match."""
    name = check_text(name, param="name", max_length=MAX_NAME)
    email = check_email(admin_email, param="admin_email")
    check_new_password(admin_password, param="admin_password")
    now = clock.now()
    user = (await session.execute(select(User).where(User.email == email))).scalar()
    if user is not None and not verify_password(user.password_hash, admin_password):
        raise NotThisAccountsPassword(
            f"{email} already has an account: give its current password to add a workspace.",
            param="admin_password",
        )
    if user is None:
        user = User(
            id=ids.new_id("usr"),
            email=email,
            name=(admin_name or email.split("@", 1)[0]).strip()[:MAX_NAME],
            password_hash=hash_password(admin_password),
            created_at=now,
        )
        session.add(user)
    workspace = Workspace(
        id=ids.new_id("ws"),
        slug=await _unique_slug(session, name),
        name=name,
        ticket_seq=0,
        created_at=now,
    )
    session.add(workspace)
    await session.flush()
    owner = Member(
        id=ids.new_id("mem"),
        workspace_id=workspace.id,
        user_id=user.id,
        role="owner",
        created_at=now,
    )
    inbox = Inbox(
        id=ids.new_id("inb"),
        workspace_id=workspace.id,
        name="Support",
        is_default=True,
        created_at=now,
    )
    session.add_all([owner, inbox])
    await session.flush()
    return NewWorkspace(workspace=workspace, owner=owner, user=user, inbox=inbox)


async def sign_up(
    session: AsyncSession, *, name: str, email: str, password: str, admin_name: str | None
) -> NewWorkspace | None:
    """Self-service sign-up: :func:`create_workspace`, except that an email whose account
    has another password gets None instead of an error, and nothing changes. The caller
    answers None exactly as it answers a new workspace, so sign-up does not tell who has
    an account. Input errors (the same whether or not the account exists) still raise."""
    try:
        return await create_workspace(
            session, name=name, admin_email=email, admin_password=password, admin_name=admin_name
        )
    except NotThisAccountsPassword:
        return None


async def add_member(
    session: AsyncSession,
    workspace_id: str,
    *,
    email: str,
    name: str,
    role: str,
    password: str | None = None,
) -> tuple[Member, User]:
    """Add a person to a workspace, creating their user if they have none yet."""
    email = check_email(email)
    now = clock.now()
    user = (await session.execute(select(User).where(User.email == email))).scalar()
    if user is None:
        user = User(
            id=ids.new_id("usr"),
            email=email,
            name=check_text(name, param="name", max_length=MAX_NAME),
            password_hash=hash_password(password) if password else None,
            created_at=now,
        )
        session.add(user)
        await session.flush()
    existing = (
        await session.execute(
            select(Member).where(Member.workspace_id == workspace_id, Member.user_id == user.id)
        )
    ).scalar()
    if existing is not None:
        raise Conflict(f"{email} is already a member of this workspace.", param="email")
    member = Member(
        id=ids.new_id("mem"), workspace_id=workspace_id, user_id=user.id, role=role, created_at=now
    )
    session.add(member)
    await session.flush()
    return member, user


async def list_inboxes(session: AsyncSession, ctx: Ctx) -> list[Inbox]:
    stmt = repository.inboxes_of(ctx).order_by(Inbox.is_default.desc(), Inbox.created_at, Inbox.id)
    return list((await session.execute(stmt)).scalars())


async def get_inbox(session: AsyncSession, ctx: Ctx, inbox_id: str) -> Inbox:
    inbox = await repository.get_inbox(session, ctx, inbox_id)
    if inbox is None:
        raise NotFound("inbox", inbox_id)
    return inbox


# --- used by the agent app (sign-in, settings) ---------------------------------------------

# Verifying against this when no account exists keeps sign-in time the same for unknown
# emails, so timing does not tell which addresses have an account.
_DUMMY_HASH = hash_password("not-a-real-password-only-for-timing")


async def check_sign_in(session: AsyncSession, email: str, password: str) -> User | None:
    """The user with this email and password, or None (same cost either way)."""
    user = (await session.execute(select(User).where(User.email == email.strip().lower()))).scalar()
    if user is None or not user.password_hash:
        verify_password(_DUMMY_HASH, password)
        return None
    return user if verify_password(user.password_hash, password) else None


async def change_password(session: AsyncSession, user: User, *, current: str, new: str) -> None:
    """Raises :class:`Invalid` naming ``new_password`` (the rule, checked first and without
    cost) or ``current_password`` (a wrong guess: the caller counts it against the
    account's sign-in budget)."""
    check_new_password(new, param="new_password")
    if not verify_password(user.password_hash, current):
        raise Invalid("The current password is not right.", param="current_password")
    user.password_hash = hash_password(new)
    await session.flush()


async def list_members(session: AsyncSession, ctx: Ctx) -> list[tuple[Member, User]]:
    stmt = repository.members_of(ctx).order_by(User.name, Member.id)
    return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]


async def rename_workspace(session: AsyncSession, ctx: Ctx, name: str) -> Workspace:
    workspace = await session.get(Workspace, ctx.workspace_id)
    if workspace is None:
        raise NotFound("workspace", ctx.workspace_id)
    workspace.name = check_text(name, param="name", max_length=MAX_NAME)
    await session.flush()
    return workspace


async def create_inbox(session: AsyncSession, ctx: Ctx, name: str) -> Inbox:
    inbox = Inbox(
        id=ids.new_id("inb"),
        workspace_id=ctx.workspace_id,
        name=check_text(name, param="name", max_length=MAX_NAME),
        is_default=False,
        created_at=clock.now(),
    )
    session.add(inbox)
    await session.flush()
    return inbox


async def rename_inbox(session: AsyncSession, ctx: Ctx, inbox_id: str, name: str) -> Inbox:
    inbox = await get_inbox(session, ctx, inbox_id)
    inbox.name = check_text(name, param="name", max_length=MAX_NAME)
    await session.flush()
    return inbox


async def set_default_inbox(session: AsyncSession, ctx: Ctx, inbox_id: str) -> Inbox:
    """Exactly one default inbox at a time: API-created tickets without an inbox land there."""
    inbox = await get_inbox(session, ctx, inbox_id)
    for other in await list_inboxes(session, ctx):
        other.is_default = other.id == inbox.id
    await session.flush()
    return inbox


async def _owner_count(session: AsyncSession, ctx: Ctx) -> int:
    return sum(1 for m, _ in await list_members(session, ctx) if m.role == "owner")


async def change_member_role(session: AsyncSession, ctx: Ctx, member_id: str, role: str) -> Member:
    """A workspace always keeps at least one owner."""
    if role not in ROLES:
        raise Invalid(f"role must be one of: {', '.join(ROLES)}.", param="role")
    found = await repository.get_member(session, ctx, member_id)
    if found is None:
        raise NotFound("member", member_id)
    member = found[0]
    if member.role == "owner" and role != "owner" and await _owner_count(session, ctx) <= 1:
        raise Conflict("The last owner cannot stop being owner.", param="role")
    member.role = role
    await session.flush()
    return member


async def remove_member(session: AsyncSession, ctx: Ctx, member_id: str) -> tuple[Member, User]:
    """Remove someone from the workspace; their tickets become unassigned (the foreign key
    sets NULL), their messages stay. The last owner cannot be removed."""
    found = await repository.get_member(session, ctx, member_id)
    if found is None:
        raise NotFound("member", member_id)
    member, user = found
    if member.role == "owner" and await _owner_count(session, ctx) <= 1:
        raise Conflict("The last owner cannot be removed.", param="member_id")
    await session.delete(member)
    await session.flush()
    return member, user
