"""Owner rules (the last owner stays; only owners make, unmake, invite or remove owners) are
the workspace service's, checked under the workspace lock with the actor's role as it is
now. On PostgreSQL two owners demoting or removing each other at once both succeeded before,
leaving a workspace nobody could administer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import select

from tests.support.tenants import Tenant, TenantFactory
from tests.support.web import PASSWORD, sign_in
from tixallo.context import Ctx
from tixallo.db import Database
from tixallo.errors import Conflict, Forbidden, Invalid, NotFound
from tixallo.workspaces import service as workspaces
from tixallo.workspaces.models import Member

ROUNDS = 6


async def _add(db: Database, tenant: Tenant, role: str) -> tuple[str, str]:
    """A new member with this role: (member id, email)."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    async with db.transaction() as session:
        member, _ = await workspaces.add_member(
            session, tenant.id, email=email, name=role.title(), role=role, password=PASSWORD
        )
    return member.id, email


@asynccontextmanager
async def _signed_in(
    client: httpx.AsyncClient, email: str
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as c:
        yield c, await sign_in(c, email)


async def _roles(db: Database, tenant: Tenant) -> dict[str, str]:
    async with db.transaction(write=False) as session:
        rows = (
            await session.execute(
                select(Member.id, Member.role).where(Member.workspace_id == tenant.id)
            )
        ).all()
    return {member_id: role for member_id, role in rows}


def _ctx(tenant: Tenant, member_id: str) -> Ctx:
    return Ctx(workspace_id=tenant.id, actor=f"member:{member_id}", member_id=member_id)


async def _two_owners(db: Database, tenants: TenantFactory) -> tuple[Tenant, str, str, str, str]:
    tenant = await tenants()
    second_id, second_email = await _add(db, tenant, "owner")
    return tenant, tenant.created.owner.id, tenant.created.user.email, second_id, second_email


async def test_owners_demoting_each_other_at_once_keep_an_owner(
    client: httpx.AsyncClient, db: Database, tenants: TenantFactory
) -> None:
    for _ in range(ROUNDS):
        tenant, a_id, a_email, b_id, b_email = await _two_owners(db, tenants)
        async with (
            _signed_in(client, a_email) as (a, a_csrf),
            _signed_in(client, b_email) as (b, b_csrf),
        ):
            answers = await asyncio.gather(
                a.post(f"/settings/members/{b_id}/role", data={"csrf": a_csrf, "role": "agent"}),
                b.post(f"/settings/members/{a_id}/role", data={"csrf": b_csrf, "role": "agent"}),
            )
        codes = sorted(r.status_code for r in answers)
        assert codes == [303, 403], [r.text[:300] for r in answers]
        refused = next(r for r in answers if r.status_code == 403)
        # The loser is no longer an owner (nor an admin): refused as such, not as "last owner".
        assert "Settings are for workspace owners and admins" in refused.text
        assert list((await _roles(db, tenant)).values()).count("owner") == 1


async def test_owners_removing_each_other_at_once_keep_an_owner(
    client: httpx.AsyncClient, db: Database, tenants: TenantFactory
) -> None:
    for _ in range(ROUNDS):
        tenant, a_id, a_email, b_id, b_email = await _two_owners(db, tenants)
        async with (
            _signed_in(client, a_email) as (a, a_csrf),
            _signed_in(client, b_email) as (b, b_csrf),
        ):
            answers = await asyncio.gather(
                a.post(f"/settings/members/{b_id}/remove", data={"csrf": a_csrf}),
                b.post(f"/settings/members/{a_id}/remove", data={"csrf": b_csrf}),
            )
        shown = [(r.status_code, r.headers.get("location"), r.text[:300]) for r in answers]
        winners = [r for r in answers if r.headers.get("location") == "/settings/members"]
        assert len(winners) == 1, shown
        loser = answers[1] if winners[0] is answers[0] else answers[0]
        # Refused under the lock (403); or, when its request began only after the winner
        # committed, its session ended with its membership and it is sent to sign in.
        assert loser.status_code == 403 or (
            loser.status_code == 303 and loser.headers["location"].startswith("/signin")
        ), shown
        assert list((await _roles(db, tenant)).values()) == ["owner"]


async def test_demotion_and_an_owner_invite_at_once_never_both_pass(
    client: httpx.AsyncClient, db: Database, tenants: TenantFactory
) -> None:
    """B is demoted to admin while B invites someone as owner: if the demotion came first,
    the invite is refused (B is no longer an owner)."""
    for _ in range(ROUNDS):
        _tenant, _a_id, a_email, b_id, b_email = await _two_owners(db, tenants)
        async with (
            _signed_in(client, a_email) as (a, a_csrf),
            _signed_in(client, b_email) as (b, b_csrf),
        ):
            demote, invite = await asyncio.gather(
                a.post(f"/settings/members/{b_id}/role", data={"csrf": a_csrf, "role": "admin"}),
                b.post(
                    "/settings/members/invite",
                    data={"csrf": b_csrf, "email": "new@example.com", "role": "owner"},
                ),
            )
        assert demote.status_code == 303
        assert invite.status_code in (200, 403), invite.text[:300]


async def test_the_last_owner_cannot_demote_or_remove_themselves(
    db: Database, tenant: Tenant
) -> None:
    owner = tenant.created.owner.id
    async with db.transaction() as session:
        with pytest.raises(Conflict) as demoted:
            await workspaces.change_member_role(session, _ctx(tenant, owner), owner, "admin")
        with pytest.raises(Conflict) as removed:
            await workspaces.remove_member(session, _ctx(tenant, owner), owner)
    assert demoted.value.param == "role" and removed.value.param == "member_id"
    assert await _roles(db, tenant) == {owner: "owner"}


async def test_an_admin_cannot_touch_the_owner_role(db: Database, tenant: Tenant) -> None:
    admin, _ = await _add(db, tenant, "admin")
    agent, _ = await _add(db, tenant, "agent")
    owner = tenant.created.owner.id
    ctx = _ctx(tenant, admin)
    async with db.transaction() as session:
        with pytest.raises(Forbidden, match="Only owners"):
            await workspaces.change_member_role(session, ctx, agent, "owner")
        with pytest.raises(Forbidden, match="Only owners"):
            await workspaces.change_member_role(session, ctx, owner, "agent")
        with pytest.raises(Forbidden, match="Only owners"):
            await workspaces.remove_member(session, ctx, owner)
        with pytest.raises(Forbidden, match="Only owners"):
            await workspaces.check_can_invite(session, ctx, "owner")
        assert await workspaces.check_can_invite(session, ctx, "admin") == "admin"
        promoted = await workspaces.change_member_role(session, ctx, agent, "admin")
    assert promoted.role == "admin"


async def test_an_agent_or_a_stranger_changes_nothing(
    db: Database, tenant: Tenant, tenants: TenantFactory
) -> None:
    agent, _ = await _add(db, tenant, "agent")
    owner = tenant.created.owner.id
    other = await tenants()
    async with db.transaction() as session:
        with pytest.raises(Forbidden):
            await workspaces.change_member_role(session, _ctx(tenant, agent), agent, "admin")
        with pytest.raises(Forbidden):
            await workspaces.remove_member(session, _ctx(tenant, agent), owner)
        # A member of another workspace is not a member here.
        stranger = _ctx(tenant, other.created.owner.id)
        with pytest.raises(Forbidden):
            await workspaces.change_member_role(session, stranger, owner, "agent")
    assert (await _roles(db, tenant))[agent] == "agent"


async def test_bad_role_and_unknown_member_are_refused(db: Database, tenant: Tenant) -> None:
    owner = tenant.created.owner.id
    async with db.transaction() as session:
        with pytest.raises(Invalid) as bad:
            await workspaces.change_member_role(session, _ctx(tenant, owner), owner, "king")
        with pytest.raises(NotFound):
            await workspaces.change_member_role(session, _ctx(tenant, owner), "mem_nope", "agent")
        with pytest.raises(NotFound):
            await workspaces.remove_member(session, _ctx(tenant, owner), "mem_nope")
    assert bad.value.param == "role"


async def test_an_admin_gets_403_from_the_app_for_owner_changes(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    _admin, admin_email = await _add(db, tenant, "admin")
    owner = tenant.created.owner.id
    csrf = await sign_in(client, admin_email)
    for path, data in (
        (f"/settings/members/{owner}/role", {"role": "agent"}),
        (f"/settings/members/{owner}/remove", {}),
        ("/settings/members/invite", {"email": "boss@example.com", "role": "owner"}),
    ):
        response = await client.post(path, data={"csrf": csrf, **data})
        assert response.status_code == 403, path
        assert "Only owners" in response.text
    assert (await _roles(db, tenant))[owner] == "owner"
