"""What both OpenAPI documents say about errors: the one error body, the statuses each API
documents, and no FastAPI 422 (validation failures answer 400 with the error body)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    type: str
    message: str
    param: str | None = Field(description="The offending field or parameter, if any.")
    request_id: str | None


class ErrorBody(BaseModel):
    """The one error body of both APIs."""

    error: ErrorDetail


def error_responses(statuses: Iterable[tuple[int, str]]) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody, "description": text} for status, text in statuses}


def drop_validation_422(app: FastAPI) -> None:
    """Remove FastAPI's default 422 from the app's OpenAPI document: we never send it."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].pop("422", None)
        for unused in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(unused, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
