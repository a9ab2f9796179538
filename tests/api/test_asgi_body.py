"""The request-body reader the ASGI guards share: whole bodies, disconnects, the size bound
(nothing read past it), and the replay the app receives."""

from __future__ import annotations

import pytest
from starlette.types import Message, Receive

from tixallo.api.asgi_body import BodyTooLarge, is_json, read_body, replaying


def client_sending(*messages: Message) -> tuple[Receive, list[Message]]:
    """A ``receive`` giving ``messages`` in order, and the list of those it handed out."""
    pending = list(messages)
    taken: list[Message] = []

    async def receive() -> Message:
        taken.append(pending.pop(0))
        return taken[-1]

    return receive, taken


def chunk(body: bytes, *, more: bool) -> Message:
    return {"type": "http.request", "body": body, "more_body": more}


async def test_chunks_are_joined_into_the_body() -> None:
    receive, _ = client_sending(
        chunk(b"ab", more=True), chunk(b"", more=True), chunk(b"c", more=False)
    )
    assert await read_body(receive) == b"abc"


async def test_a_disconnect_before_the_end_is_no_body() -> None:
    receive, _ = client_sending(chunk(b"ab", more=True), {"type": "http.disconnect"})
    assert await read_body(receive) is None


async def test_a_body_of_exactly_the_limit_is_read() -> None:
    receive, _ = client_sending(chunk(b"ab", more=True), chunk(b"cd", more=False))
    assert await read_body(receive, max_bytes=4) == b"abcd"


async def test_reading_stops_at_the_first_chunk_past_the_limit() -> None:
    receive, taken = client_sending(
        chunk(b"abc", more=True), chunk(b"de", more=True), chunk(b"never", more=False)
    )
    with pytest.raises(BodyTooLarge):
        await read_body(receive, max_bytes=4)
    assert len(taken) == 2


async def test_the_app_gets_the_body_once_then_the_clients_messages() -> None:
    receive, _ = client_sending({"type": "http.disconnect"})
    replay = replaying(b"{}", receive)
    assert await replay() == chunk(b"{}", more=False)
    assert await replay() == {"type": "http.disconnect"}


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        (b"application/json", True),
        (b"Application/JSON; charset=utf-8", True),
        (b"application/merge-patch+json", True),
        (b"text/json", False),
        (b"application/x-www-form-urlencoded", False),
        (b"", False),
    ],
)
def test_is_json(content_type: bytes, expected: bool) -> None:
    assert is_json(content_type) is expected
