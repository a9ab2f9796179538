"""Public representation of inboxes."""

from __future__ import annotations

from typing import Any

from tixallo.clock import isoformat
from tixallo.workspaces.models import Inbox


def inbox_public(inbox: Inbox) -> dict[str, Any]:
    return {
        "id": inbox.id,
        "name": inbox.name,
        "is_default": inbox.is_default,
        "created_at": isoformat(inbox.created_at),
    }
