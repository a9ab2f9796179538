"""Who may do what in a workspace, by the member's role.

Pure rules over the role a :class:`~tixallo.context.Ctx` carries (read when the request
began): the cheap early checks, such as "an agent gets 403 on every settings page", made
once here instead of in each route. Rules that must see a role change committed a moment
ago (only owners make owners; a workspace keeps an owner) re-read the actor's role under
the workspace lock in :mod:`tixallo.workspaces.service`; these checks never replace that.
"""

from __future__ import annotations

from tixallo.context import Ctx
from tixallo.errors import Forbidden

ADMIN_ROLES = ("owner", "admin")
# The order the agent app lists roles in, least to most powerful.
ROLES_SHOWN = ("agent", "admin", "owner")
NOT_ADMIN = "Settings are for workspace owners and admins."


def _acts_as_member(ctx: Ctx) -> bool:
    """Whether a member acts, judged by both fields a member's context carries, so that a
    context built with only one of them is held to the member's rules, not the operator's."""
    return ctx.member_id is not None or ctx.actor.startswith("member:")


def is_admin(ctx: Ctx) -> bool:
    """Whether the acting member is an owner or admin (False for keys and the operator,
    which have no role: this answers "show the settings", not "may the CLI")."""
    return ctx.role in ADMIN_ROLES


def check_admin(ctx: Ctx) -> None:
    """Refuse (:class:`Forbidden`) a member who is neither owner nor admin. Keys and the
    operator (the CLI, background jobs) act without a member and pass: what a key may do is
    its scopes, checked at the adapter. A member's context without a role is refused."""
    if _acts_as_member(ctx) and not is_admin(ctx):
        raise Forbidden(NOT_ADMIN)


def invitable_roles(ctx: Ctx) -> tuple[str, ...]:
    """The roles to offer in the actor's invite form: only owners (or the operator) invite
    owners. The invite itself is checked again under the workspace lock."""
    may_give_owner = not _acts_as_member(ctx) or ctx.role == "owner"
    return tuple(role for role in ROLES_SHOWN if role != "owner" or may_give_owner)
