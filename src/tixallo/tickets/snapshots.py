"""Read-only ticket views without the ORM's object layer.

Building five mapped objects (identity map, instance state, attribute events) per row was
most of the cost of listing tickets (bench/README.md, "Profiles"). The repository's ticket
statements are executed here on the session's connection, which returns the entities'
columns as plain rows; each entity's slice becomes a snapshot: an instance of the model
whose values sit in its __dict__, where mapped attributes read them directly. A snapshot
has no ORM state, so changing one or adding it to a session fails loudly; services that
change a ticket load it with ``repository.get_ticket`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.customers.models import Company, Customer
from tixallo.tickets.models import Ticket
from tixallo.tickets.public import TicketView
from tixallo.workspaces.models import Member, User

M = TypeVar("M")

# The entities of a ``tickets_of`` row, in order: ticket, customer, company, assignee
# member and the assignee's user (an alias of User there: same columns, same order).
_VIEW_PARTS = tuple(
    (mapper.class_, tuple(attr.key for attr in mapper.column_attrs))
    for mapper in (
        inspect(Ticket),
        inspect(Customer),
        inspect(Company),
        inspect(Member),
        inspect(User),
    )
)


def _snapshot(cls: type[M], keys: tuple[str, ...], values: Sequence[Any]) -> M:
    instance = cls.__new__(cls)
    instance.__dict__.update(zip(keys, values, strict=True))
    return instance


def _ticket_snapshot(row: Sequence[Any]) -> TicketView:
    parts: list[Any] = []
    start = 0
    for cls, keys in _VIEW_PARTS:
        values = row[start : start + len(keys)]
        start += len(keys)
        parts.append(_snapshot(cls, keys, values) if values[0] is not None else None)
    return TicketView(*parts)


async def read_views(
    session: AsyncSession,
    stmt: Select[Ticket, Customer, Company, Member, User],
    params: dict[str, Any] | None = None,
) -> list[TicketView]:
    """Run a ``tickets_of`` statement for reading only: snapshots, not ORM objects."""
    if session.new or session.dirty or session.deleted:
        await session.flush()  # what the ORM's autoflush would have done
    connection = await session.connection()
    return [_ticket_snapshot(row) for row in (await connection.execute(stmt, params)).all()]
