"""Signing in to the agent app through the real form, and reading CSRF tokens."""

from __future__ import annotations

import re

import httpx

from tixallo.web.sessions import COOKIE

PASSWORD = "correct horse battery"
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
