"""full-text search indexes on ticket subjects and message bodies (PostgreSQL)

GIN indexes on ``to_tsvector('simple', …)``, the exact expressions tickets/search.py
queries. The embedded SQLite database searches by substring and needs no index.

On a large existing database these builds lock writes to the two tables while they run;
to avoid that, create the same indexes beforehand with ``CREATE INDEX CONCURRENTLY``
(this migration then skips them).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Index name -> (table, column); kept out of the models (they are PostgreSQL-only
# expression indexes) and out of the schema comparison (tests/migrations).
SEARCH_INDEXES = {
    "ix_tickets_search": ("tickets", "subject"),
    "ix_messages_search": ("messages", "body"),
}


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for name, (table, column) in SEARCH_INDEXES.items():
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (to_tsvector('simple', {column}))"
        )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for name in SEARCH_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
