"""API keys and webhook secrets never reach a log line: a whole run of requests (good, bad,
refused, revoked, rotated, keys in odd places) is captured at DEBUG from every logger, and
every secret created is searched for, raw and as each formatter writes it."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from secrets import token_urlsafe

import httpx
import pytest

from tests.support.server import running, serve
from tests.support.tenants import Tenant, TenantFactory, ticket_body
from tests.support.web import csrf_of
from tixallo.app import create_app
from tixallo.auth.service import create_key, revoke_key, rotate_key
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.logging_config import JsonFormatter, TextFormatter, redact
from tixallo.workspaces.invites import create_invite


def formatted(records: list[logging.LogRecord]) -> str:
    """Every record as each of our formatters writes it."""
    return "\n".join(f.format(r) for f in (JsonFormatter(), TextFormatter()) for r in records)


def raw(records: list[logging.LogRecord]) -> str:
    """Every record unformatted: message, every attribute, exception text."""
    parts: list[str] = []
    for r in records:
        parts.append(r.getMessage())
        parts.extend(repr(v) for v in vars(r).values())
    return "\n".join(parts)


async def request_battery(client: httpx.AsyncClient, key: str) -> list[str]:
    """Requests that carry ``key`` everywhere a careless log might pick it up; returns any
    webhook secrets answered along the way."""
    auth = {"Authorization": f"Bearer {key}"}
    await client.get("/api/v1/tickets", headers=auth)
    await client.get(f"/api/v1/tickets?cursor={key}", headers=auth)
    await client.get(f"/api/v1/tickets/{key}", headers=auth)
    await client.post("/api/v1/tickets", json=ticket_body(subject=f"my key is {key}"), headers=auth)
    await client.post("/api/v1/tickets", json={"subject": key, "nonsense": key}, headers=auth)
    await client.post("/api/v1/tickets", content=f"{{{key}".encode(), headers=auth)
    await client.get("/api/external/tickets", headers=auth)
    await client.get("/api/external/tickets?status=" + key, headers=auth)
    await client.get("/api/v1/tickets", headers={"Authorization": f"Basic {key}"})
    await client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {key}x"})
    await client.get("/api/v1/tickets", headers={"X-Request-Id": key, **auth})
    secrets: list[str] = []
    hook = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "events": ["ticket.created"]},
        headers={**auth, "Idempotency-Key": f"hook-{key[-8:]}"},
    )
    if hook.status_code == 201:
        secrets.append(hook.json()["data"]["secret"])
    return secrets


async def test_no_secret_in_any_log_line(
    db: Database,
    database_url: str,
    tenants: TenantFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    tenant: Tenant = await tenants()
    secrets = [tenant.key]
    async with db.transaction() as session:
        limited = await create_key(
            session, tenant.ctx, name="small", scopes=["*"], rate_limit="2/60"
        )
        narrow = await create_key(session, tenant.ctx, name="narrow", scopes=["chat:read"])
        doomed = await create_key(session, tenant.ctx, name="doomed", scopes=["*"])
        old = await create_key(session, tenant.ctx, name="old", scopes=["*"])
    async with db.transaction() as session:
        await revoke_key(session, tenant.ctx, doomed.api_key.id)
        rotated = await rotate_key(session, tenant.ctx, old.api_key.id, grace=timedelta(0))
    secrets += [limited.secret, narrow.secret, doomed.secret, old.secret, rotated.secret]

    settings = Settings(
        database_url=database_url, failed_auth_rate_limit="1000/60", webhook_allow_private=True
    )
    app = create_app(settings, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tixallo.test") as client:
        for key in list(secrets):
            secrets += await request_battery(client, key)
        for _ in range(3):  # over the small key's budget: 429s
            await client.get(
                "/api/v1/tickets", headers={"Authorization": f"Bearer {limited.secret}"}
            )

    # The test's own client logs the URLs it calls (keys included, on purpose); that is this
    # test's line, not the server's.
    records = [r for r in caplog.records if "http://tixallo.test" not in r.getMessage()]
    request_lines = [r for r in records if r.getMessage() == "request"]
    assert len(secrets) >= 8, "webhook secrets were not created"
    assert len(request_lines) >= 60, "the run logged too little to prove anything"
    statuses = {getattr(r, "status", None) for r in request_lines}
    assert {200, 201, 400, 401, 403, 404, 429} <= statuses
    # What the server writes (INFO and up, and anything of ours) holds no key even before
    # formatting; DEBUG lines of database drivers echo bound values (user data, where a
    # client may paste anything), and the formatters mask key-shaped text in those.
    ours = [r for r in records if r.levelno >= logging.INFO or r.name.startswith("tixallo")]
    texts = {"raw": raw(ours), "formatted": formatted(records)}
    for kind, text in texts.items():
        for secret in secrets:
            assert secret not in text, kind
            assert secret[12:40] not in text, kind  # nor a telling piece of one
    # What identifies a key in logs is its short display prefix.
    assert any(getattr(r, "key_prefix", None) == tenant.key[:9] for r in request_lines)


def test_server_writes_one_json_line_per_request_and_no_key(
    database_url: str, tenant: Tenant, tmp_path: Path
) -> None:
    env = {"TIXALLO_DATABASE_URL": database_url, "TIXALLO_LOG_FORMAT": "json"}
    with running(serve(env, tmp_path / "server.log")) as server, httpx.Client() as http:
        headers = tenant.headers
        http.get(f"{server.base_url}/api/v1/tickets", headers=headers)
        http.post(f"{server.base_url}/api/v1/tickets", json=ticket_body(), headers=headers)
        http.get(f"{server.base_url}/api/v1/tickets/{tenant.key}", headers=headers)
        http.get(f"{server.base_url}/api/v1/tickets", headers={"Authorization": "Bearer th_bad"})
    lines = [line for line in server.log().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    requests = [e for e in entries if e.get("message") == "request"]
    assert [e["status"] for e in requests if e["path"] != "/healthz"] == [200, 201, 404, 401]
    created = next(e for e in requests if e["status"] == 201)
    assert created["route"] == "/api/v1/tickets"
    assert created["workspace_id"] == tenant.id
    assert created["key_prefix"] == tenant.key[:9]
    assert created["request_id"].startswith("req_")
    assert isinstance(created["duration_ms"], float | int)
    assert tenant.key not in server.log()


async def test_no_link_token_in_any_log_line(
    db: Database,
    database_url: str,
    tenants: TenantFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A one-time link's token (``/invite/<token>``, and the reset links to come) is a
    secret in the path; ``token=`` and its kind are secrets in a query."""
    caplog.set_level(logging.DEBUG)
    tenant: Tenant = await tenants()
    async with db.transaction() as session:
        made = await create_invite(session, tenant.ctx, email="new@example.com", role="agent")
    used = made.token
    reset = token_urlsafe(24)
    query = token_urlsafe(24)
    settings = Settings(database_url=database_url, failed_auth_rate_limit="1000/60")
    app = create_app(settings, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tixallo.test") as client:
        form = await client.get(f"/invite/{used}")
        assert form.status_code == 200
        refused = await client.post(f"/invite/{used}", data={"csrf": "forged", "password": "x"})
        assert refused.status_code == 403
        joined = await client.post(
            f"/invite/{used}",
            data={"csrf": csrf_of(form.text), "name": "New", "password": "a long new password"},
        )
        assert joined.status_code == 303
        assert (await client.get(f"/invite/{used}")).status_code == 404  # used up
        assert (await client.get(f"/reset/{reset}")).status_code == 404
        await client.get(f"/signin?next=/&token={query}")
        await client.get(f"/api/v1/tickets?token={query}", headers=tenant.headers)

    records = [r for r in caplog.records if "http://tixallo.test" not in r.getMessage()]
    request_lines = [r for r in records if r.getMessage() == "request"]
    assert len(request_lines) >= 7
    assert any(getattr(r, "path", "") == "/invite/[redacted]" for r in request_lines)
    texts = {"raw": raw(records), "formatted": formatted(records)}
    for kind, text in texts.items():
        for secret in (used, reset, query):
            assert secret not in text, kind


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("/invite/AbC-123_x", "/invite/[redacted]"),
        (
            "GET http://h.test/invite/tok?x=1 -> 200",
            "GET http://h.test/invite/[redacted]?x=1 -> 200",
        ),
        ("/reset/tok/confirm", "/reset/[redacted]/confirm"),
        ("/signin?next=/&token=abc&b=2", "/signin?next=/&token=[redacted]&b=2"),
        ("https://h.test/x?TOKEN=abc#top", "https://h.test/x?TOKEN=[redacted]#top"),
        ("/api/v1/tickets?reset_token=abc", "/api/v1/tickets?reset_token=[redacted]"),
        ("/settings/members/invite", "/settings/members/invite"),
        ("/api/v1/tickets?cursor=abc", "/api/v1/tickets?cursor=abc"),
    ],
)
def test_url_secrets_are_masked_in_any_text(line: str, shown: str) -> None:
    assert redact(line) == shown
