"""The query parameters the app's list pages share, parsed in one place.

Pages declare their parameters through these dependencies rather than reading
``request.query_params`` by hand, so every page checks a cursor, a search box or a number the
same way (a forged or out-of-range one is a 400 naming it, never a 500), and the parameters
show in the route table, where the hostile-input test finds them without a list to keep.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Annotated

from fastapi import Depends, Query

from tixallo.pagination import Cursor
from tixallo.tickets.search import MAX_QUERY_LENGTH


@dataclass(frozen=True, slots=True)
class Paging:
    """A list page's search box (trimmed, bounded; None when empty) and where it resumes."""

    query: str | None
    cursor: Cursor | None


def paging(
    cursor: Annotated[str | None, Query(description="next page's cursor")] = None,
    q: Annotated[str | None, Query(description="search box")] = None,
) -> Paging:
    """An empty field is the same as no field, as browsers send empty inputs."""
    query = (q or "").strip()[:MAX_QUERY_LENGTH] or None
    return Paging(query=query, cursor=Cursor.decode(cursor, param="cursor") if cursor else None)


PageParams = Annotated[Paging, Depends(paging)]


@dataclass(frozen=True, slots=True)
class QueueParams:
    """The queue's filters as given (each None when empty); ``tickets._filters`` checks them."""

    view: str | None
    status: str | None
    priority: str | None
    tag: str | None
    assignee: str | None
    inbox: str | None

    def given(self) -> dict[str, str]:
        """The filters that are set, by name (for the links that keep them)."""
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name))}


def queue_params(
    view: str | None = None,
    status: str | None = None,
    priority: str | None = None,
    tag: str | None = None,
    assignee: str | None = None,
    inbox: str | None = None,
) -> QueueParams:
    return QueueParams(
        view=view or None,
        status=status or None,
        priority=priority or None,
        tag=tag or None,
        assignee=assignee or None,
        inbox=inbox or None,
    )


QueueFilters = Annotated[QueueParams, Depends(queue_params)]
