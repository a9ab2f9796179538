"""Reading a request body in a pure ASGI layer, and handing it on to the app as if unread.

BodyGuard (size) and JsonGuard (JSON content) both need the whole body before the app runs;
both read it here, so disconnects and the replay behave the same in each.
"""

from __future__ import annotations

from starlette.types import Message, Receive


def is_json(content_type: bytes) -> bool:
    """Whether a Content-Type header names JSON (``application/json`` or ``…+json``)."""
    media = content_type.decode("latin-1").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class BodyTooLarge(Exception):
    """More than the allowed bytes arrived; the rest was not read."""


async def read_body(receive: Receive, *, max_bytes: int | None = None) -> bytes | None:
    """The whole request body, or None if the client disconnected before sending it.

    With ``max_bytes``, raises :class:`BodyTooLarge` as soon as the bytes received pass it,
    so a client cannot make the server hold more than that in memory."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` for the app: ``body`` in one message, then the client's own messages (a
    later ``http.disconnect`` still reaches the app)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
