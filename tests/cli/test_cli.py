"""The `tixallo` command, run as a real subprocess against the test database."""

from __future__ import annotations

import httpx
import pytest

from tests.support.cli import last_line, tixallo
from tests.support.web import csrf_of, sign_in
from tixallo.db import Database

pytestmark = pytest.mark.usefixtures("db")


async def test_workspace_and_key_lifecycle(database_url: str, client: httpx.AsyncClient) -> None:
    slug = last_line(
        tixallo(
            database_url,
            "workspace",
            "create",
            "Acme Support",
            "--admin-email",
            "ops@acme.com",
            "--admin-password",
            "s3cret-pass",
        )
    )
    assert slug == "acme-support"
    created = tixallo(
        database_url,
        "key",
        "create",
        "--workspace",
        slug,
        "--scopes",
        "tickets:read,tickets:write",
        "--name",
        "ci",
    )
    key = created.stdout.strip()
    assert key.startswith("th_") and "\n" not in key and len(key) == 46
    headers = {"Authorization": f"Bearer {key}"}
    assert (await client.get("/api/v1/tickets", headers=headers)).status_code == 200
    assert (await client.get("/api/v1/customers", headers=headers)).status_code == 403

    listed = tixallo(database_url, "key", "list", "--workspace", slug).stdout
    assert key[:9] in listed and key not in listed
    key_id = listed.split("\t", 1)[0]

    rotated = last_line(tixallo(database_url, "key", "rotate", key_id, "--workspace", slug))
    assert rotated.startswith("th_") and rotated != key
    new_headers = {"Authorization": f"Bearer {rotated}"}
    assert (await client.get("/api/v1/tickets", headers=new_headers)).status_code == 200
    assert (await client.get("/api/v1/tickets", headers=headers)).status_code == 200  # grace period

    tixallo(database_url, "key", "revoke", key_id, "--workspace", slug)
    from tixallo.auth.service import key_cache

    key_cache.clear()  # the CLI is another process: this one sees it after the cache TTL
    assert (await client.get("/api/v1/tickets", headers=headers)).status_code == 401
    assert (await client.get("/api/v1/tickets", headers=new_headers)).status_code == 200


async def test_rotate_now_revokes_the_old_key_at_once(
    database_url: str, client: httpx.AsyncClient
) -> None:
    slug = last_line(
        tixallo(
            database_url,
            "workspace",
            "create",
            "W",
            "--admin-email",
            "w@w.io",
            "--admin-password",
            "a-fine-passphrase",
        )
    )
    key = last_line(
        tixallo(database_url, "key", "create", "--workspace", slug, "--scopes", "*", "--name", "k")
    )
    key_id = tixallo(database_url, "key", "list", "--workspace", slug).stdout.split("\t", 1)[0]
    tixallo(database_url, "key", "rotate", key_id, "--workspace", slug, "--now")
    response = await client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("key", "create", "--workspace", "nope", "--scopes", "*", "--name", "k"), "No workspace"),
        (
            (
                "key",
                "create",
                "--workspace",
                "{slug}",
                "--scopes",
                "tickets:destroy",
                "--name",
                "k",
            ),
            "Unknown scope",
        ),
        (
            (
                "key",
                "create",
                "--workspace",
                "{slug}",
                "--scopes",
                "*",
                "--name",
                "k",
                "--rate-limit",
                "lots",
            ),
            "rate_limit",
        ),
        (
            (
                "workspace",
                "create",
                "X",
                "--admin-email",
                "bad",
                "--admin-password",
                "a-fine-passphrase",
            ),
            "valid email",
        ),
        (
            ("workspace", "create", "X", "--admin-email", "a@b.io", "--admin-password", "short"),
            "at least 8",
        ),
        (
            ("workspace", "create", "X", "--admin-email", "a@b.io", "--admin-password", "iloveyou"),
            "most common",
        ),
        (("key", "revoke", "key_nope", "--workspace", "{slug}"), "No API key"),
    ],
)
def test_cli_errors_are_clear_and_exit_2(
    database_url: str, args: tuple[str, ...], message: str
) -> None:
    slug = last_line(
        tixallo(
            database_url,
            "workspace",
            "create",
            "E",
            "--admin-email",
            "e@e.io",
            "--admin-password",
            "a-fine-passphrase",
        )
    )
    result = tixallo(database_url, *(a.replace("{slug}", slug) for a in args), ok=False)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_existing_user_must_prove_their_password(database_url: str) -> None:
    tixallo(
        database_url,
        "workspace",
        "create",
        "One",
        "--admin-email",
        "p@p.io",
        "--admin-password",
        "a-fine-passphrase",
    )
    wrong = tixallo(
        database_url,
        "workspace",
        "create",
        "Two",
        "--admin-email",
        "p@p.io",
        "--admin-password",
        "guess1234",
        ok=False,
    )
    assert wrong.returncode == 2 and "current password" in wrong.stderr
    right = tixallo(
        database_url,
        "workspace",
        "create",
        "Two",
        "--admin-email",
        "P@p.io",
        "--admin-password",
        "a-fine-passphrase",
    )
    assert last_line(right) == "two"


