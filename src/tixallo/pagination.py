"""Keyset pagination: opaque cursors over (timestamp, id), stable while rows are inserted."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from tixallo.errors import Invalid

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Cursor:
    at: datetime
    id: str

    def encode(self) -> str:
        raw = json.dumps([self.at.isoformat(), self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str, *, param: str = "cursor") -> Cursor:
        try:
            padded = value + "=" * (-len(value) % 4)
            at, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
            return cls(datetime.fromisoformat(at), str(ident))
        except (ValueError, TypeError, json.JSONDecodeError) as exc:
            raise Invalid("The cursor is not one this API returned.", param=param) from exc


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


def check_limit(limit: int | None, *, param: str = "limit") -> int:
    """Default 50; more than 100 is clamped to 100 (both documents say "max 100")."""
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1:
        raise Invalid("limit must be at least 1.", param=param)
    return min(limit, MAX_LIMIT)


def page_from(rows: list[T], limit: int, cursor_of: Callable[[T], Cursor]) -> Page[T]:
    """Rows were fetched with ``limit + 1``: the extra row only tells that more exist."""
    if len(rows) > limit:
        return Page(rows[:limit], cursor_of(rows[limit - 1]).encode())
    return Page(rows, None)
