"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware on every request).

RequestContext gives every response an ``X-Request-Id`` and security headers, and turns an
unexpected exception into a 500 error body that shows only the request id. BodyGuard refuses
bodies over the limit before they are read whole, and non-JSON bodies on the JSON APIs.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tixallo.api.asgi_body import BodyTooLarge, is_json, read_body, replaying
from tixallo.api.errors import error_body
from tixallo.logging_config import redact
from tixallo.metrics import route_template

log = logging.getLogger("tixallo.requests")

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


async def send_body(
    send: Send, status: int, body: bytes, content_type: bytes, headers: list[Any]
) -> None:
    """A whole response in two ASGI messages, for answers made before the app runs."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, body: dict[str, Any], headers: list[Any]) -> None:
    await send_body(send, status, json.dumps(body).encode(), b"application/json", headers)


#: ``(status, message, request_id) -> (HTML, headers)`` for a failure on a page.
PageError = Callable[[int, str, str | None], tuple[bytes, dict[str, str]]]

#: The status logged for a request whose client left before it was read (nginx's 499).
CLIENT_CLOSED_REQUEST = 499

SERVER_ERROR_MESSAGE = "Something went wrong on our side. Quote the request id if you report it."


async def send_html(send: Send, status: int, html: bytes, headers: list[Any]) -> None:
    await send_body(send, status, html, b"text/html; charset=utf-8", headers)


class RequestContext:
    """Also puts ``shared_state`` (the database, the settings) into every request's state,
    which mounted sub-applications see too (unlike ``app.state``).

    An unexpected exception is answered here: the JSON error body on ``api_prefixes`` (and
    the health and metrics endpoints), ``page_error``'s HTML everywhere else, so a person in
    the app sees a page with the request id, not JSON."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        shared_state: dict[str, Any],
        page_error: PageError | None = None,
        json_prefixes: tuple[str, ...] = ("/api/",),
    ) -> None:
        self.app = app
        self.shared_state = shared_state
        self.page_error = page_error
        self.json_prefixes = json_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = (
            incoming
            # A key pasted as a request id would be echoed into every log line: replaced.
            if _VALID_REQUEST_ID.match(incoming) and not incoming.startswith("th_")
            else "req_" + secrets.token_hex(8)
        )
        state = scope.setdefault("state", {})
        state.update(self.shared_state)
        state["request_id"] = request_id
        id_header = (b"x-request-id", request_id.encode())
        started = time.perf_counter()
        root_path = str(scope.get("root_path", ""))
        status_holder: list[int] = []
        complete: list[bool] = []

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                complete.append(True)
            if message["type"] == "http.response.start":
                status_holder.append(message["status"])
                headers = list(message.get("headers", []))
                headers.append(id_header)
                headers.extend(SECURITY_HEADERS)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except ClientDisconnect:
            # The client left (or was cut off by a read deadline) before sending its body:
            # nobody is there to answer, and nothing went wrong on our side.
            if not status_holder:
                status_holder.append(CLIENT_CLOSED_REQUEST)
        except Exception:
            log.exception("unhandled error", extra={"request_id": request_id})
            if complete:
                # A mounted sub-app already answered its 500 and re-raised (Starlette's
                # ServerErrorMiddleware does): re-raising would make the server drop the
                # keep-alive connection under the client's next request.
                return
            if status_holder:
                raise
            path = str(scope.get("path", ""))
            if self.page_error is not None and not path.startswith(self.json_prefixes):
                html, page_headers = self.page_error(500, SERVER_ERROR_MESSAGE, request_id)
                encoded = [(k.lower().encode(), v.encode()) for k, v in page_headers.items()]
                await send_html(send, 500, html, [*encoded, id_header, *SECURITY_HEADERS])
                return
            body = error_body(500, SERVER_ERROR_MESSAGE, request_id=request_id)
            await send_json(send, 500, body, [id_header, *SECURITY_HEADERS])
        finally:
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "path": redact(str(scope.get("path", ""))),
                    "route": route_template(scope, root_path),
                    "status": status_holder[0] if status_holder else 500,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "workspace_id": scope["state"].get("workspace_id"),
                    "key_prefix": scope["state"].get("key_prefix"),
                },
            )


class BodyGuard:
    def __init__(self, app: ASGIApp, *, max_bytes: int, json_prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.json_prefixes = json_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        request_id = scope.get("state", {}).get("request_id")

        async def refuse(status: int, message: str) -> None:
            await send_json(send, status, error_body(status, message, request_id=request_id), [])

        length_header = headers.get(b"content-length")
        too_large = f"The request body is larger than {self.max_bytes} bytes."
        if length_header is not None:
            try:
                length = int(length_header)
            except ValueError:
                await refuse(400, "Content-Length is not a number.")
                return
            if length > self.max_bytes:
                await refuse(413, too_large)
                return
        has_body = (length_header is not None and length_header != b"0") or (
            b"transfer-encoding" in headers
        )
        path: str = scope["path"]
        json_api = has_body and path.startswith(self.json_prefixes)
        if json_api and not is_json(headers.get(b"content-type", b"")):
            await refuse(415, "Send the request body as JSON (Content-Type: application/json).")
            return
        if length_header is not None:
            await self.app(scope, receive, send)
            return
        # No declared length (chunked): read at most max_bytes, then hand the body on.
        try:
            body = await read_body(receive, max_bytes=self.max_bytes)
        except BodyTooLarge:
            await refuse(413, too_large)
            return
        if body is None:
            return
        await self.app(scope, replaying(body, receive), send)
