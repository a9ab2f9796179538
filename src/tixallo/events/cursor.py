"""Event-feed cursors: a position in one workspace's feed and when it was handed out,
signed by the server.

The feed refuses a cursor older than the event retention (410), because events after it
may be gone. A cursor a client could write itself would defeat that: a fresh ``issued_at``
around an old position, or a position of its own choosing. So a cursor carries an HMAC tag
over its workspace, position and time, keyed by a secret only the server knows
(:mod:`tixallo.server_secrets`); anything else is refused as not a cursor the feed returned.
The workspace is in the tag so that a cursor is only good for the feed that issued it.

Format (opaque to clients): ``b64url("<position>:<unix seconds>") "." b64url(tag)``.
Cursors of the format before this one (no tag, positions counted across all workspaces)
have no ``.``; they are refused with a message of their own.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from tixallo.bounds import MAX_POSITION, datetime_from_unix_ms, parse_int
from tixallo.db import Database
from tixallo.errors import Invalid
from tixallo.server_secrets import get_server_secret, sign, verify

#: The name of the signing key in ``server_secrets``.
SECRET_NAME = "feed-cursor"


async def cursor_key(db: Database) -> bytes:
    """The key that signs and checks feed cursors (shared by every process)."""
    return await get_server_secret(db, SECRET_NAME)


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode())


def signed_message(workspace_id: str, body: bytes) -> bytes:
    """What a cursor's tag covers: a version label, the workspace and the cursor's body."""
    return b"tixallo feed cursor v2\n" + workspace_id.encode() + b"\n" + body


def _is_old_format(value: str) -> bool:
    """A cursor as the feed issued them before they were signed: b64url("<pos>:<secs>")."""
    try:
        position, issued = _b64decode(value).decode().split(":")
        int(position), int(issued)
    except (ValueError, UnicodeDecodeError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class FeedCursor:
    """A position in one workspace's feed and when it was handed out (cursors expire with
    the retention)."""

    position: int
    issued_at: datetime

    def encode(self, key: bytes, workspace_id: str) -> str:
        body = f"{self.position}:{int(self.issued_at.timestamp())}".encode()
        return f"{_b64encode(body)}.{_b64encode(sign(key, signed_message(workspace_id, body)))}"

    @classmethod
    def decode(cls, value: str, key: bytes, workspace_id: str, *, param: str) -> FeedCursor:
        """The cursor in ``value`` if this server issued it for ``workspace_id``; otherwise
        :class:`Invalid` naming ``param``. The tag is checked before anything in the cursor
        is trusted, and the position and time are range-checked even then."""
        not_ours = Invalid(f"{param} is not a cursor this feed returned.", param=param)
        body_text, dot, tag_text = value.partition(".")
        if not dot:
            if _is_old_format(value):
                raise Invalid(
                    f"{param} is a cursor of the format used before feed cursors were signed "
                    "and positions counted per workspace, so it cannot be resumed. Copy the "
                    "current state again (GET /api/v1/tickets?sort=updated_at, or a full "
                    "tixallo export), then follow on from the cursor that gives.",
                    param=param,
                )
            raise not_ours
        try:
            body, tag = _b64decode(body_text), _b64decode(tag_text)
        except (ValueError, binascii.Error):
            raise not_ours from None
        if not verify(key, signed_message(workspace_id, body), tag):
            raise not_ours
        try:
            position_text, issued_text = body.decode().split(":")
            # Positions are BIGINT: anything larger must not reach the database.
            position = parse_int(position_text, param=param, high=MAX_POSITION)
            issued_ms = parse_int(issued_text, param=param) * 1000
            issued_at = datetime_from_unix_ms(issued_ms, param=param)
        except (ValueError, Invalid):
            raise not_ours from None
        return cls(position, issued_at)
