"""Domain errors and framework errors -> one HTTP error body, for both APIs.

Body: ``{"error": {"type", "message", "param", "request_id"}}``. Expected failures are never
a 500; an unexpected one is a 500 that shows the request id and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from tixallo.errors import ErrorKind, RateLimited, TixalloError

log = logging.getLogger("tixallo.api")

STATUS_BY_KIND = {
    ErrorKind.INVALID: 400,
    ErrorKind.UNAUTHORIZED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.GONE: 410,
    ErrorKind.RATE_LIMITED: 429,
    ErrorKind.UNAVAILABLE: 503,
}

TYPE_BY_STATUS = {
    400: "invalid_request",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}

DB_RETRY_AFTER_SECONDS = 5
V1_DOCUMENT = "/api/v1/openapi.json"

ExceptionHandler = Callable[[Request, Exception], Awaitable[JSONResponse]]


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def error_body(
    status: int,
    message: str,
    *,
    param: str | None = None,
    request_id: str | None = None,
    error_type: str | None = None,
) -> dict[str, Any]:
    return {
        "error": {
            "type": error_type or TYPE_BY_STATUS.get(status, "error"),
            "message": message,
            "param": param,
            "request_id": request_id,
        }
    }


def error_response(
    request: Request,
    status: int,
    message: str,
    *,
    param: str | None = None,
    headers: dict[str, str] | None = None,
    error_type: str | None = None,
) -> JSONResponse:
    body = error_body(
        status, message, param=param, request_id=request_id_of(request), error_type=error_type
    )
    return JSONResponse(body, status_code=status, headers=headers)


def _param_of(loc: tuple[Any, ...]) -> str | None:
    # loc starts with where the input was ("body", "query", …); a field may itself be "body".
    parts = (
        [str(p) for p in loc[1:]]
        if loc and loc[0] in ("body", "query", "path", "header")
        else [str(p) for p in loc]
    )
    return ".".join(parts) or None


def _validation_message(err: dict[str, Any], param: str | None) -> str:
    kind = err.get("type", "")
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    if kind == "missing":
        return f"{param} is required." if param else "A request body is required."
    if kind == "extra_forbidden":
        return f"{param} is not a field of this request."
    msg = str(err.get("msg", "is invalid"))
    return f"{param}: {msg}" if param else msg


async def _on_tixallo_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TixalloError)
    status = STATUS_BY_KIND[exc.kind]
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 503:
        headers["Retry-After"] = str(DB_RETRY_AFTER_SECONDS)
    return error_response(request, status, exc.message, param=exc.param, headers=headers)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first = errors[0] if errors else {}
    loc = tuple(first.get("loc", ()))
    param = None if first.get("type") == "json_invalid" else _param_of(loc)
    if first.get("type") == "missing" and loc == ("body",):
        param = None
    return error_response(request, 400, _validation_message(first, param), param=param)


def _on_http_error(routes_document: str) -> ExceptionHandler:
    """Starlette's own 404 and 405 (no route, wrong method) and other HTTP exceptions, as the
    error body; an unknown path points to the OpenAPI document of the API it was aimed at."""

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        message = {
            404: f"No such endpoint. See {routes_document} for the routes.",
            405: "This method is not allowed on this endpoint.",
        }.get(exc.status_code, str(exc.detail))
        return error_response(request, exc.status_code, message, headers=dict(exc.headers or {}))

    return on_http_error


async def _on_database_unreachable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", type(exc).__name__)
    return error_response(
        request,
        503,
        "The database is unavailable. Retry shortly.",
        headers={"Retry-After": str(DB_RETRY_AFTER_SECONDS)},
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A mounted sub-app's own last resort (Starlette's ServerErrorMiddleware): the one error
    body with the request id, not its plain-text "Internal Server Error"."""
    return error_response(
        request, 500, "Something went wrong on our side. Quote the request id if you report it."
    )


# SQLSTATE classes that mean "the database cannot serve you right now": connection
# exceptions (08), insufficient resources such as too many clients (53), and operator
# intervention such as a shutdown or "cannot connect now" (57).
TRANSIENT_SQLSTATE_CLASSES = ("08", "53", "57")


def _sqlstate(exc: DBAPIError) -> str:
    for candidate in (exc.orig, getattr(exc.orig, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if code:
            return str(code)
    return ""


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    """Other driver errors: transient ones are a 503 to retry, the rest a bug (500)."""
    assert isinstance(exc, DBAPIError)
    if _sqlstate(exc)[:2] in TRANSIENT_SQLSTATE_CLASSES:
        return await _on_database_unreachable(request, exc)
    return await _on_unexpected(request, exc)


def install_error_handlers(app: FastAPI, *, routes_document: str = V1_DOCUMENT) -> None:
    """``routes_document``: the OpenAPI document a 404 for an unknown path points to."""
    app.add_exception_handler(Exception, _on_unexpected)
    app.add_exception_handler(TixalloError, _on_tixallo_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error(routes_document))
    # Connection refused, dropped or locked: the client should retry, not report a bug.
    # PoolTimeout: every pooled connection busy for pool_timeout seconds (overload).
    for exc_type in (OperationalError, InterfaceError, ConnectionError, TimeoutError, PoolTimeout):
        app.add_exception_handler(exc_type, _on_database_unreachable)
    app.add_exception_handler(DBAPIError, _on_database_error)
