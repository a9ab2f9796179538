"""A revocation and a rotation of one key at the same moment: the key ends revoked now.

Before the key's row was locked, a rotation that had read the key before the revocation
committed wrote its grace period over it on PostgreSQL: a key revoked because it leaked kept
working for a day."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.support.tenants import Tenant, TenantFactory
from tixallo import clock
from tixallo.auth import service as auth
from tixallo.db import Database
from tixallo.errors import Invalid, NotFound

GRACE = timedelta(days=1)


async def _revoke(db: Database, tenant: Tenant, key_id: str) -> str:
    async with db.transaction() as session:
        await auth.revoke_key(session, tenant.ctx, key_id)
    return "revoked"


async def _rotate(db: Database, tenant: Tenant, key_id: str) -> str:
    try:
        async with db.transaction() as session:
            await auth.rotate_key(session, tenant.ctx, key_id, grace=GRACE)
    except Invalid as exc:
        assert exc.param == "key_id"
        return "refused"
    return "rotated"


async def test_revoke_and_rotate_at_once_leave_the_key_revoked(
    db: Database, tenant: Tenant
) -> None:
    for _ in range(10):
        async with db.transaction() as session:
            key = await auth.create_key(session, tenant.ctx, name="leaked", scopes=["*"])
        outcomes = await asyncio.gather(
            _rotate(db, tenant, key.api_key.id), _revoke(db, tenant, key.api_key.id)
        )
        assert outcomes[1] == "revoked"
        async with db.transaction(write=False) as session:
            after = await auth.get_key(session, tenant.ctx, key.api_key.id)
        assert after.revoked_at is not None
        assert after.revoked_at <= clock.now(), outcomes


async def test_another_workspaces_key_is_not_found(
    db: Database, tenant: Tenant, tenants: TenantFactory
) -> None:
    other = await tenants()
    async with db.transaction() as session:
        theirs = await auth.create_key(session, other.ctx, name="theirs", scopes=["*"])
    with pytest.raises(NotFound):
        await _revoke(db, tenant, theirs.api_key.id)
    with pytest.raises(NotFound):
        await _rotate(db, tenant, theirs.api_key.id)
