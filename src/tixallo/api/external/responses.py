"""How the routes document their answers. The shapes themselves are defined once, in
:mod:`tixallo.tacohelp.shapes`, which both builds what is sent and generates the OpenAPI
document; they are re-exported here for the routes and the tests that name them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tixallo.api.openapi import ErrorBody, error_responses
from tixallo.tacohelp.shapes import (
    ChatMessage,
    Comment,
    Conversation,
    ConversationDetail,
    ConversationList,
    Person,
    Ticket,
    TicketDetail,
    TicketList,
)

__all__ = [
    "ERRORS",
    "ChatMessage",
    "Comment",
    "Conversation",
    "ConversationDetail",
    "ConversationList",
    "ErrorBody",
    "Person",
    "Ticket",
    "TicketDetail",
    "TicketList",
    "documented",
]


def documented(
    model: type[BaseModel], status: int = 200, *, conflict: str | None = None
) -> dict[str, Any]:
    """Route keyword arguments that document ``model`` as the response without validating
    each response against it at run time; ``conflict`` documents when the route answers 409."""
    documented_responses: dict[int | str, dict[str, Any]] = {status: {"model": model}}
    if conflict is not None:
        documented_responses[409] = {"model": ErrorBody, "description": conflict}
    return {"response_model": None, "responses": documented_responses}


ERRORS = error_responses(
    [
        (400, "Bad request — missing or invalid parameters"),
        (401, "Unauthorized — invalid or missing API key"),
        (403, "Forbidden — insufficient scope"),
        (404, "Not found — resource doesn't exist in your org"),
        (429, "Rate limit exceeded — wait and retry"),
        (500, "Server error — contact support"),
    ]
)
