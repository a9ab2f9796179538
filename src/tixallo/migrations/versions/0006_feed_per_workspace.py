"""feed positions per workspace; server secrets (the feed-cursor signing key)

Positions were counted across all workspaces, so the gap between two of a workspace's
cursors told how many events the other workspaces had recorded in between. Each
workspace now counts its own (``feed_counters``), which also lets workspaces be
sequenced without waiting for each other.

Existing positions are renumbered 1, 2, 3 … within each workspace, in their old order
(which was commit order), and each workspace's counter starts at its last position.
Events not yet sequenced keep no position and are sequenced by the new counters. Cursors
handed out before this migration hold the old global positions; the feed refuses them (they
are also unsigned, see events/cursor.py).

The downgrade numbers positions globally again, workspace after workspace: each
workspace's order is kept, which is all the old feed (filtered by workspace) relied on.

Revision ID: 0006
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tixallo.db

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# row_number() in UPDATE … FROM: PostgreSQL, and SQLite since 3.33 (Python ships newer).
RENUMBER_PER_WORKSPACE = """
UPDATE events SET position = numbered.n
FROM (
    SELECT id, row_number() OVER (PARTITION BY workspace_id ORDER BY position) AS n
    FROM events WHERE position IS NOT NULL
) AS numbered
WHERE events.id = numbered.id
"""
RENUMBER_GLOBALLY = """
UPDATE events SET position = numbered.n
FROM (
    SELECT id, row_number() OVER (ORDER BY workspace_id, position) AS n
    FROM events WHERE position IS NOT NULL
) AS numbered
WHERE events.id = numbered.id
"""


def upgrade() -> None:
    op.create_table(
        "feed_counters",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("last_position", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_feed_counters_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_feed_counters")),
    )
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", tixallo.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )
    op.execute(RENUMBER_PER_WORKSPACE)
    op.execute(
        "INSERT INTO feed_counters (workspace_id, last_position) "
        "SELECT workspace_id, max(position) FROM events "
        "WHERE position IS NOT NULL GROUP BY workspace_id"
    )
    op.drop_table("feed_sequence")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_index("ix_events_unsequenced")
        batch_op.create_index(
            "ix_events_unsequenced",
            ["workspace_id", "created_at", "id"],
            postgresql_where=sa.text("position IS NULL"),
            sqlite_where=sa.text("position IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_index("ix_events_unsequenced")
        batch_op.create_index(
            "ix_events_unsequenced",
            ["created_at", "id"],
            postgresql_where=sa.text("position IS NULL"),
            sqlite_where=sa.text("position IS NULL"),
        )
    op.execute(RENUMBER_GLOBALLY)
    feed_sequence = op.create_table(
        "feed_sequence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_sequence")),
    )
    op.bulk_insert(feed_sequence, [{"id": 1, "last_position": 0}])
    op.execute(
        "UPDATE feed_sequence SET last_position = "
        "(SELECT coalesce(max(position), 0) FROM events) WHERE id = 1"
    )
    op.drop_table("server_secrets")
    op.drop_table("feed_counters")
