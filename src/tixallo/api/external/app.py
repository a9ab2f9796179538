"""The TacoHelp-compatible API, mounted at /api/external with its own OpenAPI document.

Same keys, scopes, services and error body as /api/v1; only the shapes differ."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tixallo.api.errors import error_response, install_error_handlers
from tixallo.api.external import chat, responses, tickets
from tixallo.api.openapi import drop_validation_422
from tixallo.api.slashes import redirect_slashes_relatively


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = {
        404: "No such endpoint. See /api/external/openapi.json for the routes.",
        405: "This method is not allowed on this endpoint.",
    }.get(exc.status_code, str(exc.detail))
    return error_response(request, exc.status_code, message, headers=dict(exc.headers or {}))


def create_external_app() -> FastAPI:
    app = FastAPI(
        title="Tixallo — TacoHelp-compatible API",
        version="1",
        description="TacoHelp's documented REST API, served by Tixallo. Authenticate with "
        "`Authorization: Bearer <key>` (a Tixallo API key).",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_error_handlers(app)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.include_router(tickets.router, responses=responses.ERRORS)
    app.include_router(chat.router, responses=responses.ERRORS)
    drop_validation_422(app)
    redirect_slashes_relatively(app.router)
    return app
