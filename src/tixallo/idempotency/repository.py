"""Idempotency record queries: one workspace's records start from :func:`records_of`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.context import Ctx
from tixallo.idempotency.models import IdempotencyRecord


def records_of(ctx: Ctx) -> Select[IdempotencyRecord]:
    return select(IdempotencyRecord).where(IdempotencyRecord.workspace_id == ctx.workspace_id)


async def get_record(session: AsyncSession, ctx: Ctx, key: str) -> IdempotencyRecord | None:
    stmt = records_of(ctx).where(IdempotencyRecord.key == key)
    return (await session.execute(stmt)).scalar()


async def delete_created_before(session: AsyncSession, cutoff: datetime) -> int:
    """Every workspace's records older than ``cutoff`` (the periodic purge)."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)
