"""The rule for new passwords (``auth/passwords.check_new_password``), and that every place
a password is chosen applies it: sign-up and ``workspace create`` (create_workspace), the
account page (change_password), invites (accept_invite), ``user set-password``."""

from __future__ import annotations

import pytest

from tests.support.tenants import Tenant
from tixallo.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    PASSWORD_RULE,
    check_new_password,
    common_passwords,
    verify_password,
)
from tixallo.db import Database
from tixallo.errors import Invalid
from tixallo.workspaces.accounts import set_password
from tixallo.workspaces.invites import accept_invite, create_invite
from tixallo.workspaces.service import change_password, create_workspace

WEAK = [
    ("", "at least 8 characters"),
    ("seven77", "at least 8 characters"),
    ("        ", "must not be only spaces"),
    ("\t\t\t\t\t\t\t\t", "must not be only spaces"),
    ("\u00a0" * 8, "must not be only spaces"),
    ("password", "one of the most common"),
    ("Password1", "one of the most common"),
    ("  iloveyou  ", "one of the most common"),
    ("QWERTYUIOP", "one of the most common"),
    ("12345678", "one of the most common"),
]


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_weak_passwords_are_refused_naming_the_field(password: str, message: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_new_password(password, param="new_password")
    assert message in refused.value.message
    assert refused.value.param == "new_password"


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "Tr0ub4dor&3x", "  spaces around are fine  ", "ünïcødé-pw"],
)
def test_ordinary_passwords_pass(password: str) -> None:
    assert check_new_password(password) == password


def test_the_common_list_ships_with_the_package_and_is_usable() -> None:
    common = common_passwords()
    assert len(common) >= 5_000
    assert all(len(p) >= MIN_PASSWORD_LENGTH and p == p.lower() for p in common)
    assert str(MIN_PASSWORD_LENGTH) in PASSWORD_RULE and "common" in PASSWORD_RULE


async def test_every_place_a_password_is_chosen_applies_the_rule(
    db: Database, tenant: Tenant
) -> None:
    owner = tenant.created.user
    async with db.transaction() as session:
        with pytest.raises(Invalid) as refused:
            await create_workspace(
                session, name="W", admin_email="w@example.com", admin_password="sunshine1"
            )
        assert refused.value.param == "admin_password"
        with pytest.raises(Invalid) as refused:
            await set_password(session, owner.email, "        ")
        assert refused.value.param == "password"
        user = await session.merge(owner)
        with pytest.raises(Invalid) as refused:
            await change_password(session, user, current="correct horse battery", new="baseball")
        assert refused.value.param == "new_password"
        invite = await create_invite(session, tenant.ctx, email="new@example.com", role="agent")
    async with db.transaction() as session:
        with pytest.raises(Invalid) as refused:
            await accept_invite(session, invite.token, name="New", password="football")
        assert refused.value.param == "password"
    async with db.transaction(write=False) as session:
        user = await session.merge(owner)
        assert verify_password(user.password_hash, "correct horse battery")  # unchanged


async def test_an_existing_account_is_refused_by_the_rule_before_it_is_looked_up(
    db: Database, tenant: Tenant
) -> None:
    """Sign-up must not answer differently for an email that has an account."""
    for email in (tenant.created.user.email, "nobody-yet@example.com"):
        async with db.transaction() as session:
            with pytest.raises(Invalid) as refused:
                await create_workspace(
                    session, name="W", admin_email=email, admin_password="        "
                )
        assert "only spaces" in refused.value.message
