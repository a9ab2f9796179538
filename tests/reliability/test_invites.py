"""Invite links: what tests/web/ does not already cover (sign-in rotation, sign-out,
password change, CSRF and foreign Origin are in tests/web/test_auth.py; one use in
tests/web/test_pages.py): an expired link is dead, and a link raced by several people at once
still works exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from tests.support.tenants import Tenant
from tests.support.web import csrf_of
from tixallo import clock
from tixallo.db import Database
from tixallo.workspaces import invites
from tixallo.workspaces.models import Invite, Member


async def _invite(db: Database, tenant: Tenant, email: str) -> str:
    async with db.transaction() as session:
        created = await invites.create_invite(session, tenant.ctx, email=email, role="agent")
    return created.token


def _guest(client: httpx.AsyncClient) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=client._transport, base_url="http://tixallo.test")


async def _members(db: Database, tenant: Tenant) -> int:
    async with db.transaction(write=False) as session:
        count = await session.scalar(
            select(func.count()).select_from(Member).where(Member.workspace_id == tenant.id)
        )
    return int(count or 0)


async def test_an_expired_invite_link_is_dead(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    token = await _invite(db, tenant, "late@example.com")
    async with _guest(client) as guest:
        form = await guest.get(f"/invite/{token}")
        assert form.status_code == 200
        csrf = csrf_of(form.text)
        async with db.transaction() as session:
            await session.execute(
                update(Invite).values(expires_at=clock.now() - timedelta(seconds=1))
            )
        assert (await guest.get(f"/invite/{token}")).status_code == 404
        late = await guest.post(
            f"/invite/{token}", data={"csrf": csrf, "name": "Late", "password": "long enough"}
        )
        assert late.status_code == 404
    assert await _members(db, tenant) == 1


async def test_an_invite_raced_by_ten_people_works_once(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    token = await _invite(db, tenant, "racer@example.com")
    guests = [_guest(client) for _ in range(10)]
    try:
        forms = [await g.get(f"/invite/{token}") for g in guests]
        answers = await asyncio.gather(
            *(
                g.post(
                    f"/invite/{token}",
                    data={"csrf": csrf_of(f.text), "name": "Racer", "password": "long enough"},
                )
                for g, f in zip(guests, forms, strict=True)
            )
        )
    finally:
        for g in guests:
            await g.aclose()
    codes = sorted(a.status_code for a in answers)
    assert codes == [303] + [404] * 9, codes
    assert await _members(db, tenant) == 2
