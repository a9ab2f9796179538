"""The TacoHelp-compatible API, mounted at /api/external with its own OpenAPI document.

Same keys, scopes, services and error body as /api/v1; only the shapes differ."""

from __future__ import annotations

from fastapi import FastAPI

from tixallo.api.errors import install_error_handlers
from tixallo.api.external import chat, responses, tickets
from tixallo.api.openapi import drop_validation_422
from tixallo.api.slashes import redirect_slashes_relatively


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
    install_error_handlers(app, routes_document="/api/external/openapi.json")
    app.include_router(tickets.router, responses=responses.ERRORS)
    app.include_router(chat.router, responses=responses.ERRORS)
    drop_validation_422(app)
    redirect_slashes_relatively(app.router)
    return app
