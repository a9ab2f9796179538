"""The v1 envelopes: ``{"data": {...}}`` and ``{"data": [...], "has_more", "next_cursor"}``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tixallo.pagination import Page

T = TypeVar("T")


def one(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data}


def many(page: Page[T], shape: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    return {
        "data": [shape(item) for item in page.items],
        "has_more": page.has_more,
        "next_cursor": page.next_cursor,
    }