async def test_keys_are_stored_hashed(database_url: str, db: Database) -> None:
    from sqlalchemy import select

    from tixallo.auth.models import ApiKey

    slug = last_line(
        tixallo(
            database_url,
            "workspace",
            "create",
            "H",
            "--admin-email",
            "h@h.io",
            "--admin-password",
            "a-fine-passphrase",
        )
    )
    key = last_line(
        tixallo(database_url, "key", "create", "--workspace", slug, "--scopes", "*", "--name", "k")
    )
    async with db.transaction(write=False) as session:
        stored = (await session.execute(select(ApiKey))).scalars().all()
    assert all(key not in (k.key_hash, k.prefix, k.name) for k in stored)
    assert any(k.prefix == key[:9] for k in stored)


async def test_a_lost_password_is_set_again_from_the_command_line(
    database_url: str, client: httpx.AsyncClient
) -> None:
    slug = last_line(
        tixallo(
            database_url, "workspace", "create", "Lost", "--admin-email", "Lost@Acme.io",
            "--admin-password", "forgotten-one",
        )
    )  # fmt: skip
    await sign_in(client, "lost@acme.io", "forgotten-one")
    listed = tixallo(database_url, "user", "list").stdout
    assert "lost@acme.io\t" in listed and f"password set\t{slug}:owner" in listed

    done = tixallo(database_url, "user", "set-password", "LOST@acme.io", stdin="brand-new-pass\n")
    assert "password set for lost@acme.io" in done.stdout
    assert "brand-new-pass" not in done.stdout + done.stderr
    # The session signed in with the old password is over; only the new password works.
    assert (await client.get("/account")).status_code == 303
    csrf = csrf_of((await client.get("/signin")).text)
    old = await client.post(
        "/signin", data={"csrf": csrf, "email": "lost@acme.io", "password": "forgotten-one"}
    )
    assert old.status_code == 400
    await sign_in(client, "lost@acme.io", "brand-new-pass")


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("nobody@acme.io", "long-enough-1", "No such user with email 'nobody@acme.io'"),
        ("keep@acme.io", "short", "at least 8 characters"),
        ("keep@acme.io", "        ", "must not be only spaces"),
        ("keep@acme.io", "Password123", "one of the most common"),
    ],
)
async def test_set_password_refuses_unknown_people_and_weak_passwords(
    database_url: str, client: httpx.AsyncClient, email: str, password: str, message: str
) -> None:
    tixallo(
        database_url, "workspace", "create", "Keep", "--admin-email", "keep@acme.io",
        "--admin-password", "keep-this-one",
    )  # fmt: skip
    refused = tixallo(database_url, "user", "set-password", email, stdin=password + "\n", ok=False)
    assert refused.returncode == 2 and message in refused.stderr
    await sign_in(client, "keep@acme.io", "keep-this-one")  # unchanged


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("key", "rotate", "key_x", "--workspace", "w", "--grace-hours", "nan"), "--grace-hours"),
        (("key", "rotate", "key_x", "--workspace", "w", "--grace-hours", "1e300"), "--grace-hours"),
        (
            (
                "key",
                "create",
                "--workspace",
                "w",
                "--scopes",
                "*",
                "--name",
                "k",
                "--rate-limit",
                "10/99999999999999999999",
            ),
            "rate_limit",
        ),
    ],
)
def test_out_of_range_numbers_are_refused_by_name_not_a_traceback(
    database_url: str, args: tuple[str, ...], option: str
) -> None:
    if "create" in args:
        slug = last_line(
            tixallo(
                database_url,
                "workspace",
                "create",
                "W",
                "--admin-email",
                "w@w.io",
                "--admin-password",
                "a-fine-passphrase",
            )
        )
        args = tuple(slug if a == "w" else a for a in args)
    result = tixallo(database_url, *args, ok=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert option in result.stderr or "window" in result.stderr, result.stderr
