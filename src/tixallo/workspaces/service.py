"""Creating workspaces with their first owner and default inbox."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock, ids
from tixallo.auth.passwords import check_new_password, hash_password, verify_password
from tixallo.context import Ctx
from tixallo.errors import Conflict, Forbidden, Invalid, NotFound
from tixallo.validation import MAX_NAME, check_choice, check_email, check_text
from tixallo.workspaces import repository, roles
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
    while await repository.slug_taken(session, slug):
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
    user = await repository.get_user_by_email(session, email)
    if user is not None and not verify_password(user.password_hash, admin_password):
        raise NotThisAccountsPassword(
            f"{email} already has an account: give its current password to add a workspace.",
            param="admin_password",
        )
    if user is None:
        user = await _new_user(
            session,
            email=email,
            name=(admin_name or email.split("@", 1)[0]).strip()[:MAX_NAME],
            password_hash=hash_password(admin_password),
            param="admin_email",
        )
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


async def _new_user(
    session: AsyncSession, *, email: str, name: str, password_hash: str | None, param: str
) -> User:
    """Insert a person. When another transaction created the same email a moment ago (two
    sign-ups, or two invites accepted at once), this is a Conflict naming ``param``, not a
    unique-index violation (a 500): that person exists now and can sign in and try again."""
    user_id = ids.new_id("usr")
    values = {
        "id": user_id,
        "email": email,
        "name": name,
        "password_hash": password_hash,
        "created_at": clock.now(),
    }
    if not await repository.insert_user(session, values):
        raise Conflict(
            f"An account for {email} was created at this very moment: sign in with it and "
            "try again.",
            param=param,
        )
    return await repository.get_user(session, user_id)


async def add_member(
    session: AsyncSession,
    workspace_id: str,
    *,
    email: str,
    name: str,
    role: str,
    password: str | None = None,
) -> tuple[Member, User]:
    """Add a person to a workspace, creating their user if they have none yet. A
    ``password`` is for that new user: given for an email that has an account, it is a
    Conflict (the account's owner must prove their own password instead).

    The membership check and insert run under the workspace lock, so two invites for one
    person accepted at once add them once (the second is a Conflict)."""
    email = check_email(email)
    # Hashed before the lock: argon2 is slow, and the lock holds up the workspace's writes.
    password_hash = hash_password(password) if password else None
    ctx = Ctx(workspace_id=workspace_id)
    await repository.lock_workspace(session, ctx)
    user = await repository.get_user_by_email(session, email)
    if user is not None and password is not None:
        # The caller chose a password for a new account, but the account exists (made a
        # moment ago): joining it must prove its own password, never set or skip it.
        raise Conflict(
            f"An account for {email} was created at this very moment: sign in with it and "
            "try again.",
            param="email",
        )
    if user is None:
        user = await _new_user(
            session,
            email=email,
            name=check_text(name, param="name", max_length=MAX_NAME),
            password_hash=password_hash,
            param="email",
        )
    if await repository.get_membership(session, ctx, user.id) is not None:
        raise Conflict(f"{email} is already a member of this workspace.", param="email")
    member = Member(
        id=ids.new_id("mem"),
        workspace_id=workspace_id,
        user_id=user.id,
        role=role,
        created_at=clock.now(),
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
    user = await repository.get_user_by_email(session, email)
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
    roles.check_admin(ctx)
    workspace = await session.get(Workspace, ctx.workspace_id)
    if workspace is None:
        raise NotFound("workspace", ctx.workspace_id)
    workspace.name = check_text(name, param="name", max_length=MAX_NAME)
    await session.flush()
    return workspace


async def create_inbox(session: AsyncSession, ctx: Ctx, name: str) -> Inbox:
    roles.check_admin(ctx)
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
    roles.check_admin(ctx)
    inbox = await get_inbox(session, ctx, inbox_id)
    inbox.name = check_text(name, param="name", max_length=MAX_NAME)
    await session.flush()
    return inbox


async def set_default_inbox(session: AsyncSession, ctx: Ctx, inbox_id: str) -> Inbox:
    """Exactly one default inbox at a time: API-created tickets without an inbox land there.

    Under the workspace lock: two admins choosing different defaults at once would each
    clear the old default and set their own, leaving two."""
    roles.check_admin(ctx)
    await repository.lock_workspace(session, ctx)
    inbox = await get_inbox(session, ctx, inbox_id)
    for other in await list_inboxes(session, ctx):
        other.is_default = other.id == inbox.id
    await session.flush()
    return inbox


async def _lock_members(session: AsyncSession, ctx: Ctx) -> Member | None:
    """Lock the workspace (see :func:`repository.lock_workspace`) and return the acting
    member as they are now, or None for the operator (``ctx.member_id`` unset: the CLI).

    The actor's role is read after the lock, never taken from ``ctx.role`` (the role when
    the request began): an owner demoted by a transaction that committed a moment ago is no
    longer an owner here."""
    await repository.lock_workspace(session, ctx)
    if ctx.member_id is None:
        return None
    found = await repository.get_member(session, ctx, ctx.member_id, fresh=True)
    if found is None or found[0].role not in roles.ADMIN_ROLES:
        raise Forbidden(roles.NOT_ADMIN)
    return found[0]


def _check_owner_rule(actor: Member | None, roles: set[str], *, action: str, param: str) -> None:
    """Only owners give, take or touch the owner role."""
    if actor is not None and "owner" in roles and actor.role != "owner":
        raise Forbidden(f"Only owners can {action}.", param=param)


async def check_can_invite(session: AsyncSession, ctx: Ctx, role: str) -> str:
    """The role checked for an invite made by the actor: owners and admins invite, and only
    owners invite owners. Holds the workspace lock until the transaction ends."""
    role = check_choice(role, ROLES, param="role")
    actor = await _lock_members(session, ctx)
    _check_owner_rule(actor, {role}, action="invite owners", param="role")
    return role


async def change_member_role(session: AsyncSession, ctx: Ctx, member_id: str, role: str) -> Member:
    """Give a member another role. Owners and admins may; only owners make or unmake
    owners; a workspace always keeps at least one owner.

    Checked under the workspace lock, so two owners demoting each other at once run one
    after the other and the second is refused (the last owner, or no longer an owner)."""
    role = check_choice(role, ROLES, param="role")
    actor = await _lock_members(session, ctx)
    found = await repository.get_member(session, ctx, member_id, fresh=True)
    if found is None:
        raise NotFound("member", member_id)
    member = found[0]
    _check_owner_rule(actor, {role, member.role}, action="make or unmake owners", param="role")
    if (
        member.role == "owner"
        and role != "owner"
        and await repository.count_owners(session, ctx) <= 1
    ):
        raise Conflict("The last owner cannot stop being owner.", param="role")
    member.role = role
    await session.flush()
    return member


async def remove_member(session: AsyncSession, ctx: Ctx, member_id: str) -> tuple[Member, User]:
    """Remove someone from the workspace; their tickets become unassigned (the foreign key
    sets NULL), their messages stay. Owners and admins may; only owners remove owners; the
    last owner cannot be removed. Checked under the workspace lock, like
    :func:`change_member_role`."""
    actor = await _lock_members(session, ctx)
    found = await repository.get_member(session, ctx, member_id, fresh=True)
    if found is None:
        raise NotFound("member", member_id)
    member, user = found
    _check_owner_rule(actor, {member.role}, action="remove owners", param="member_id")
    if member.role == "owner" and await repository.count_owners(session, ctx) <= 1:
        raise Conflict("The last owner cannot be removed.", param="member_id")
    await session.delete(member)
    await session.flush()
    return member, user
