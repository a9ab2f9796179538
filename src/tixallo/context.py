"""The caller's context, passed to every service call so tenancy cannot be forgotten."""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_SCOPES = (
    "tickets:read",
    "tickets:write",
    "chat:read",
    "chat:write",
    "customers:read",
    "customers:write",
    "webhooks:read",
    "webhooks:write",
)


@dataclass(frozen=True, slots=True)
class Ctx:
    """Who is acting, in which workspace, allowed to do what.

    ``actor`` is ``"key:<id>"`` for an API key, ``"member:<id>"`` for a signed-in agent, or
    ``"system"`` for the CLI and background jobs.

    ``role`` is the acting member's role (``owner``, ``admin``, ``agent``) as it was when
    the request began, for the cheap early checks of :mod:`tixallo.workspaces.roles`; None
    for keys, the CLI and background jobs. A rule that a role change committed a moment ago
    must win re-reads the role under the workspace lock instead.
    """

    workspace_id: str
    actor: str = "system"
    scopes: frozenset[str] = field(default_factory=lambda: frozenset({"*"}))
    member_id: str | None = None
    role: str | None = None

    def has_scope(self, scope: str) -> bool:
        return "*" in self.scopes or scope in self.scopes

    @property
    def key_id(self) -> str | None:
        """The acting API key's id; None for agents, the CLI and background jobs."""
        return self.actor.removeprefix("key:") if self.actor.startswith("key:") else None
