"""The native API, mounted at /api/v1 with its own OpenAPI document."""

from __future__ import annotations

from fastapi import FastAPI

from tixallo.api.errors import install_error_handlers
from tixallo.api.openapi import drop_validation_422, error_responses, show_documented_bodies
from tixallo.api.slashes import redirect_slashes_relatively
from tixallo.api.v1 import chat, customers, events, inboxes, tickets
from tixallo.api.v1 import webhooks as webhooks_api

ERRORS = error_responses(
    [
        (400, "Invalid request: a missing or invalid field, named in `param`"),
        (401, "Missing, unknown or revoked API key"),
        (403, "The key lacks the scope this endpoint needs"),
        (404, "No such resource in your workspace"),
        (409, "Conflict, e.g. an Idempotency-Key reused with another body"),
        (413, "Request body over 1 MiB"),
        (415, "Request body that is not JSON"),
        (429, "Rate limit exceeded: retry after Retry-After seconds"),
        (500, "Unexpected failure: quote the request_id"),
        (503, "Database unavailable: retry after Retry-After seconds"),
    ]
)


def create_v1_app() -> FastAPI:
    app = FastAPI(
        title="Tixallo API",
        version="1",
        description="The native Tixallo API. Authenticate with `Authorization: Bearer <key>`.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_error_handlers(app)
    for module in (tickets, customers, inboxes, chat, webhooks_api, events):
        app.include_router(module.router, responses=ERRORS)
    drop_validation_422(app)
    show_documented_bodies(app)
    redirect_slashes_relatively(app.router)
    return app
