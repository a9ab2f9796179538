"""Sign-in, sessions, CSRF and sign-up of the agent app, over the real HTTP stack."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from tests.support.tenants import TenantFactory
from tests.support.web import PASSWORD, csrf_of, sign_in
from tixallo.app import create_app
from tixallo.auth.passwords import PASSWORD_RULE
from tixallo.config import Settings
from tixallo.db import Database
from tixallo.web.models import WebSession
from tixallo.web.routes.auth import SIGNED_UP
from tixallo.web.sessions import COOKIE, PRE_COOKIE
from tixallo.workspaces.models import Member, User


async def test_pages_redirect_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/tickets/tkt_x?a=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/tickets/tkt_x%3Fa%3D1"


async def test_sign_in_sets_a_hardened_cookie(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    tenant = await tenants()
    page = await client.get("/signin")
    response = await client.post(
        "/signin",
        data={
            "csrf": csrf_of(page.text),
            "email": tenant.created.user.email.upper(),
            "password": PASSWORD,
            "next": "/?view=mine",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/?view=mine"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # served over plain http here
    home = await client.get("/")
    assert home.status_code == 200
    assert tenant.created.workspace.name in home.text


async def test_cookie_is_secure_over_https(
    db: Database, settings: Settings, tenants: TenantFactory
) -> None:
    tenant = await tenants()
    app = create_app(settings, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://tixallo.test") as client:
        await sign_in(client, tenant.created.user.email)
        page = await client.get("/signin")
        response = await client.post(
            "/signin",
            data={
                "csrf": csrf_of(page.text),
                "email": tenant.created.user.email,
                "password": PASSWORD,
            },
        )
        cookie = next(
            h for h in response.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}=")
        )
        assert "Secure" in cookie


async def test_wrong_password_is_refused_without_saying_which_part(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    tenant = await tenants()
    page = await client.get("/signin")
    for email, password in ((tenant.created.user.email, "wrong"), ("nobody@example.com", PASSWORD)):
        response = await client.post(
            "/signin", data={"csrf": csrf_of(page.text), "email": email, "password": password}
        )
        assert response.status_code == 400
        assert "do not match an account" in response.text
        assert COOKIE not in response.cookies


async def test_session_id_changes_at_sign_in(
    client: httpx.AsyncClient, tenants: TenantFactory, db: Database
) -> None:
    tenant = await tenants()
    await sign_in(client, tenant.created.user.email)
    first = client.cookies.get(COOKIE)
    await sign_in(client, tenant.created.user.email)
    second = client.cookies.get(COOKIE)
    assert first and second and first != second
    async with db.transaction(write=False) as session:
        count = (await session.execute(select(func.count()).select_from(WebSession))).scalar()
    assert count == 1  # the session the browser had before was ended, not kept alongside
    # A planted (old) id is worthless now.
    client.cookies.set(COOKIE, first)
    assert (await client.get("/")).status_code == 303


async def test_sign_out_ends_the_session(client: httpx.AsyncClient, tenants: TenantFactory) -> None:
    tenant = await tenants()
    csrf = await sign_in(client, tenant.created.user.email)
    token = client.cookies.get(COOKIE)
    response = await client.post("/signout", data={"csrf": csrf})
    assert response.status_code == 303
    client.cookies.set(COOKIE, token or "")
    assert (await client.get("/")).status_code == 303


async def test_password_change_ends_every_other_session(
    db: Database, settings: Settings, tenants: TenantFactory
) -> None:
    tenant = await tenants()
    email = tenant.created.user.email
    app = create_app(settings, db=db)
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://t.test") as laptop,
        httpx.AsyncClient(transport=transport, base_url="http://t.test") as phone,
    ):
        csrf = await sign_in(laptop, email)
        await sign_in(phone, email)
        before = laptop.cookies.get(COOKIE)
        wrong = await laptop.post(
            "/account/password",
            data={"csrf": csrf, "current_password": "nope", "new_password": "a new password"},
        )
        assert wrong.status_code == 400
        assert (await phone.get("/")).status_code == 200
        response = await laptop.post(
            "/account/password",
            data={"csrf": csrf, "current_password": PASSWORD, "new_password": "a new password"},
        )
        assert response.status_code == 303
        assert laptop.cookies.get(COOKIE) != before
        assert (await laptop.get("/")).status_code == 200
        assert (await phone.get("/")).status_code == 303
        await sign_in(phone, email, "a new password")


async def test_wrong_current_passwords_spend_the_sign_in_budget(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    email = (await tenants()).created.user.email
    csrf = await sign_in(client, email)
    statuses = []
    for i in range(30):
        response = await client.post(
            "/account/password",
            data={"csrf": csrf, "current_password": f"guess {i}", "new_password": "a new password"},
        )
        statuses.append(response.status_code)
    assert statuses == [400] * 8 + [429] * 22
    assert "Too many failed attempts" in response.text
    # Even the right current password waits now, and so does sign-in: one budget.
    right = await client.post(
        "/account/password",
        data={"csrf": csrf, "current_password": PASSWORD, "new_password": "a new password"},
    )
    assert right.status_code == 429
    signin_csrf = csrf_of((await client.get("/signin")).text)
    signin = await client.post(
        "/signin", data={"csrf": signin_csrf, "email": email, "password": PASSWORD}
    )
    assert signin.status_code == 429


async def test_failed_sign_ins_spend_the_password_change_budget(
    db: Database, settings: Settings, tenants: TenantFactory
) -> None:
    email = (await tenants()).created.user.email
    app = create_app(settings, db=db)
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://t.test") as owner,
        httpx.AsyncClient(transport=transport, base_url="http://t.test") as guesser,
    ):
        csrf = await sign_in(owner, email)
        signin_csrf = csrf_of((await guesser.get("/signin")).text)
        for _ in range(8):
            await guesser.post(
                "/signin", data={"csrf": signin_csrf, "email": email, "password": "guess"}
            )
        response = await owner.post(
            "/account/password",
            data={"csrf": csrf, "current_password": PASSWORD, "new_password": "a new password"},
        )
        assert response.status_code == 429


async def test_password_change_refuses_weak_new_passwords(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    email = (await tenants()).created.user.email
    csrf = await sign_in(client, email)
    page = await client.get("/account")
    assert PASSWORD_RULE in page.text
    for new, message in (("        ", "only spaces"), ("qwertyuiop", "most common")):
        response = await client.post(
            "/account/password",
            data={"csrf": csrf, "current_password": PASSWORD, "new_password": new},
        )
        assert response.status_code == 400
        assert message in response.text
    await sign_in(client, email)  # the password is unchanged


async def test_post_without_csrf_token_is_refused(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    tenant = await tenants()
    await sign_in(client, tenant.created.user.email)
    response = await client.post("/settings/workspace", data={"name": "Hijacked"})
    assert response.status_code == 403
    response = await client.post("/signout", data={"csrf": "forged"})
    assert response.status_code == 403
    assert (await client.get("/")).status_code == 200  # still signed in


async def test_post_from_a_foreign_origin_is_refused(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    tenant = await tenants()
    csrf = await sign_in(client, tenant.created.user.email)
    for header in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}):
        response = await client.post("/signout", data={"csrf": csrf}, headers=header)
        assert response.status_code == 403
    ok = await client.post(
        "/signout", data={"csrf": csrf}, headers={"Origin": "http://tixallo.test"}
    )
    assert ok.status_code == 303


async def test_sign_in_form_needs_its_csrf_token(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    tenant = await tenants()
    await client.get("/signin")
    assert client.cookies.get(PRE_COOKIE)
    response = await client.post(
        "/signin", data={"email": tenant.created.user.email, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert COOKIE not in response.cookies


async def test_sign_in_is_throttled_per_account(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    tenant = await tenants()
    email = tenant.created.user.email
    csrf = csrf_of((await client.get("/signin")).text)
    statuses = []
    for _ in range(9):
        response = await client.post(
            "/signin", data={"csrf": csrf, "email": email, "password": "guess"}
        )
        statuses.append(response.status_code)
    assert statuses[:8] == [400] * 8
    assert statuses[8] == 429
    # Even the right password waits now: the window has to pass.
    response = await client.post(
        "/signin", data={"csrf": csrf, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 429


async def test_next_never_leaves_the_site(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    tenant = await tenants()
    csrf = csrf_of((await client.get("/signin")).text)
    response = await client.post(
        "/signin",
        data={
            "csrf": csrf,
            "email": tenant.created.user.email,
            "password": PASSWORD,
            "next": "//evil.example/",
        },
    )
    assert response.headers["location"] == "/"


def signup_form(
    csrf: str, email: str, password: str, workspace: str = "Acme Support"
) -> dict[str, str]:
    return {
        "csrf": csrf,
        "workspace": workspace,
        "name": "Ada",
        "email": email,
        "password": password,
    }


async def test_sign_up_creates_workspace_then_sign_in_as_owner(
    client: httpx.AsyncClient,
) -> None:
    csrf = csrf_of((await client.get("/signup")).text)
    response = await client.post(
        "/signup", data=signup_form(csrf, "ada@acme.test", "long enough pw")
    )
    assert response.status_code == 303
    assert response.headers["location"] == SIGNED_UP
    assert COOKIE not in response.cookies  # the same answer as for an existing account
    notice = await client.get(response.headers["location"])
    assert "Sign in with the email and password you gave" in notice.text
    await sign_in(client, "ada@acme.test", "long enough pw")
    page = await client.get("/settings/workspace")
    assert page.status_code == 200  # owners reach settings
    assert "Acme Support" in page.text


async def _workspaces_of(db: Database, email: str) -> int:
    async with db.transaction(write=False) as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Member)
            .join(User, User.id == Member.user_id)
            .where(User.email == email)
        )
    return int(count or 0)


async def test_sign_up_answers_the_same_whether_the_email_has_an_account(
    client: httpx.AsyncClient, tenants: TenantFactory, db: Database
) -> None:
    existing = (await tenants()).created.user.email
    csrf = csrf_of((await client.get("/signup")).text)
    new = await client.post("/signup", data=signup_form(csrf, "new@acme.test", "a guessed pw"))
    taken = await client.post("/signup", data=signup_form(csrf, existing, "a guessed pw"))
    for response in (new, taken):
        assert response.status_code == 303
        assert response.headers["location"] == SIGNED_UP
        assert response.text == ""
        assert COOKIE not in response.cookies
    assert sorted(new.headers.keys()) == sorted(taken.headers.keys())
    # Nothing was made for the account whose password was not given, nor signed in.
    assert await _workspaces_of(db, existing) == 1
    assert (await client.get("/")).status_code == 303
    # Its owner, with the right password, still adds a workspace (the same answer again).
    owner = await client.post("/signup", data=signup_form(csrf, existing, PASSWORD, "Second"))
    assert owner.status_code == 303 and owner.headers["location"] == SIGNED_UP
    assert await _workspaces_of(db, existing) == 2


async def test_sign_up_budget_runs_out_the_same_for_new_and_existing_emails(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    existing = (await tenants()).created.user.email
    csrf = csrf_of((await client.get("/signup")).text)
    answers: dict[str, list[int]] = {}
    for email in ("fresh@acme.test", existing):
        answers[email] = [
            (
                await client.post("/signup", data=signup_form(csrf, email, f"guess number {i}"))
            ).status_code
            for i in range(9)
        ]
    assert answers["fresh@acme.test"] == answers[existing] == [303] * 8 + [429]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 8 characters"),
        ("        ", "must not be only spaces"),
        ("\t \t \t \t ", "must not be only spaces"),
        ("iloveyou", "one of the most common"),
        ("  Sunshine ", "one of the most common"),
        ("PASSWORD123", "one of the most common"),
    ],
)
async def test_sign_up_refuses_weak_passwords_and_changes_nothing(
    client: httpx.AsyncClient, tenants: TenantFactory, db: Database, password: str, message: str
) -> None:
    existing = (await tenants()).created.user.email
    page = await client.get("/signup")
    assert PASSWORD_RULE in page.text  # the rule is said on the form
    for email in ("ada@acme.test", existing):  # the same refusal either way
        response = await client.post(
            "/signup", data=signup_form(csrf_of(page.text), email, password)
        )
        assert response.status_code == 400
        assert message in response.text
        assert COOKIE not in response.cookies
    assert await _workspaces_of(db, "ada@acme.test") == 0
    assert await _workspaces_of(db, existing) == 1


@pytest.fixture
def no_signup_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, signup=False)


async def test_sign_up_can_be_switched_off(db: Database, no_signup_settings: Settings) -> None:
    app = create_app(no_signup_settings, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t.test") as client:
        assert (await client.get("/signup")).status_code == 404
        assert (await client.post("/signup", data={})).status_code == 404
        assert "/signup" not in (await client.get("/signin")).text


async def test_switching_between_workspaces(
    client: httpx.AsyncClient, tenants: TenantFactory
) -> None:
    first = await tenants(name="First Co")
    csrf = csrf_of((await client.get("/signup")).text)
    await client.post(
        "/signup",
        data={
            "csrf": csrf,
            "workspace": "Second Co",
            "email": first.created.user.email,
            "password": PASSWORD,
        },
    )
    await sign_in(client, first.created.user.email)
    home = await client.get("/")
    assert "Second Co" in home.text and "First Co" in home.text  # both in the switcher
    csrf = csrf_of(home.text)
    response = await client.post("/switch", data={"csrf": csrf, "workspace_id": first.id})
    assert response.status_code == 303
    settings_page = await client.get("/settings/workspace")
    assert 'value="First Co"' in settings_page.text
    other = await client.post("/switch", data={"csrf": csrf, "workspace_id": "ws_not_mine"})
    assert other.status_code == 404
