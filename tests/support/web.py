"""The agent app's tests: agents to sign in as, signing in through the real form, reading
CSRF tokens, and a visitor's chat for the console to show."""

from __future__ import annotations

import re
import uuid

import httpx

from tests.support.tenants import OWNER_PASSWORD, Tenant
from tixallo.db import Database
from tixallo.web.sessions import COOKIE
from tixallo.workspaces.service import add_member

#: Every tenant owner's password (see tenants.py), and the one agents get in add_agent.
PASSWORD = OWNER_PASSWORD
#: Markup a visitor sends in chat: the console must show it as text.
CHAT_XSS = "<script>alert(1)</script>"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the CSRF token of the new session."""
    page = await client.get("/signin")
    response = await client.post(
        "/signin",
        data={"csrf": csrf_of(page.text), "email": email, "password": password, "next": "/"},
    )
    assert response.status_code == 303, response.text
    assert client.cookies.get(COOKIE)
    return csrf_of((await client.get("/account")).text)


async def add_agent(db: Database, tenant: Tenant, role: str = "agent") -> str:
    email = f"{role}-{uuid.uuid4().hex[:6]}@example.com"
    async with db.transaction() as session:
        await add_member(
            session, tenant.id, email=email, name=f"An {role}", role=role, password=PASSWORD
        )
    return email


async def start_chat(client: httpx.AsyncClient, tenant: Tenant, text: str) -> str:
    started = await client.post(
        "/api/v1/chat/conversations",
        json={"visitor_email": "vic@visitor.com", "visitor_name": f"Vic {CHAT_XSS}"},
        headers=tenant.headers,
    )
    assert started.status_code == 201, started.text
    conversation_id: str = started.json()["data"]["id"]
    sent = await client.post(
        f"/api/v1/chat/conversations/{conversation_id}/messages",
        json={"content": text, "sender_type": "visitor"},
        headers=tenant.headers,
    )
    assert sent.status_code == 201, sent.text
    return conversation_id
