"""What every TacoHelp-compatible endpoint shares: offset paging parameters, and the
translation of Tixallo's field names in errors into the documented camelCase ones."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Query
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.context import Ctx
from tixallo.errors import NotFound, TixalloError
from tixallo.workspaces import repository as workspaces

MAX_OFFSET = 1_000_000_000

Limit = Annotated[
    int | None, Query(description="Results per page (default: 50, max: 100; more is clamped).")
]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Pagination offset (default: 0).")]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@contextmanager
def documented_params(**overrides: str) -> Iterator[None]:
    """Errors raised inside name the documented field: ``assignee_id`` becomes
    ``assigneeId``, and ``overrides`` map names that differ more (``body="description"``)."""
    try:
        yield
    except TixalloError as exc:
        if exc.param is not None:
            exc.param = overrides.get(exc.param, camel(exc.param))
        raise


async def member_id_for(session: AsyncSession, ctx: Ctx, ref: str) -> str:
    """``assigneeId`` takes a member id or, since TacoHelp's documented objects show people
    by name and email only, a member's email."""
    if "@" not in ref:
        return ref
    found = await workspaces.get_member_by_email(session, ctx, ref.strip())
    if found is None:
        raise NotFound("member", ref, param="assigneeId")
    return found[0].id
