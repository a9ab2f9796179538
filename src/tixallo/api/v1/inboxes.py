"""/api/v1/inboxes: read-only; inboxes are managed in the app."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tixallo.api.deps import ReadSession, TicketsRead
from tixallo.api.v1 import responses
from tixallo.api.v1.envelope import one
from tixallo.api.v1.responses import documented
from tixallo.workspaces import service as workspaces
from tixallo.workspaces.public import inbox_public

router = APIRouter(prefix="/inboxes", tags=["inboxes"])


@router.get("", summary="List inboxes", **documented(responses.InboxList))
async def list_inboxes(ctx: TicketsRead, session: ReadSession) -> dict[str, Any]:
    """All inboxes, default first. A workspace has few, so there is one page."""
    inboxes = await workspaces.list_inboxes(session, ctx)
    return {"data": [inbox_public(i) for i in inboxes], "has_more": False, "next_cursor": None}


@router.get("/{inbox_id}", summary="Get an inbox", **documented(responses.InboxResponse))
async def get_inbox(inbox_id: str, ctx: TicketsRead, session: ReadSession) -> dict[str, Any]:
    return one(inbox_public(await workspaces.get_inbox(session, ctx, inbox_id)))
