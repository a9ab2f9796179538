"""/api/v1/events: the resumable event feed (the same events, and ids, webhooks deliver)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from tixallo.api.deps import ReadSession, get_db, require
from tixallo.api.v1 import responses
from tixallo.api.v1.responses import documented
from tixallo.context import Ctx
from tixallo.events import feed
from tixallo.events.service import event_payload
from tixallo.pagination import check_limit

router = APIRouter(prefix="/events", tags=["events"])

FeedReader = Annotated[Ctx, Depends(require("tickets:read", "customers:read", "chat:read"))]


@router.get("", summary="Read the event feed", **documented(responses.EventList))
async def list_events(
    request: Request,
    ctx: FeedReader,
    session: ReadSession,
    after: Annotated[str | None, Query(description="next_cursor of your previous call.")] = None,
    types: Annotated[
        str | None, Query(description="Comma-separated event types; default all you may read.")
    ] = None,
    limit: Annotated[
        int | None, Query(description="1 to 100 (more is clamped); default 50.")
    ] = None,
) -> dict[str, Any]:
    """Events oldest first in commit order. Keep ``next_cursor`` (always set) and pass it as
    ``after``: you will see every event exactly once, in order. Each event type needs the read
    scope of its resource (``ticket.*`` tickets:read, ``customer.*`` customers:read,
    ``chat.*`` chat:read)."""
    wanted = feed.check_types(
        ctx, [t.strip() for t in types.split(",") if t.strip()] if types else None
    )
    retention = timedelta(days=request.state.settings.event_retention_days)
    page = await feed.read_feed(
        get_db(request),
        session,
        ctx,
        after=after,
        types=wanted,
        limit=check_limit(limit),
        retention=retention,
    )
    return {
        "data": [event_payload(e) for e in page.events],
        "has_more": page.has_more,
        "next_cursor": page.next_cursor,
    }
