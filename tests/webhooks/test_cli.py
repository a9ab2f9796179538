"""`tixallo webhook create|list`: the secret alone on the last line of stdout."""

from __future__ import annotations

import os
import subprocess
import uuid

from tests.support.cli import run_tixallo
from tixallo.webhooks.signing import SECRET_PREFIX


def _tixallo(
    database_url: str, *args: str, private: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TIXALLO_DATABASE_URL": database_url,
        "TIXALLO_WEBHOOK_ALLOW_PRIVATE": "true" if private else "false",
    }
    return run_tixallo(env, *args, ok=False, timeout=120)


def test_webhook_create_prints_the_secret_last_and_list_shows_it(database_url: str) -> None:
    name = f"Cli {uuid.uuid4().hex[:6]}"
    made = _tixallo(
        database_url,
        "workspace", "create", name,
        "--admin-email", f"{uuid.uuid4().hex[:8]}@example.com",
        "--admin-password", "correct horse battery",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    slug = made.stdout.strip().splitlines()[-1]
    created = _tixallo(
        database_url,
        "webhook", "create", "--workspace", slug,
        "--url", "http://127.0.0.1:9/hook", "--events", "ticket.created,ticket.updated",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    lines = created.stdout.strip().splitlines()
    secret = lines[-1]
    assert secret.startswith(SECRET_PREFIX) and " " not in secret
    listed = _tixallo(database_url, "webhook", "list", "--workspace", slug)
    assert listed.returncode == 0, listed.stderr
    assert "http://127.0.0.1:9/hook" in listed.stdout
    assert "ticket.created,ticket.updated" in listed.stdout
    assert secret not in listed.stdout


def test_webhook_create_refuses_bad_input(database_url: str) -> None:
    name = f"Cli {uuid.uuid4().hex[:6]}"
    made = _tixallo(
        database_url,
        "workspace", "create", name,
        "--admin-email", f"{uuid.uuid4().hex[:8]}@example.com",
        "--admin-password", "correct horse battery",
    )  # fmt: skip
    slug = made.stdout.strip().splitlines()[-1]
    private = _tixallo(
        database_url,
        "webhook", "create", "--workspace", slug,
        "--url", "http://127.0.0.1:9/hook", "--events", "ticket.created",
        private=False,
    )  # fmt: skip
    assert private.returncode == 2
    assert private.stderr == "error: url must resolve to a public address.\n"
    nowhere = _tixallo(
        database_url,
        "webhook", "create", "--workspace", slug,
        "--url", "http://nothing-here.invalid/hook", "--events", "ticket.created",
        private=False,
    )  # fmt: skip
    assert nowhere.returncode == 2
    assert nowhere.stderr == private.stderr  # no DNS oracle: one refusal for both
    unknown = _tixallo(
        database_url,
        "webhook", "create", "--workspace", slug,
        "--url", "http://127.0.0.1:9/hook", "--events", "ticket.exploded",
    )  # fmt: skip
    assert unknown.returncode == 2 and "Unknown event type" in unknown.stderr
    assert _tixallo(database_url, "webhook", "list", "--workspace", slug).stdout.strip() == ""
