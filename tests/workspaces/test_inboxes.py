"""One default inbox per workspace, also when several are chosen at once (on PostgreSQL two
concurrent choices each cleared the old default and set their own: two defaults)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from tests.support.tenants import Tenant, TenantFactory
from tixallo.db import Database
from tixallo.errors import NotFound
from tixallo.workspaces import service as workspaces
from tixallo.workspaces.models import Inbox


async def _defaults(db: Database, tenant: Tenant) -> list[str]:
    async with db.transaction(write=False) as session:
        stmt = select(Inbox.id).where(Inbox.workspace_id == tenant.id, Inbox.is_default.is_(True))
        return list((await session.execute(stmt)).scalars())


async def _choose(db: Database, tenant: Tenant, inbox_id: str) -> None:
    async with db.transaction() as session:
        await workspaces.set_default_inbox(session, tenant.ctx, inbox_id)


async def test_defaults_chosen_at_once_leave_exactly_one(db: Database, tenant: Tenant) -> None:
    async with db.transaction() as session:
        made = [await workspaces.create_inbox(session, tenant.ctx, f"Inbox {i}") for i in range(8)]
    for _ in range(3):
        await asyncio.gather(*(_choose(db, tenant, inbox.id) for inbox in made))
        defaults = await _defaults(db, tenant)
        assert len(defaults) == 1, defaults


async def test_another_workspaces_inbox_cannot_become_default(
    db: Database, tenant: Tenant, tenants: TenantFactory
) -> None:
    other = await tenants()
    with pytest.raises(NotFound):
        await _choose(db, tenant, other.created.inbox.id)
    assert await _defaults(db, tenant) == [tenant.created.inbox.id]
    assert await _defaults(db, other) == [other.created.inbox.id]
