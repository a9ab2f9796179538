"""Live updates for open pages, as Server-Sent Events.

The stream polls the workspace's outbox once a second (one indexed read), which needs no
other service and works the same with several server processes, since every process reads
the same table. Events are re-read with a short look-back and de-duplicated by id, so one
committed a little out of order is still delivered. A stream ends after ``STREAM_SECONDS``
and the browser's EventSource reconnects, which bounds how long a server waits at shutdown.

The page says when it was rendered (``since``, Unix milliseconds, set a few seconds early).
Only events older than that are taken as already on the page: an event committed between
the page's render and the stream's first read is sent, not silently swallowed. An event sent
twice costs the browser one extra fragment refresh; one never sent leaves a stale page.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from tixallo import clock
from tixallo.bounds import datetime_from_unix_ms
from tixallo.events.models import Event
from tixallo.events.service import list_recent_events
from tixallo.web.deps import CurrentAgent, db_of

router = APIRouter()

POLL_SECONDS = 1.0
LOOKBACK = timedelta(seconds=10)
STREAM_SECONDS = 55.0
KEEPALIVE_SECONDS = 15.0


def _message(event: Event) -> str | None:
    """What the page needs to decide whether to refresh; never the payload itself."""
    data = event.data if isinstance(event.data, dict) else {}
    if event.type.startswith("ticket."):
        ticket_id = data.get("ticket_id") or data.get("id")
        body = {"type": event.type, "ticket_id": ticket_id}
        return f"event: ticket\nid: {event.id}\ndata: {json.dumps(body)}\n\n"
    if event.type.startswith("chat."):
        conversation = data.get("conversation_id") or data.get("id")
        body = {"type": event.type, "conversation_id": conversation}
        return f"event: chat\nid: {event.id}\ndata: {json.dumps(body)}\n\n"
    return None


@router.get("/live")
async def live(
    request: Request,
    agent: CurrentAgent,
    since: int | None = Query(default=None, ge=0, description="page render time, Unix ms"),
) -> StreamingResponse:
    db = db_of(request)
    ctx = agent.ctx
    page_rendered = (
        datetime_from_unix_ms(since, param="since") if since is not None else clock.now()
    )

    async def stream() -> AsyncIterator[str]:
        seen: dict[str, datetime] = {}
        yield "retry: 2000\n\n"
        started = last_sent = time.monotonic()
        first = True
        while time.monotonic() - started < STREAM_SECONDS:
            if not first:
                await asyncio.sleep(POLL_SECONDS)
                if await request.is_disconnected():
                    return
            since = clock.now() - LOOKBACK
            async with db.transaction(write=False) as session:
                events = await list_recent_events(session, ctx, since=since)
            for event in events:
                if event.id in seen:
                    continue
                seen[event.id] = event.created_at
                if first and event.created_at < page_rendered:
                    continue  # already on the page the browser has
                message = _message(event)
                if message:
                    last_sent = time.monotonic()
                    yield message
            first = False
            seen = {k: at for k, at in seen.items() if at >= since}
            if time.monotonic() - last_sent > KEEPALIVE_SECONDS:
                last_sent = time.monotonic()
                yield ": keep-alive\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
