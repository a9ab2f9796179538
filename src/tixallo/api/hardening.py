"""Input bounds that hold for every JSON endpoint of both APIs, before any route runs.

The schemas bound each field's length; this guard bounds what no schema sees: how deep a
JSON body nests, and characters that no database column can store (NUL, which PostgreSQL
refuses, and unpaired UTF-16 surrogates, which are not Unicode text at all). Each is a 400
naming the field, instead of a 500 from the driver. Body size is BodyGuard's job (413).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from tixallo.api.asgi_body import is_json, read_body, replaying
from tixallo.api.errors import error_body
from tixallo.api.middleware import send_json

MAX_JSON_DEPTH = 32


class InputRefused(Exception):
    def __init__(self, message: str, param: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


def _param(path: list[str]) -> str | None:
    return ".".join(path) or None


def check_text_value(value: str, path: list[str]) -> None:
    if "\x00" in value:
        name = _param(path) or "The request body"
        raise InputRefused(f"{name} must not contain the NUL character (\\u0000).", _param(path))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        name = _param(path) or "The request body"
        raise InputRefused(
            f"{name} is not valid Unicode text (an unpaired surrogate escape).", _param(path)
        ) from None


def check_json_value(value: Any, path: list[str] | None = None, depth: int = 0) -> None:
    """Raise :class:`InputRefused` for nesting deeper than MAX_JSON_DEPTH or unstorable text
    anywhere in ``value`` (keys included). Iterative, so no input can exhaust the stack."""
    stack: list[tuple[Any, list[str], int]] = [(value, path or [], depth)]
    while stack:
        item, where, level = stack.pop()
        if isinstance(item, str):
            check_text_value(item, where)
            continue
        if not isinstance(item, dict | list):
            continue
        if level >= MAX_JSON_DEPTH:
            raise InputRefused(
                f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.", _param(where)
            )
        if isinstance(item, dict):
            for key, child in item.items():
                check_text_value(key, [*where, key])
                stack.append((child, [*where, key], level + 1))
        else:
            for index, child in enumerate(item):
                stack.append((child, [*where, str(index)], level + 1))


class JsonGuard:
    """Pure ASGI middleware for the JSON APIs. Reads the body (already bounded by BodyGuard),
    checks it, and replays it to the app; a malformed body is left for the app's own 400."""

    def __init__(self, app: ASGIApp, *, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        request_id = scope.get("state", {}).get("request_id")

        async def refuse(message: str, param: str | None) -> None:
            await send_json(
                send, 400, error_body(400, message, param=param, request_id=request_id), []
            )

        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"").lower():
            await refuse("The URL must not contain the NUL character (%00).", None)
            return
        headers = dict(scope["headers"])
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE") or not is_json(
            headers.get(b"content-type", b"")
        ):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)  # BodyGuard, outside this layer, bounded its size
        if body is None:
            return
        try:
            check_json_value(json.loads(body)) if body.strip() else None
        except RecursionError:
            await refuse(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.", None)
            return
        except InputRefused as refused:
            await refuse(refused.message, refused.param)
            return
        except ValueError:
            pass  # not JSON: the app answers its own clear 400
        await self.app(scope, replaying(body, receive), send)
