"""Trailing-slash redirects that do not trust the ``Host`` header.

Starlette answers ``/tickets/`` with a 307 to ``http://<Host>/tickets``, the absolute URL
built from whatever ``Host`` the client sent: behind a cache or a proxy that forwards
``Host``, a forged one becomes a redirect to another site. Here the ``Location`` is a
path-absolute reference (``/api/v1/tickets?status=open``): every HTTP client resolves it
against the URL it asked for (RFC 9110 §10.2.2), so old clients keep following it, and no
header decides where it points.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import RedirectResponse
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

# Characters that stay as they are in a path (RFC 3986 pchar and "/"); the rest is encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def relative_location(path: str, query_string: bytes) -> str:
    """``path`` (decoded, as in the ASGI scope) and its query as a same-origin reference.
    Leading slashes collapse to one: ``//evil.example`` would be a network-path reference."""
    location = "/" + quote(path.lstrip("/"), safe=_PATH_SAFE)
    if query_string:
        location += "?" + query_string.decode("latin-1")
    return location


class SlashRedirect:
    """A router's fallback for paths it does not match: a 307 to the same path with the
    trailing slash added or removed when that one matches, else the router's own default."""

    def __init__(self, router: Router, fallback: ASGIApp) -> None:
        self.router = router
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        route_path = path.removeprefix(scope.get("root_path", "") or "")
        if scope["type"] == "http" and route_path not in ("", "/"):
            toggled = path.rstrip("/") if path.endswith("/") else path + "/"
            other = {**scope, "path": toggled}
            if any(route.matches(other)[0] is not Match.NONE for route in self.router.routes):
                location = relative_location(toggled, scope.get("query_string", b""))
                await RedirectResponse(location, status_code=307)(scope, receive, send)
                return
        await self.fallback(scope, receive, send)


def redirect_slashes_relatively(router: Router) -> None:
    """Replace ``router``'s own slash redirect (absolute, from ``Host``) with SlashRedirect."""
    router.redirect_slashes = False
    router.default = SlashRedirect(router, router.default)
