"""Idempotency keys: a retried POST answers its first response and creates nothing.

The record is inserted in the same transaction as the work it guards. Two concurrent
requests with one key therefore serialise on the record's primary key: on PostgreSQL the
second INSERT waits for the first transaction and then finds its committed row; on SQLite
``BEGIN IMMEDIATE`` already serialises writers. Either way exactly one does the work.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock
from tixallo.context import Ctx
from tixallo.errors import Conflict, Invalid
from tixallo.idempotency import repository
from tixallo.idempotency.models import IdempotencyRecord

MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: Any


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join([method.encode(), path.encode(), body])).hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Invalid(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            param="Idempotency-Key",
        )
    return key


async def _stored(
    session: AsyncSession, ctx: Ctx, key: str, print_: str, ttl: timedelta
) -> StoredResponse | None:
    record = await repository.get_record(session, ctx, key)
    if record is None:
        return None
    if record.created_at < clock.now() - ttl:
        await session.delete(record)
        await session.flush()
        return None
    if record.fingerprint != print_:
        raise Conflict(
            "This Idempotency-Key was already used with a different request.",
            param="Idempotency-Key",
        )
    return StoredResponse(record.status_code, record.body)


async def claim(
    session: AsyncSession, ctx: Ctx, key: str, print_: str, *, ttl: timedelta
) -> tuple[StoredResponse | None, IdempotencyRecord | None]:
    """Either the stored first response (replay it), or a claimed record to fill in with
    :func:`remember` once the work is done."""
    stored = await _stored(session, ctx, key, print_, ttl)
    if stored is not None:
        return stored, None
    record = IdempotencyRecord(
        workspace_id=ctx.workspace_id,
        key=key,
        fingerprint=print_,
        status_code=0,
        body=None,
        created_at=clock.now(),
    )
    try:
        async with session.begin_nested():
            session.add(record)
            await session.flush()
    except IntegrityError:
        # Another request with this key committed first while we waited on its lock.
        stored = await _stored(session, ctx, key, print_, ttl)
        if stored is None:
            raise Conflict(
                "A request with this Idempotency-Key is still in progress; retry shortly.",
                param="Idempotency-Key",
            ) from None
        return stored, None
    return None, record


async def remember(
    session: AsyncSession, record: IdempotencyRecord, status_code: int, body: Any
) -> None:
    record.status_code = status_code
    record.body = body
    await session.flush()


async def purge_expired(session: AsyncSession, *, ttl: timedelta) -> int:
    return await repository.delete_created_before(session, clock.now() - ttl)
