"""The one place pages are rendered: the Jinja2 environment (autoescape on) and the globals
every page needs (the signed-in agent, the CSRF token, the flash message, static URLs)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from tixallo import clock
from tixallo.auth.passwords import PASSWORD_RULE
from tixallo.context import ALL_SCOPES
from tixallo.tickets.models import PRIORITIES, STATUSES
from tixallo.web.sessions import PRE_COOKIE, Agent

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _static_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.glob("*")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


STATIC_VERSION = _static_version()


def static_url(name: str) -> str:
    return f"/static/{name}?v={STATIC_VERSION}"


def ago(value: datetime | None) -> str:
    """'3 min ago' style; the exact time is in the element's title."""
    if value is None:
        return "never"
    seconds = int((clock.now() - value).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in ((86400 * 30, "mo"), (86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"


def exact(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def exact_seconds(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return "< 1 min"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def label(value: str | None) -> str:
    return (value or "").replace("_", " ")


env.filters.update(
    ago=ago, exact=exact, exact_seconds=exact_seconds, duration=duration, label=label
)
env.globals.update(
    static_url=static_url,
    STATUSES=STATUSES,
    PRIORITIES=PRIORITIES,
    ALL_SCOPES=ALL_SCOPES,
    PASSWORD_RULE=PASSWORD_RULE,
)


# No inline script or style is allowed: injected markup could not run even if it slipped
# past escaping. Pages show private data, so no cache keeps them.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "Cache-Control": "no-store",
}


# How far before its render a page says it was drawn: covers the time between the page's
# reads and its render, and events whose transactions committed in that time.
LIVE_SINCE_MARGIN_MS = 5_000


def _live_since() -> int:
    """Unix milliseconds the live stream takes as "already on this page"."""
    return int(clock.now().timestamp() * 1000) - LIVE_SINCE_MARGIN_MS


def render(
    request: Request,
    template: str,
    *,
    agent: Agent | None = None,
    status_code: int = 200,
    flash: str | None = None,
    csrf: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render a page. Forms read ``csrf`` from here: the session's token when signed in,
    else the double-submit token of the pre-sign-in cookie (set by the caller)."""
    if csrf is None:
        csrf = agent.session.csrf_token if agent else request.cookies.get(PRE_COOKIE, "")
    if agent is not None and flash is None:
        flash = agent.session.flash
    html = env.get_template(template).render(
        request=request,
        agent=agent,
        csrf=csrf,
        flash=flash,
        path=request.url.path,
        live_since=_live_since(),
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)
