"""The one check that an API answer is what its OpenAPI document says: the status, and the
body against the documented model with no field missing and none undocumented."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel


def conforms(response: httpx.Response, status: int, model: type[BaseModel]) -> Any:
    """The answer's JSON body, after checking it against ``model``.

    Strict JSON validation: a number sent as a string, or a string where the document says a
    number, is drift too. The documented models refuse unknown fields (``extra="forbid"``),
    and aliases are required where a model has them (the external API's camelCase)."""
    assert response.status_code == status, response.text
    model.model_validate_json(response.content, strict=True, by_alias=True, by_name=False)
    return response.json()
