"""Recording events in the outbox, inside the caller's transaction.

Because the event row commits or rolls back with the change it describes, a crash can never
leave a change without its event or an event without its change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock, ids
from tixallo.context import Ctx
from tixallo.events import repository
from tixallo.events.models import Event

EVENT_TYPES = (
    "ticket.created",
    "ticket.updated",
    "ticket.message.created",
    "ticket.commented",
    "ticket.resolved",
    "ticket.closed",
    "ticket.reopened",
    "ticket.merged",
    "customer.created",
    "customer.updated",
    "chat.conversation.started",
    "chat.message.created",
    "chat.conversation.ended",
)


def record_event(
    session: AsyncSession,
    ctx: Ctx,
    event_type: str,
    data: dict[str, Any],
    *,
    changes: dict[str, list[Any]] | None = None,
) -> Event:
    """Add an event to the outbox. ``data`` must be a public representation: never pass
    anything that contains an internal note."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    event = Event(
        id=ids.new_id("evt"),
        workspace_id=ctx.workspace_id,
        type=event_type,
        data=data,
        changes=changes,
        created_at=clock.now(),
    )
    session.add(event)
    return event


def event_payload(event: Event) -> dict[str, Any]:
    """The JSON body a webhook receives and the event feed returns."""
    payload: dict[str, Any] = {
        "id": event.id,
        "type": event.type,
        "created_at": clock.isoformat(event.created_at),
        "workspace_id": event.workspace_id,
        "data": event.data,
    }
    if event.changes is not None:
        payload["changes"] = event.changes
    return payload


async def list_recent_events(
    session: AsyncSession, ctx: Ctx, *, since: datetime, limit: int = 200
) -> list[Event]:
    """The workspace's events recorded at or after ``since``, oldest first (the agent app's
    live feed polls this; callers skip the ids they have already seen)."""
    return await repository.events_since(session, ctx, since, limit=limit)
