"""Numeric and time bounds of everything a client may send: one place, so no number or
datetime reaches the database (or Python's ``datetime``) outside what it can hold.

A value out of range is the client's mistake and must be a 400 naming the parameter, never a
500 from an overflow deep inside a driver. Three traps this module closes:

- Python's ``int()`` and ``str.isdigit()`` accept non-ASCII digits (``"²"``, ``"٣"``):
  numbers from clients are ASCII digits only (:func:`parse_int`).
- Integer columns are 32-bit (``INTEGER``) or 64-bit (``BIGINT``) on PostgreSQL, and SQLite
  refuses integers beyond 64 bits: every integer is checked against the type it will meet.
- A datetime can be valid as written and overflow when converted to UTC
  (``0001-01-01T00:00:00+14:00``), and naive datetimes cannot be compared with the stored
  aware ones: datetimes are aware and within :data:`EARLIEST`..:data:`LATEST` after conversion
  (:func:`check_datetime`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from tixallo.errors import Invalid

#: PostgreSQL ``INTEGER`` (ticket numbers, counts).
MAX_INT32 = 2**31 - 1
#: PostgreSQL ``BIGINT`` and SQLite's integers (feed positions).
MAX_INT64 = 2**63 - 1
#: Feed positions are BIGINT.
MAX_POSITION = MAX_INT64

#: The range of datetimes accepted from clients. A day inside Python's own range at both ends,
#: so that adding a time zone offset (at most 26 hours apart) can never overflow.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)
#: The end of that range in Unix milliseconds (the app's ``/live?since=``).
LATEST_UNIX_MS = int(LATEST.timestamp() * 1000)

#: The longest run of digits read as a number: longer input cannot be in range anyway, and
#: ``int()`` of a huge string costs quadratic time.
_MAX_DIGITS = 30


def is_ascii_digits(text: str) -> bool:
    """True for ``"0"``..``"9"`` only; ``str.isdigit`` also says yes to ``"²"`` and ``"٣"``."""
    return bool(text) and text.isascii() and text.isdigit()


def check_int(value: int, *, param: str, low: int = 0, high: int = MAX_INT64) -> int:
    """``value`` if ``low <= value <= high``; otherwise :class:`Invalid` naming ``param``."""
    if not low <= value <= high:
        raise Invalid(f"{param} must be a whole number from {low} to {high}.", param=param)
    return value


def parse_int(text: str, *, param: str, low: int = 0, high: int = MAX_INT64) -> int:
    """A whole number written in ASCII digits (an optional leading ``-`` when ``low < 0``),
    within ``low..high``; anything else is :class:`Invalid` naming ``param``."""
    digits = text[1:] if text.startswith("-") and low < 0 else text
    if not is_ascii_digits(digits) or len(digits) > _MAX_DIGITS:
        raise Invalid(f"{param} must be a whole number from {low} to {high}.", param=param)
    return check_int(int(text), param=param, low=low, high=high)


def check_datetime(value: datetime, *, param: str) -> datetime:
    """``value`` in UTC, if it has a time zone and lies within :data:`EARLIEST`..:data:`LATEST`
    once converted; otherwise :class:`Invalid` naming ``param``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(f"{param} needs a time zone, e.g. 2026-03-17T10:00:00Z.", param=param)
    out_of_range = Invalid(
        f"{param} must lie between {EARLIEST.date()} and {LATEST.date()} (UTC).", param=param
    )
    try:
        converted = value.astimezone(UTC)
    except OverflowError:
        raise out_of_range from None
    if not EARLIEST <= converted <= LATEST:
        raise out_of_range
    return converted


def parse_datetime(text: str, *, param: str) -> datetime:
    """An ISO 8601 datetime with a time zone (``Z`` allowed), checked by
    :func:`check_datetime`."""
    try:
        value = datetime.fromisoformat(text)
    except (ValueError, TypeError):
        raise Invalid(
            f"{param} is not an ISO 8601 datetime, e.g. 2026-03-17T10:00:00Z.", param=param
        ) from None
    return check_datetime(value, param=param)


def datetime_from_unix_ms(value: int, *, param: str) -> datetime:
    """The UTC datetime of ``value`` Unix milliseconds (from 1970 on), within the accepted
    range."""
    check_int(value, param=param, low=0, high=LATEST_UNIX_MS)
    return datetime.fromtimestamp(value / 1000, tz=UTC)
