"""Creating, listing, revoking, rotating and authenticating API keys."""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock, ids
from tixallo.auth import repository
from tixallo.auth.keys import display_prefix, generate_key, hash_key, looks_like_key
from tixallo.auth.models import ApiKey
from tixallo.context import ALL_SCOPES, Ctx
from tixallo.db import Database
from tixallo.errors import Invalid, NotFound, Unauthorized
from tixallo.ratelimit import Budget
from tixallo.validation import MAX_NAME, check_text
from tixallo.webhooks import service as webhooks
from tixallo.workspaces import roles


@dataclass(frozen=True, slots=True)
class CreatedKey:
    api_key: ApiKey
    secret: str


def check_scopes(scopes: list[str], *, param: str = "scopes") -> list[str]:
    cleaned = sorted({scope.strip() for scope in scopes if scope.strip()})
    if not cleaned:
        raise Invalid("Give at least one scope.", param=param)
    unknown = [s for s in cleaned if s != "*" and s not in ALL_SCOPES]
    if unknown:
        raise Invalid(
            f"Unknown scope(s): {', '.join(unknown)}. Known: *, {', '.join(ALL_SCOPES)}.",
            param=param,
        )
    return ["*"] if "*" in cleaned else cleaned


def check_rate_limit(value: str | None, *, param: str = "rate_limit") -> str | None:
    """One parser for budgets given and budgets enforced (:meth:`Budget.parse`), so a key can
    only be created with a budget the limiter can hold."""
    if value is None:
        return None
    return str(Budget.parse(value, param=param))


async def create_key(
    session: AsyncSession, ctx: Ctx, *, name: str, scopes: list[str], rate_limit: str | None = None
) -> CreatedKey:
    """Owners and admins (and the operator) make keys (:func:`roles.check_admin`)."""
    roles.check_admin(ctx)
    secret = generate_key()
    api_key = ApiKey(
        id=ids.new_id("key"),
        workspace_id=ctx.workspace_id,
        name=check_text(name, param="name", max_length=MAX_NAME),
        prefix=display_prefix(secret),
        key_hash=hash_key(secret),
        scopes=check_scopes(scopes),
        rate_limit=check_rate_limit(rate_limit),
        created_at=clock.now(),
    )
    session.add(api_key)
    await session.flush()
    return CreatedKey(api_key=api_key, secret=secret)


async def list_keys(session: AsyncSession, ctx: Ctx) -> list[ApiKey]:
    roles.check_admin(ctx)
    return await repository.list_keys(session, ctx)


async def get_key(
    session: AsyncSession, ctx: Ctx, key_id: str, *, for_update: bool = False
) -> ApiKey:
    """``for_update`` locks the key's row until the transaction ends (PostgreSQL; SQLite's
    write transactions are exclusive already) and reads it as committed now: a revoke and a
    rotation of one key then run one after the other, so a rotation cannot write its grace
    period over a revocation that committed meanwhile."""
    api_key = await repository.get_key(session, ctx, key_id, for_update=for_update)
    if api_key is None:
        raise NotFound("API key", key_id)
    return api_key


async def revoke_key(
    session: AsyncSession, ctx: Ctx, key_id: str, *, at: datetime | None = None
) -> ApiKey:
    """Revoke now, or at ``at`` (a rotation's grace period). Never extends an earlier end.
    The webhooks the key subscribed are disabled with it (a rotation hands them to the
    successor first, so it disables none)."""
    roles.check_admin(ctx)
    api_key = await get_key(session, ctx, key_id, for_update=True)
    when = at or clock.now()
    if api_key.revoked_at is None or api_key.revoked_at > when:
        api_key.revoked_at = when
    await session.flush()
    await webhooks.disable_endpoints_of_revoked_key(session, ctx, api_key.id)
    key_cache.forget(api_key.key_hash)
    return api_key


