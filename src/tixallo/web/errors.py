"""HTML error pages for the agent app (the APIs keep their JSON error body)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from tixallo.db import Database
from tixallo.web import sessions
from tixallo.web.sessions import COOKIE, Agent
from tixallo.web.templating import PAGE_HEADERS, env, render

TITLES = {
    400: "That did not work",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    429: "Slow down",
    500: "Something went wrong",
    503: "Tixallo is unavailable",
}

MESSAGES = {
    403: "You do not have access to this page.",
    404: "There is nothing here, or it belongs to another workspace.",
    405: "This page does not accept that method.",
}


async def _agent_of(request: Request) -> Agent | None:
    """The signed-in agent, so an error page keeps the navigation; None when unknown."""
    token = request.cookies.get(COOKIE)
    db: Database | None = getattr(request.state, "db", None)
    if not token or db is None:
        return None
    try:
        async with db.transaction(write=False) as session:
            return await sessions.load_agent(session, token)
    except Exception:  # an error page must render even when the database does not answer
        return None


async def error_page(request: Request, status: int, message: str | None = None) -> HTMLResponse:
    # 404 never repeats the domain message, which would echo the id from the URL.
    if status == 404 or not message:
        message = MESSAGES.get(status, "Something went wrong.")
    return render(
        request,
        "error.html",
        agent=await _agent_of(request),
        status_code=status,
        status=status,
        title=TITLES.get(status, "Error"),
        message=message,
        request_id=getattr(request.state, "request_id", None),
    )


def server_error_html(status: int, message: str, request_id: str | None) -> bytes:
    """The page for a 500 or 503, in the app's style with the request id to quote.

    Rendered from the template alone: no request, no signed-in agent, no database (which may
    be why the request failed), so it renders whatever else is broken."""
    html = env.get_template("error.html").render(
        agent=None,
        csrf="",
        flash=None,
        path="/",
        live_since=0,
        status=status,
        title=TITLES.get(status, "Error"),
        message=message,
        request_id=request_id,
    )
    return html.encode()


def server_error_document(
    status: int, message: str, request_id: str | None
) -> tuple[bytes, dict[str, str]]:
    """The page and its headers (the pages' CSP, no caching) for RequestContext's last resort."""
    return server_error_html(status, message, request_id), PAGE_HEADERS


def server_error_page(
    status: int, message: str, request_id: str | None, headers: dict[str, str] | None = None
) -> HTMLResponse:
    return HTMLResponse(
        server_error_html(status, message, request_id),
        status_code=status,
        headers={**PAGE_HEADERS, **(headers or {})},
    )
