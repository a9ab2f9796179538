"""`tixallo export`: full export, then resumable exports of what changed, never missing one."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.cli import tixallo
from tests.support.hostile import b64
from tests.support.tenants import Tenant, TenantFactory, ticket_body
from tixallo import clock
from tixallo.db import Database
from tixallo.events.cursor import FeedCursor, cursor_key
from tixallo.tickets import service as tickets

NOTE = "NOTE-ONLY-FOR-AGENTS"


def rows(directory: Path, name: str) -> list[dict[str, Any]]:
    text = (directory / f"{name}.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


async def seed(client: httpx.AsyncClient, db: Database, tenant: Tenant) -> list[dict[str, Any]]:
    made = []
    for i, email in enumerate(["a@acme.com", "b@acme.com", "c@gmail.com"]):
        response = await client.post(
            "/api/v1/tickets",
            json=ticket_body(subject=f"T{i}", customer={"email": email}),
            headers=tenant.headers,
        )
        made.append(response.json()["data"])
    async with db.transaction() as session:
        await tickets.add_message(
            session,
            tenant.ctx,
            made[0]["id"],
            body=NOTE,
            author_member_id=tenant.created.owner.id,
            internal=True,
        )
    return made


async def test_full_then_incremental_exports(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    made = await seed(client, db, tenant)
    slug = tenant.created.workspace.slug
    full = tixallo(database_url, "export", "--workspace", slug, "--out", str(tmp_path / "full"))
    cursor = full.stdout.strip().splitlines()[-1]
    assert "wrote 3 tickets" in full.stderr
    assert sorted(t["subject"] for t in rows(tmp_path / "full", "tickets")) == ["T0", "T1", "T2"]
    messages = rows(tmp_path / "full", "messages")
    assert len(messages) == 3 and all(m["internal"] is False for m in messages)
    assert NOTE not in (tmp_path / "full" / "messages.jsonl").read_text()
    assert len(rows(tmp_path / "full", "customers")) == 3
    assert [c["domain"] for c in rows(tmp_path / "full", "companies")] == ["acme.com"]

    await client.patch(
        f"/api/v1/tickets/{made[1]['id']}", json={"status": "resolved"}, headers=tenant.headers
    )
    await client.put("/api/v1/customers", json={"email": "new@globex.io"}, headers=tenant.headers)
    delta = tixallo(
        database_url,
        "export",
        "--workspace",
        slug,
        "--since",
        cursor,
        "--out",
        str(tmp_path / "delta"),
    )
    next_cursor = delta.stdout.strip().splitlines()[-1]
    changed = rows(tmp_path / "delta", "tickets")
    assert [(t["id"], t["status"]) for t in changed] == [(made[1]["id"], "resolved")]
    assert {c["email"] for c in rows(tmp_path / "delta", "customers")} == {
        "b@acme.com",
        "new@globex.io",
    }
    assert {c["domain"] for c in rows(tmp_path / "delta", "companies")} == {"acme.com", "globex.io"}

    quiet = tixallo(
        database_url,
        "export",
        "--workspace",
        slug,
        "--since",
        next_cursor,
        "--out",
        str(tmp_path / "quiet"),
    )
    assert rows(tmp_path / "quiet", "tickets") == [] and "wrote 0 tickets" in quiet.stderr


async def test_internal_notes_only_when_asked(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    await seed(client, db, tenant)
    tixallo(
        database_url,
        "export",
        "--workspace",
        tenant.created.workspace.slug,
        "--include-internal",
        "--out",
        str(tmp_path),
    )
    notes = [m for m in rows(tmp_path, "messages") if m["internal"]]
    assert [n["body"] for n in notes] == [NOTE]


async def test_parquet_export_is_readable(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    await seed(client, db, tenant)
    tixallo(
        database_url,
        "export",
        "--workspace",
        tenant.created.workspace.slug,
        "--format",
        "parquet",
        "--out",
        str(tmp_path),
    )
    table = pq.read_table(tmp_path / "tickets.parquet")
    assert table.num_rows == 3
    assert json.loads(table.column("customer")[0].as_py())["email"].endswith(".com")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--workspace", "nope"), "No workspace"),
        (("--workspace", "{slug}", "--format", "csv"), "--format must be one of"),
        (("--workspace", "{slug}", "--since", "garbage!"), "not a cursor"),
        (("--workspace", "{slug}", "--since", "{expired}"), "older than the 30-day retention"),
        # An expired cursor's position with a fresh time: unsigned (the old format) ...
        (("--workspace", "{slug}", "--since", "{unsigned}"), "before feed cursors were signed"),
        # ... or with the expired cursor's tag.
        (("--workspace", "{slug}", "--since", "{retimed}"), "not a cursor"),
        (("--workspace", "{slug}", "--since", "{other}"), "not a cursor"),
        (("--workspace", "{slug}", "--since", "{huge}"), "before feed cursors were signed"),
    ],
)
async def test_export_errors(
    db: Database,
    tenants: TenantFactory,
    database_url: str,
    tmp_path: Path,
    args: tuple[str, ...],
    message: str,
) -> None:
    tenant, other = await tenants(), await tenants()
    key = await cursor_key(db)
    old = clock.now() - timedelta(days=31)
    expired = FeedCursor(5, old).encode(key, tenant.id)
    now = int(clock.now().timestamp())
    forged = {
        "{slug}": tenant.created.workspace.slug,
        "{expired}": expired,
        "{unsigned}": b64(f"5:{now}".encode()),
        "{retimed}": f"{b64(f'5:{now}'.encode())}.{expired.partition('.')[2]}",
        "{other}": FeedCursor(5, clock.now()).encode(key, other.id),
        "{huge}": b64(f"{2**63}:{now}".encode()),
    }
    filled = [forged.get(a, a) for a in args]
    result = tixallo(database_url, "export", *filled, "--out", str(tmp_path), ok=False)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
