"""What both OpenAPI documents say about errors: the one error body, the statuses each API
documents, and no FastAPI 422 (validation failures answer 400 with the error body)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
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


def show_documented_bodies(app: FastAPI) -> None:
    """Make each success response documented with ``responses={status: {"model": M}}`` show
    exactly ``M`` in the app's OpenAPI document.

    A route that returns a dict keeps FastAPI's fast serialization of ``dict[str, Any]``
    (its inferred response model), and FastAPI merges that model's schema with the
    documented one into a schema that is neither. The documented model is the truth."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        components = schema.get("components", {}).get("schemas", {})
        # iter_route_contexts flattens included routers (FastAPI keeps them nested).
        for context in iter_route_contexts(app.routes):
            route = context.original_route
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            for status, documented in route.responses.items():
                model = documented.get("model")
                if not str(status).startswith("2") or model is None:
                    continue
                if model.__name__ not in components:
                    raise RuntimeError(f"{model.__name__} is not in the OpenAPI components")
                for method in context.methods or ():
                    path = schema["paths"][context.path_format]
                    response = path[method.lower()]["responses"]
                    response[str(status)]["content"] = {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{model.__name__}"}
                        }
                    }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
