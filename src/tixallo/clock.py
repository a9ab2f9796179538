"""The one source of "now". Tests replace it with :func:`set_clock` to make time explicit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def _system_now() -> datetime:
    return datetime.now(UTC)


_now: Callable[[], datetime] = _system_now


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return _now()


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Install a replacement clock (``None`` restores the system clock)."""
    global _now
    _now = fn or _system_now


def isoformat(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``: the one timestamp format both APIs emit."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
