"""Connection pool exhausted: a request that cannot get a database connection in time is a
503 with Retry-After (come back later), not a 500 (report a bug)."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from tests.support.reliability import Row, record_row
from tests.support.tenants import Tenant
from tixallo.app import create_app
from tixallo.config import Settings
from tixallo.db import Database


async def test_exhausted_pool_is_503_with_retry_after(
    backend: str, settings: Settings, tenant: Tenant
) -> None:
    tiny = Database(settings, pool_size=1, max_overflow=0, pool_timeout=0.2)
    app = create_app(settings, db=tiny)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://tixallo.test"
        ) as http:
            async with tiny.transaction(write=False) as session:
                await session.execute(text("SELECT 1"))  # holds the only connection
                busy = await http.get("/api/v1/tickets", headers=tenant.headers)
            after = await http.get("/api/v1/tickets", headers=tenant.headers)
    finally:
        await tiny.dispose()
    record_row(Row("pool exhausted", backend, 2, 1, 0, 0, 0, 0, f"answered {busy.status_code}"))
    assert busy.status_code == 503, busy.text
    assert busy.json()["error"]["type"]
    assert busy.headers.get("retry-after")
    assert after.status_code == 200
