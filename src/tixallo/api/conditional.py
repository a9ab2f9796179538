"""ETag on API GET responses, and 304 Not Modified for a matching If-None-Match.

The tag is a hash of the exact JSON body, so it changes whenever anything the client sees
changes (including ``updated_at``). The handler still runs — the saving is the transfer and
the client's work. A 304 is not counted against the key's budget, but it spends one of the
key's revalidation allowance *before* the handler runs (see ``ratelimit.spend``), so
revalidating is never unbounded free work.

``If-None-Match: *`` is no condition on a GET: RFC 9110 §13.1.2 gives ``*`` a meaning for
unsafe methods ("any current representation"), and matching every tag with it would answer
304 to anything, handler run and uncharged. A GET carrying only ``*`` is an ordinary GET.
"""

from __future__ import annotations

import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def entity_tags(if_none_match: str) -> list[str]:
    """The entity-tags a GET's If-None-Match names, W/ prefixes dropped (weak comparison,
    RFC 9110 §13.1.2). ``*`` and empty members name nothing."""
    tags = (c.strip().removeprefix("W/") for c in if_none_match.split(","))
    return [tag for tag in tags if tag and tag != "*"]


def is_conditional(method: str, if_none_match: str | None) -> bool:
    """Whether a request may be answered 304: a GET naming at least one entity-tag."""
    return method == "GET" and bool(if_none_match) and bool(entity_tags(if_none_match or ""))


def matches(if_none_match: str, etag: str) -> bool:
    return etag in entity_tags(if_none_match)


class ConditionalGet:
    def __init__(self, app: ASGIApp, *, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(self.prefixes)
        ):
            await self.app(scope, receive, send)
            return
        if_none_match = dict(scope["headers"]).get(b"if-none-match", b"").decode("latin-1")
        start: Message | None = None
        chunks: list[bytes] = []
        state = scope.setdefault("state", {})

        async def charge() -> None:
            # A conditional request spends its rate-limit budget only when it is not a 304.
            pending = state.pop("rate_limit_pending", None)
            if pending is not None:
                state["rate_limit"] = await pending()

        async def buffered_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] != 200:
                    await charge()
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            tag = etag_for(body)
            headers = [
                (k, v)
                for k, v in start.get("headers", [])
                if k.lower() not in (b"etag", b"cache-control")
            ]
            # Clients may keep the body and revalidate; shared caches must not keep it.
            headers += [(b"etag", tag.encode()), (b"cache-control", b"private, no-cache")]
            not_modified = matches(if_none_match, tag)
            if not not_modified:
                await charge()
            if not_modified:
                kept = [
                    (k, v)
                    for k, v in headers
                    if k.lower() not in (b"content-length", b"content-type")
                ]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        try:
            await self.app(scope, receive, buffered_send)
        except Exception:
            # A handler that failed answered no 304: it is charged like any other request.
            await charge()
            raise
