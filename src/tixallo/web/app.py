"""The agent app at ``/``: server-rendered pages, one stylesheet, small hand-written JS.

:func:`install_web` adds the pages to the top application and makes its error handling
path-aware: ``/api/...`` keeps the JSON error body, pages get HTML error pages.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from tixallo.errors import ErrorKind, TixalloError
from tixallo.web.deps import SignInRequired, signin_url

NON_PAGE_PATHS = ("/api/", "/healthz", "/readyz", "/metrics")


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(NON_PAGE_PATHS)


async def _call(handler: Callable[..., Any], request: Request, exc: Exception) -> Response:
    result = handler(request, exc)
    if inspect.isawaitable(result):
        result = await result
    assert isinstance(result, Response)
    return result


def install_web(app: FastAPI) -> None:
    from tixallo.web import errors, routes
    from tixallo.web.templating import STATIC_DIR

    app.include_router(routes.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    json_http = app.exception_handlers.get(StarletteHTTPException)
    json_domain = app.exception_handlers.get(TixalloError)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not is_page(request) and json_http is not None:
            return await _call(json_http, request, exc)
        return await errors.error_page(request, exc.status_code)

    async def on_domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TixalloError)
        if not is_page(request) and json_domain is not None:
            return await _call(json_domain, request, exc)
        status = {ErrorKind.NOT_FOUND: 404, ErrorKind.FORBIDDEN: 403}.get(exc.kind, 400)
        return await errors.error_page(request, status, exc.message)

    json_validation = app.exception_handlers.get(RequestValidationError)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        """A page parameter of the wrong type (``/live?since=²``) is a 400 page naming it."""
        assert isinstance(exc, RequestValidationError)
        if not is_page(request) and json_validation is not None:
            return await _call(json_validation, request, exc)
        first: dict[str, Any] = next(iter(exc.errors()), {})
        param = str(first.get("loc", ("", "value"))[-1])
        return await errors.error_page(request, 400, f"{param} is not valid here.")

    async def on_signin_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse(signin_url(exc.next_path), status_code=303)

    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(TixalloError, on_domain_error)
    app.add_exception_handler(SignInRequired, on_signin_required)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    _serve_failures_as_pages(app)


def _serve_failures_as_pages(app: FastAPI) -> None:
    """Pages get an HTML 500/503 (database down, a bug) where the APIs keep their JSON: the
    API's handler still decides the status, the message and Retry-After, so the two cannot
    drift; only the body a page shows differs."""
    from tixallo.web import errors

    handled = (StarletteHTTPException, TixalloError, SignInRequired, RequestValidationError)
    for exc_type, json_handler in list(app.exception_handlers.items()):
        if exc_type in handled:
            continue
        app.add_exception_handler(exc_type, _page_or_json(json_handler, errors))


def _page_or_json(json_handler: Callable[..., Any], errors: Any) -> Callable[..., Any]:
    async def handler(request: Request, exc: Exception) -> Response:
        answer = await _call(json_handler, request, exc)
        if not is_page(request) or answer.status_code < 500:
            return answer
        message = json.loads(bytes(answer.body))["error"]["message"]
        retry_after = answer.headers.get("retry-after")
        page: Response = errors.server_error_page(
            answer.status_code,
            message,
            getattr(request.state, "request_id", None),
            {"Retry-After": retry_after} if retry_after else None,
        )
        return page

    return handler
