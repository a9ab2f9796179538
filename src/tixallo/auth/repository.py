"""API key queries. A workspace's keys are read from :func:`keys_of`; authentication finds a
key by the hash of the presented secret, which is how a request learns its workspace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.auth.models import ApiKey
from tixallo.context import Ctx


def keys_of(ctx: Ctx) -> Select[ApiKey]:
    return select(ApiKey).where(ApiKey.workspace_id == ctx.workspace_id)


async def list_keys(session: AsyncSession, ctx: Ctx) -> list[ApiKey]:
    """Newest first."""
    stmt = keys_of(ctx).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    return list((await session.execute(stmt)).scalars())


async def get_key(
    session: AsyncSession, ctx: Ctx, key_id: str, *, for_update: bool = False
) -> ApiKey | None:
    """``for_update`` locks the row until the transaction ends and reads it as committed."""
    stmt = keys_of(ctx).where(ApiKey.id == key_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar()


async def get_key_by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    """The key whose secret hashes to ``key_hash``, in whichever workspace it is."""
    return (await session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash))).scalar()


async def set_last_used(session: AsyncSession, key_id: str, at: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))
