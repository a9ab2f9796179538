"""The Idempotency-Key adapter used by every POST of both APIs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.context import Ctx
from tixallo.idempotency import service as idempotency


async def idempotent_response(
    request: Request,
    session: AsyncSession,
    ctx: Ctx,
    produce: Callable[[], Awaitable[Any]],
    *,
    status_code: int = 201,
) -> JSONResponse:
    """Run ``produce`` once per Idempotency-Key: a retry with the same key and body answers
    the stored first response (with ``Idempotent-Replayed: true``); another body is a 409."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return JSONResponse(await produce(), status_code=status_code)
    key = idempotency.check_key(key)
    print_ = idempotency.fingerprint(request.method, request.url.path, await request.body())
    ttl = timedelta(seconds=request.state.settings.idempotency_ttl_seconds)
    stored, record = await idempotency.claim(session, ctx, key, print_, ttl=ttl)
    if stored is not None:
        return JSONResponse(
            stored.body, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"}
        )
    assert record is not None
    body = await produce()
    await idempotency.remember(session, record, status_code, body)
    return JSONResponse(body, status_code=status_code)
