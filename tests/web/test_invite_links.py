"""Invite links point at TIXALLO_PUBLIC_URL, not at the Host header the request carried
(the same class as the trailing-slash redirect of issue 13, item 13: a URL built from Host)."""

from __future__ import annotations

import re

import httpx

from tests.support.tenants import Tenant
from tests.support.web import sign_in
from tixallo.app import create_app
from tixallo.config import Settings
from tixallo.db import Database


async def test_an_invite_link_uses_the_public_url_whatever_the_host(
    db: Database, database_url: str, tenant: Tenant
) -> None:
    settings = Settings(database_url=database_url, public_url="https://help.example.com/")
    transport = httpx.ASGITransport(app=create_app(settings, db=db))
    async with httpx.AsyncClient(transport=transport, base_url="http://tixallo.test") as client:
        csrf = await sign_in(client, tenant.created.user.email)
        invited = await client.post(
            "/settings/members/invite",
            data={"csrf": csrf, "email": "newbie@example.com", "role": "agent"},
            headers={"Host": "evil.example"},
        )
    link = re.search(r'id="invite-link">([^<]+)<', invited.text)
    assert link, invited.text
    assert link.group(1).startswith("https://help.example.com/invite/")
    assert "evil.example" not in invited.text
