"""Every form of the agent app goes through one input check (``web/deps.form_of``), the
same as the JSON APIs' (``api/hardening``): text no column can store is a 400 naming the
field, on SQLite (which would store it) and PostgreSQL (which would fail with a 500)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from tests.support.tenants import Tenant, ticket_body
from tests.support.web import PASSWORD, csrf_of, sign_in
from tixallo.db import Database
from tixallo.errors import Invalid
from tixallo.web.deps import check_form_field
from tixallo.web.sessions import COOKIE
from tixallo.workspaces.models import User, Workspace


async def _messages(client: httpx.AsyncClient, tenant: Tenant, ticket_id: str) -> list[str]:
    response = await client.get(f"/api/v1/tickets/{ticket_id}/messages", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return [m["body"] for m in response.json()["data"]]


async def test_nul_in_a_reply_is_refused_and_nothing_stored(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post("/api/v1/tickets", json=ticket_body(), headers=tenant.headers)
    ticket_id = created.json()["data"]["id"]
    before = await _messages(client, tenant, ticket_id)
    csrf = await sign_in(client, tenant.created.user.email)
    for kind in ("reply", "note"):
        response = await client.post(
            f"/tickets/{ticket_id}/messages",
            data={"csrf": csrf, "body": "hello\x00world", "kind": kind},
        )
        assert response.status_code == 400
        assert "text/html" in response.headers["content-type"]
        assert "body must not contain the NUL character" in response.text
    # The same through a multipart form (what a form with a file input sends).
    multipart = await client.post(
        f"/tickets/{ticket_id}/messages",
        data={"csrf": csrf, "body": "x\x00", "kind": "reply"},
        files={"attachment": ("a.txt", b"data", "text/plain")},
    )
    assert multipart.status_code == 400
    assert "body must not contain the NUL character" in multipart.text
    assert await _messages(client, tenant, ticket_id) == before


async def test_nul_in_settings_is_refused_and_nothing_stored(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    csrf = await sign_in(client, tenant.created.user.email)
    renamed = await client.post("/settings/workspace", data={"csrf": csrf, "name": "Evil\x00Co"})
    assert renamed.status_code == 400
    assert "name must not contain the NUL character" in renamed.text
    inbox = await client.post("/settings/inboxes", data={"csrf": csrf, "name": "\x00"})
    assert inbox.status_code == 400
    async with db.transaction(write=False) as session:
        name = await session.scalar(
            select(Workspace.name).where(Workspace.id == tenant.created.workspace.id)
        )
    assert name == tenant.created.workspace.name
    assert "\x00" not in (await client.get("/settings/inboxes")).text


async def test_nul_in_a_field_name_is_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    csrf = await sign_in(client, tenant.created.user.email)
    response = await client.post("/settings/workspace", data={"csrf": csrf, "na\x00me": "x"})
    assert response.status_code == 400
    assert "na\\u0000me must not contain the NUL character" in response.text


async def test_nul_in_the_forms_before_sign_in_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    csrf = csrf_of((await client.get("/signin")).text)
    email = tenant.created.user.email
    signin = await client.post(
        "/signin", data={"csrf": csrf, "email": email + "\x00", "password": PASSWORD}
    )
    assert signin.status_code == 400
    assert "email must not contain the NUL character" in signin.text
    assert COOKIE not in signin.cookies
    signup = await client.post(
        "/signup",
        data={
            "csrf": csrf,
            "workspace": "Nul\x00 Co",
            "email": "nul@example.com",
            "password": "a fine long password",
        },
    )
    assert signup.status_code == 400
    assert "workspace must not contain the NUL character" in signup.text
    async with db.transaction(write=False) as session:
        users = await session.scalar(
            select(func.count()).select_from(User).where(User.email == "nul@example.com")
        )
    assert users == 0


PAGE_URLS = [
    ("/?tag=%00", "tag"),
    ("/?assignee=x%00", "assignee"),
    ("/?inbox=%00", "inbox"),
    ("/?q=%00", "q"),
    ("/customers?q=%00", "q"),
    ("/companies?q=a%00b", "q"),
    ("/tickets/%00", None),
    ("/customers/cus_%00", None),
    ("/chat/%00", None),
    ("/settings/webhooks/%00", None),
    ("/invite/%00", None),
]


@pytest.mark.parametrize(("url", "param"), PAGE_URLS)
async def test_nul_in_a_page_url_is_a_400_naming_it(
    client: httpx.AsyncClient, tenant: Tenant, url: str, param: str | None
) -> None:
    await sign_in(client, tenant.created.user.email)
    response = await client.get(url)
    assert response.status_code == 400, url
    assert "text/html" in response.headers["content-type"]
    named = f"{param} must not contain" if param else "The URL must not contain"
    assert f"{named} the NUL character" in response.text


@pytest.mark.parametrize(
    ("name", "value", "param"),
    [
        ("body", "a\x00b", "body"),
        ("body", "lone \udc80 surrogate", "body"),
        ("bo\x00dy", "fine", "bo\\u0000dy"),
    ],
)
def test_check_form_field_names_the_field(name: str, value: str, param: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_form_field(name, value)
    assert refused.value.param == param


def test_check_form_field_lets_ordinary_text_through() -> None:
    check_form_field("body", "Grüße, 你好, tabs\tand\nnewlines")
