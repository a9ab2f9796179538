"""Input rules shared by services and both APIs (one place, so both APIs agree)."""

from __future__ import annotations

import re

from tixallo.errors import Invalid

MAX_SUBJECT = 500
MAX_BODY = 65_536
MAX_NAME = 200
MAX_TAGS = 20
MAX_TAG = 64

_EMAIL = re.compile(
    r"^[^@\s]{1,64}@(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_TAG = re.compile(r"^[\w][\w .:/-]*$")


def check_email(value: str, *, param: str = "email") -> str:
    """Lower-cased, trimmed email; customers are matched by email case-insensitively."""
    email = value.strip().lower()
    if not _EMAIL.match(email):
        raise Invalid(f"'{value}' is not a valid email address.", param=param)
    return email


def check_text(value: str, *, param: str, max_length: int, allow_empty: bool = False) -> str:
    text = value.strip()
    if not text and not allow_empty:
        raise Invalid(f"{param} must not be empty.", param=param)
    if len(text) > max_length:
        raise Invalid(f"{param} is longer than {max_length} characters.", param=param)
    return text


def normalize_tag(raw: str) -> str:
    """A tag as stored: how filters must spell one to find what writes stored."""
    return raw.strip().lower()


def check_tags(tags: list[str], *, param: str = "tags") -> list[str]:
    """Trimmed, lower-cased, de-duplicated (first occurrence wins), bounded in count and length."""
    seen: list[str] = []
    for raw in tags:
        tag = normalize_tag(raw)
        if not tag or len(tag) > MAX_TAG or not _TAG.match(tag):
            raise Invalid(
                f"Tag '{raw}' is invalid: 1 to {MAX_TAG} letters, digits, spaces or . : / - _",
                param=param,
            )
        if tag not in seen:
            seen.append(tag)
    if len(seen) > MAX_TAGS:
        raise Invalid(f"A ticket has at most {MAX_TAGS} tags.", param=param)
    return seen


def check_choice(value: str, choices: tuple[str, ...], *, param: str) -> str:
    if value not in choices:
        raise Invalid(f"{param} must be one of: {', '.join(choices)}.", param=param)
    return value
