"""Keyset pagination: opaque cursors over (timestamp, id), stable while rows are inserted."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from tixallo.bounds import check_datetime
from tixallo.errors import Invalid

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 100

#: Longer than any cursor this server encodes (an ISO datetime and an id, in base64).
MAX_CURSOR_LENGTH = 200
#: The shape of the ids cursors carry (:func:`tixallo.ids.new_id`): a prefix and base32.
_ID = re.compile(r"[a-z]{1,8}_[0-9a-z]{1,40}")


@dataclass(frozen=True, slots=True)
class Cursor:
    at: datetime
    id: str

    def encode(self) -> str:
        raw = json.dumps([self.at.isoformat(), self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str, *, param: str = "cursor") -> Cursor:
        """The cursor in ``value``, or :class:`Invalid` naming ``param``. Nothing in a cursor
        is trusted: clients can write their own, so the datetime must be aware and in range
        after conversion to UTC, and the id must have the shape of an id, before either
        reaches a query."""
        not_ours = Invalid("The cursor is not one this API returned.", param=param)
        if len(value) > MAX_CURSOR_LENGTH:
            raise not_ours
        try:
            padded = value + "=" * (-len(value) % 4)
            at, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
            when = datetime.fromisoformat(at)
        except (ValueError, TypeError, RecursionError):
            raise not_ours from None
        if not isinstance(ident, str) or not _ID.fullmatch(ident):
            raise not_ours
        try:
            return cls(check_datetime(when, param=param), ident)
        except Invalid:
            raise not_ours from None


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
