"""Joining at the same moment: two invites for one person accepted at once (one workspace or
two), and two sign-ups with one email. Before, the second insert hit a unique index on
PostgreSQL and answered 500; now one joins and the other gets a clear refusal."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from tests.support.tenants import Tenant, TenantFactory
from tests.support.web import csrf_of
from tixallo.db import Database
from tixallo.errors import Conflict
from tixallo.workspaces import invites
from tixallo.workspaces import service as workspaces
from tixallo.workspaces.models import Member, User


async def _invite(db: Database, tenant: Tenant, email: str, role: str = "agent") -> str:
    async with db.transaction() as session:
        return (await invites.create_invite(session, tenant.ctx, email=email, role=role)).token


async def _accept_all(client: httpx.AsyncClient, tokens: list[str]) -> list[httpx.Response]:
    guests = [
        httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
        for _ in tokens
    ]
    try:
        forms = [await g.get(f"/invite/{t}") for g, t in zip(guests, tokens, strict=True)]
        return list(
            await asyncio.gather(
                *(
                    g.post(
                        f"/invite/{t}",
                        data={"csrf": csrf_of(f.text), "name": "Pat", "password": "long enough"},
                    )
                    for g, t, f in zip(guests, tokens, forms, strict=True)
                )
            )
        )
    finally:
        for g in guests:
            await g.aclose()


async def _count(db: Database, stmt: object) -> int:
    async with db.transaction(write=False) as session:
        return int((await session.execute(stmt)).scalar_one())  # type: ignore[call-overload]


async def test_two_invites_for_one_person_accepted_at_once_add_one_member(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    for _ in range(4):
        email = f"pat-{uuid.uuid4().hex[:6]}@example.com"
        tokens = [await _invite(db, tenant, email), await _invite(db, tenant, email)]
        answers = await _accept_all(client, tokens)
        assert sorted(a.status_code for a in answers) == [303, 400], [a.text for a in answers]
        refused = next(a for a in answers if a.status_code == 400)
        # Sequentially "already a member"; raced on PostgreSQL, the account itself is new.
        assert "already a member" in refused.text or "at this very moment" in refused.text
        members = select(func.count()).select_from(Member).join(User).where(User.email == email)
        assert await _count(db, members) == 1


async def test_invites_of_two_workspaces_accepted_at_once_make_one_account(
    client: httpx.AsyncClient, db: Database, tenants: TenantFactory
) -> None:
    for _ in range(4):
        a, b = await tenants(), await tenants()
        email = f"pat-{uuid.uuid4().hex[:6]}@example.com"
        answers = await _accept_all(
            client, [await _invite(db, a, email), await _invite(db, b, email)]
        )
        codes = sorted(x.status_code for x in answers)
        assert all(c < 500 for c in codes), [x.text for x in answers]
        assert 303 in codes
        users = select(func.count()).select_from(User).where(User.email == email)
        assert await _count(db, users) == 1


async def test_two_sign_ups_with_one_email_at_once_make_one_account(db: Database) -> None:
    async def sign_up(name: str, email: str) -> str:
        try:
            async with db.transaction() as session:
                await workspaces.create_workspace(
                    session, name=name, admin_email=email, admin_password="long enough"
                )
        except Conflict as exc:
            assert exc.param == "admin_email"
            return "conflict"
        return "created"

    for _ in range(4):
        email = f"founder-{uuid.uuid4().hex[:6]}@example.com"
        outcomes = await asyncio.gather(sign_up("One", email), sign_up("Two", email))
        assert "created" in outcomes, outcomes
        users = select(func.count()).select_from(User).where(User.email == email)
        assert await _count(db, users) == 1


async def test_a_password_for_an_account_that_exists_is_refused(
    db: Database, tenants: TenantFactory
) -> None:
    """The invite path decides "new account" before it adds the member; if the account
    appeared in between, the new password must not open it."""
    a, b = await tenants(), await tenants()
    email = a.created.user.email
    with pytest.raises(Conflict) as refused:
        async with db.transaction() as session:
            await workspaces.add_member(
                session, b.id, email=email, name="X", role="agent", password="attacker's"
            )
    assert refused.value.param == "email"
    members = select(func.count()).select_from(Member).where(Member.workspace_id == b.id)
    assert await _count(db, members) == 1
