"""Full-text search over tickets: the words of a query in a ticket's subject or in one of its
messages (public replies only, unless the caller is an agent, who sees internal notes).

PostgreSQL answers from GIN indexes on ``to_tsvector('simple', …)`` of subjects and message
bodies (migration 0004): whole words, case-insensitive, all words of the query in the same
subject or the same message, cost growing with the number of matches rather than with the
number of tickets. The embedded SQLite database matches each word as a case-insensitive
substring with LIKE, which reads every ticket of the workspace: fine for the thousands of
tickets an embedded install holds, and documented as such (docs/api-reference.md).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    String,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession

from tixallo.context import Ctx
from tixallo.db import contains_pattern
from tixallo.errors import Invalid
from tixallo.tickets.models import Message, Ticket
from tixallo.tickets.scope import message_scope_of, ticket_scope_of

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
_WORD = re.compile(r"\w+")
# The text search configuration of the indexes: no stemming, no stop words, so a search
# finds exactly the words typed, in any language.
REGCONFIG = "simple"


@dataclass(frozen=True, slots=True)
class TextSearch:
    words: tuple[str, ...]
    include_internal: bool = False
    #: Which SQL to build; the repository sets it from the session it runs on.
    dialect: str = "postgresql"


@asynccontextmanager
async def planned_with_values(
    session: AsyncSession, search: TextSearch | None
) -> AsyncIterator[None]:
    """Run a search with plans made for its values, on PostgreSQL.

    asyncpg prepares statements, and after five runs PostgreSQL may keep a generic plan made
    without the parameters' values. For a search in one big workspace among many small ones
    that plan was 7x slower (45 ms against 6 ms at 1M tickets, bench/README.md): it assumed
    the workspace was as small as the average one. Forcing custom plans for every statement
    cost 30% of the throughput of the hot reads, so only searches ask for them.
    """
    if search is None or search.dialect != "postgresql":
        yield
        return
    connection = await session.connection()
    await connection.exec_driver_sql("SET plan_cache_mode = force_custom_plan")
    try:
        yield
    finally:
        await connection.exec_driver_sql("RESET plan_cache_mode")


def parse_search(text: str, *, param: str = "q", include_internal: bool = False) -> TextSearch:
    """The distinct words of ``text`` (letters and digits), lower-cased, at most 8."""
    if len(text) > MAX_QUERY_LENGTH:
        raise Invalid(f"{param} is longer than {MAX_QUERY_LENGTH} characters.", param=param)
    words = tuple(dict.fromkeys(word.lower() for word in _WORD.findall(text)))
    if not words:
        raise Invalid(f"{param} needs at least one word (letters or digits).", param=param)
    return TextSearch(words[:MAX_WORDS], include_internal=include_internal)


def matches(ctx: Ctx, search: TextSearch) -> ColumnElement[bool]:
    """A condition on ``Ticket`` for :func:`tickets.repository._filtered`."""
    if search.dialect == "postgresql":
        return _postgresql(ctx, search)
    return _by_substring(ctx, search)


def _text_matches(column: SQLColumnExpression[str], query: str) -> ColumnElement[bool]:
    """``to_tsvector('simple', column) @@ plainto_tsquery('simple', query)``: written out
    so that it is exactly the indexed expression (migration 0004)."""
    config: ColumnElement[Any] = literal_column(f"'{REGCONFIG}'::regconfig")
    document = func.to_tsvector(config, column)
    # The words go into the SQL text (escaped by SQLAlchemy at execution): as a parameter
    # of a prepared statement PostgreSQL soon plans it generically, without knowing how
    # rare the words are, and the search took ~30 ms where its own plan takes ~2 ms.
    words = bindparam(None, query, type_=String(), literal_execute=True)
    return document.bool_op("@@")(func.plainto_tsquery(config, words))


def _postgresql(ctx: Ctx, search: TextSearch) -> ColumnElement[bool]:
    query = " ".join(search.words)  # plainto_tsquery: every word must be there
    in_subjects = select(Ticket.id).where(
        ticket_scope_of(ctx), _text_matches(Ticket.subject, query)
    )
    in_messages = select(Message.ticket_id).where(
        message_scope_of(ctx), _text_matches(Message.body, query)
    )
    if not search.include_internal:
        in_messages = in_messages.where(Message.internal.is_(False))
    return Ticket.id.in_(union(in_subjects, in_messages))


def _by_substring(ctx: Ctx, search: TextSearch) -> ColumnElement[bool]:
    patterns = [contains_pattern(word) for word in search.words]
    in_subject = and_(*(func.lower(Ticket.subject).like(p, escape="\\") for p in patterns))
    in_a_message = exists().where(
        message_scope_of(ctx),
        Message.ticket_id == Ticket.id,
        *(func.lower(Message.body).like(p, escape="\\") for p in patterns),
        *(() if search.include_internal else (Message.internal.is_(False),)),
    )
    return or_(in_subject, in_a_message)
