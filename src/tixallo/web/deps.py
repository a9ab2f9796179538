"""Who is signed in, may they do this, and did this form come from our own page.

Every unsafe request (POST) must carry the CSRF token (form field ``csrf`` or header
``X-CSRF-Token``) and, when the browser sends one, an ``Origin`` (else ``Referer``) equal to
our own. Signed-in forms use the session's token; the forms before sign-in use a
double-submit cookie.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from starlette.datastructures import FormData

from tixallo import clock
from tixallo.api.hardening import InputRefused, check_text_value
from tixallo.db import Database
from tixallo.errors import Forbidden, Invalid
from tixallo.web import sessions
from tixallo.web.sessions import COOKIE, PRE_COOKIE, Agent
from tixallo.workspaces import roles

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class SignInRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRefused(Forbidden):
    pass


def db_of(request: Request) -> Database:
    db: Database = request.state.db
    return db


def public_base_url(request: Request) -> str:
    """The origin links handed out point at: ``TIXALLO_PUBLIC_URL`` when set (never the
    request's ``Host``, which the client chooses), else the request's own base URL."""
    configured: str = getattr(request.state.settings, "public_url", "")
    return (configured or str(request.base_url)).rstrip("/")


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


def check_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            return  # some browsers and privacy tools send neither; the token still holds
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin != _own_origin(request):
        raise CsrfRefused("This form was sent from another site and was refused.")


def _shown(name: str) -> str:
    """A field name fit for an error message, whatever bytes it holds."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def check_form_field(name: str, value: str) -> None:
    """The JSON APIs' check for text no column can store (NUL, which PostgreSQL refuses,
    and lone surrogates), applied to one form field's name and value: :class:`Invalid`
    naming the field, so the page is a 400 instead of a stored NUL (SQLite) or a 500."""
    shown = _shown(name)
    for text in (name, value):
        try:
            check_text_value(text, [shown])
        except InputRefused as refused:
            raise Invalid(refused.message, param=refused.param) from None


def check_url(request: Request) -> None:
    """Every page's URL passes the same check as its forms (a router-wide dependency): a
    NUL in the path or in any query parameter is a 400 naming it, before a route looks
    anything up with it (PostgreSQL would fail with a 500)."""
    if "\x00" in request.url.path:
        raise Invalid("The URL must not contain the NUL character (%00).")
    for name, value in request.query_params.multi_items():
        check_form_field(name, value)


async def form_of(request: Request) -> FormData:
    """The parsed form (Starlette caches it, so routes read the same object). Every field
    passes :func:`check_form_field` here, the one door all of the app's forms come through,
    before any route reads it."""
    form = await request.form()
    for name, value in form.multi_items():
        check_form_field(name, value if isinstance(value, str) else (value.filename or ""))
    return form


def field(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default


async def check_csrf(request: Request, expected: str | None) -> None:
    check_origin(request)
    given = request.headers.get("x-csrf-token")
    if given is None:
        given = field(await form_of(request), "csrf")
    if not sessions.same_token(expected, given):
        raise CsrfRefused("The form expired or was not sent from this app. Reload and retry.")


async def check_pre_signin_csrf(request: Request) -> None:
    await check_csrf(request, request.cookies.get(PRE_COOKIE))


async def current_agent(request: Request) -> Agent:
    """The signed-in agent (else :class:`SignInRequired`); checks CSRF on unsafe methods,
    records use now and then, and clears the flash message once it was shown."""
    token = request.cookies.get(COOKIE)
    db = db_of(request)
    async with db.transaction(write=False) as session:
        agent = await sessions.load_agent(session, token)
    if agent is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method in SAFE_METHODS else "/")
    if request.method not in SAFE_METHODS:
        await check_csrf(request, agent.session.csrf_token)
    request.state.workspace_id = agent.workspace.id
    needs_touch = clock.now() - agent.session.last_seen_at >= sessions.TOUCH_EVERY
    clear_flash = agent.session.flash is not None and request.method in SAFE_METHODS
    if needs_touch or clear_flash:
        async with db.transaction() as session:
            await sessions.touch(session, agent.session)
            if clear_flash:
                await sessions.set_flash(session, agent.session, None)
    return agent


async def admin_agent(agent: Annotated[Agent, Depends(current_agent)]) -> Agent:
    """The signed-in agent, if the workspace's rule lets them into settings (else 403)."""
    roles.check_admin(agent.ctx)
    return agent


CurrentAgent = Annotated[Agent, Depends(current_agent)]
AdminAgent = Annotated[Agent, Depends(admin_agent)]


def signin_url(next_path: str) -> str:
    return "/signin?next=" + quote(next_path, safe="/")


def safe_next(value: str | None) -> str:
    """Only local paths: ``next`` must not send a signed-in person to another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value
