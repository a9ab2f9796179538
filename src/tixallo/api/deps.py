"""Dependencies shared by both APIs: database sessions, authentication, scopes.

Sessions use ``scope="function"`` so the transaction commits *before* the response is sent:
a 201 is only ever answered for a change that is durably committed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import ratelimit
from tixallo.auth import service as auth
from tixallo.config import Settings
from tixallo.context import Ctx
from tixallo.db import Database
from tixallo.errors import Forbidden, Unauthorized


def get_db(request: Request) -> Database:
    db: Database = request.state.db
    return db


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.state.settings
    return settings


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_db(request).transaction(write=False) as session:
        yield session


async def _write_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_db(request).transaction(write=True) as session:
        yield session


ReadSession = Annotated[AsyncSession, Depends(_read_session, scope="function")]
WriteSession = Annotated[AsyncSession, Depends(_write_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]


def _bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorized("Missing API key. Send it as 'Authorization: Bearer <key>'.")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <key>'.")
    return token.strip()


async def authenticate_request(request: Request) -> auth.KeyIdentity:
    """The key's identity, looked up once per request (cached in process across requests)."""
    cached: auth.KeyIdentity | None = getattr(request.state, "key_identity", None)
    if cached is not None:
        return cached
    ratelimit.check_address(request)
    try:
        identity = await auth.authenticate(get_db(request), _bearer_token(request))
    except Unauthorized:
        await ratelimit.record_failed_auth(request)
        raise
    request.state.workspace_id = identity.workspace_id
    request.state.key_prefix = identity.prefix
    await ratelimit.spend(request, identity.key_id, identity.rate_limit)
    request.state.key_identity = identity
    return identity


def require(*scopes: str) -> Callable[[Request], Awaitable[Ctx]]:
    """A dependency that authenticates the key and checks it holds one of ``scopes``
    (several only where the route itself narrows by scope, like the event feed)."""

    async def dependency(request: Request) -> Ctx:
        identity = await authenticate_request(request)
        ctx = identity.ctx()
        if not any(ctx.has_scope(scope) for scope in scopes):
            needed = "' or '".join(scopes)
            raise Forbidden(f"This API key lacks the '{needed}' scope.", param="scope")
        return ctx

    dependency.__name__ = "require_" + "_or_".join(s.replace(":", "_") for s in scopes)
    # Read by the generated scope and isolation tests, which walk the route table.
    dependency.required_scopes = scopes  # type: ignore[attr-defined]
    return dependency


TicketsRead = Annotated[Ctx, Depends(require("tickets:read"))]
TicketsWrite = Annotated[Ctx, Depends(require("tickets:write"))]
ChatRead = Annotated[Ctx, Depends(require("chat:read"))]
ChatWrite = Annotated[Ctx, Depends(require("chat:write"))]
CustomersRead = Annotated[Ctx, Depends(require("customers:read"))]
CustomersWrite = Annotated[Ctx, Depends(require("customers:write"))]
WebhooksRead = Annotated[Ctx, Depends(require("webhooks:read"))]
WebhooksWrite = Annotated[Ctx, Depends(require("webhooks:write"))]
