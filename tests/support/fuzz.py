"""The fuzz tests' target: a real server with one key to fuzz with, one whose budget is spent,
and a fingerprint of everything stored so a test can prove a refused request changed nothing;
and the OpenAPI schema it serves, ready for schemathesis."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

import httpx
import pytest
import schemathesis
from schemathesis.specs.openapi.schemas import OpenApiSchema
from sqlalchemy import select

from tests.support.server import Process
from tixallo.auth.service import create_key
from tixallo.context import Ctx
from tixallo.db import Database
from tixallo.models import Base
from tixallo.workspaces.service import NewWorkspace, create_workspace

# Counted by the fingerprint except api_keys, whose last_used_at any authenticated request may
# touch (once a minute) by design.
UNWATCHED_TABLES = {"api_keys", "alembic_version"}


@dataclass
class FuzzTarget:
    server: Process
    key: str
    spent_key: str
    database: Database
    loop: asyncio.AbstractEventLoop
    workspace: NewWorkspace

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def fingerprint(self) -> str:
        """A digest of every stored row (ordered), so any change made shows."""
        return self.loop.run_until_complete(self._fingerprint())

    async def _fingerprint(self) -> str:
        digest = hashlib.sha256()
        async with self.database.transaction(write=False) as session:
            for table in Base.metadata.sorted_tables:
                if table.name in UNWATCHED_TABLES:
                    continue
                rows = (await session.execute(select(table))).all()
                for row in sorted(repr(tuple(r)) for r in rows):
                    digest.update(row.encode())
                digest.update(f"|{table.name}|".encode())
        return digest.hexdigest()


async def seed_fuzz_target(database: Database) -> tuple[NewWorkspace, str, str]:
    async with database.transaction() as session:
        created = await create_workspace(
            session,
            name="Fuzz",
            admin_email="fuzz-owner@example.com",
            admin_password="correct horse battery",
            admin_name="Fuzz Owner",
        )
        ctx = Ctx(workspace_id=created.workspace.id)
        key = await create_key(session, ctx, name="fuzz", scopes=["*"], rate_limit="100000/60")
        spent = await create_key(session, ctx, name="spent", scopes=["*"], rate_limit="1/3600")
    return created, key.secret, spent.secret


def load_schema(target: FuzzTarget, path: str) -> OpenApiSchema:
    response = httpx.get(target.server.base_url + path)
    if response.status_code == 404:
        pytest.skip(f"{path} is not served (yet)")
    assert response.status_code == 200, response.text
    schema = schemathesis.openapi.from_dict(response.json())
    prefix = path.rsplit("/", 1)[0]
    schema.config.update(base_url=target.server.base_url + prefix)
    return schema