async def rotate_key(
    session: AsyncSession, ctx: Ctx, key_id: str, *, grace: timedelta
) -> CreatedKey:
    """Issue a successor with the same name, scopes and budget; the old key keeps working
    for ``grace`` (zero revokes it at once) so deployments can switch without downtime. The
    successor inherits the webhooks the old key subscribed."""
    roles.check_admin(ctx)
    old = await get_key(session, ctx, key_id, for_update=True)
    if old.revoked_at is not None and old.revoked_at <= clock.now():
        raise Invalid("A revoked key cannot be rotated; create a new one.", param="key_id")
    created = await create_key(
        session, ctx, name=old.name, scopes=list(old.scopes), rate_limit=old.rate_limit
    )
    await webhooks.hand_endpoints_to_successor(session, ctx, old.id, created.api_key.id)
    await revoke_key(session, ctx, old.id, at=clock.now() + grace)
    return created


@dataclass(frozen=True, slots=True)
class KeyIdentity:
    key_id: str
    key_hash: str
    workspace_id: str
    scopes: frozenset[str]
    prefix: str
    rate_limit: str | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def ctx(self) -> Ctx:
        return Ctx(workspace_id=self.workspace_id, actor=f"key:{self.key_id}", scopes=self.scopes)


class KeyCache:
    """In-process cache of key lookups (hash → identity) so a known key costs no query.

    Entries live ``ttl`` seconds: a revocation made by another process is seen at most that
    late; one made in this process is seen at once (``forget``).
    """

    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, KeyIdentity | None]] = {}

    def get(self, key_hash: str) -> tuple[bool, KeyIdentity | None]:
        entry = self._entries.get(key_hash)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, key_hash: str, identity: KeyIdentity | None) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[key_hash] = (time.monotonic() + self.ttl, identity)

    def forget(self, key_hash: str) -> None:
        self._entries.pop(key_hash, None)

    def clear(self) -> None:
        self._entries.clear()


key_cache = KeyCache()

LAST_USED_RESOLUTION = timedelta(minutes=1)


async def load_identity(session: AsyncSession, key_hash: str) -> KeyIdentity | None:
    row = await repository.get_key_by_hash(session, key_hash)
    if row is None:
        return None
    return KeyIdentity(
        key_id=row.id,
        key_hash=row.key_hash,
        workspace_id=row.workspace_id,
        scopes=frozenset(row.scopes),
        prefix=row.prefix,
        rate_limit=row.rate_limit,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


async def authenticate(db: Database, presented: str) -> KeyIdentity:
    """The identity behind a presented key, or :class:`Unauthorized`. A cached key costs no
    database round trip; an unknown one opens a short read transaction."""
    if not looks_like_key(presented):
        raise Unauthorized("The API key is malformed. Keys start with 'th_'.")
    key_hash = hash_key(presented)
    hit, identity = key_cache.get(key_hash)
    if not hit:
        # One lookup per key at a time: when the entry expires under load, the requests
        # in flight wait for the first one's query instead of each running their own.
        async with _single_flight(key_hash):
            hit, identity = key_cache.get(key_hash)
            if not hit:
                async with db.transaction(write=False) as session:
                    identity = await load_identity(session, key_hash)
                key_cache.put(key_hash, identity)
    if identity is None:
        raise Unauthorized("The API key is not valid.")
    if identity.revoked_at is not None and identity.revoked_at <= clock.now():
        raise Unauthorized("The API key has been revoked.")
    if needs_touch(identity):
        async with _single_flight(key_hash):
            _, current = key_cache.get(key_hash)
            if current is None or needs_touch(current):
                async with db.transaction(write=True) as session:
                    await touch_last_used(session, current or identity)
    return identity


_FLIGHT_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _single_flight(key_hash: str) -> asyncio.Lock:
    """One of 64 locks of the running event loop (bounded however many keys are tried;
    per loop because an asyncio lock belongs to one loop)."""
    loop = asyncio.get_running_loop()
    locks = _FLIGHT_LOCKS.get(loop)
    if locks is None:
        locks = _FLIGHT_LOCKS[loop] = [asyncio.Lock() for _ in range(64)]
    return locks[int(key_hash[:8], 16) % 64]


def needs_touch(identity: KeyIdentity) -> bool:
    last = identity.last_used_at
    return last is None or clock.now() - last >= LAST_USED_RESOLUTION


async def touch_last_used(session: AsyncSession, identity: KeyIdentity) -> bool:
    """Record use at most once a minute per key, so reads stay free of writes."""
    now = clock.now()
    if not needs_touch(identity):
        return False
    await repository.set_last_used(session, identity.key_id, now)
    key_cache.put(identity.key_hash, replace(identity, last_used_at=now))
    return True
