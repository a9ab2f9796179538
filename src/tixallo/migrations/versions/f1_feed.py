"""event feed positions

Revision ID: f1_feed
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1_feed"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("position", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_events_feed", ["workspace_id", "position"], unique=True)
        batch_op.create_index(
            "ix_events_unsequenced",
            ["created_at", "id"],
            postgresql_where=sa.text("position IS NULL"),
            sqlite_where=sa.text("position IS NULL"),
        )
    feed_sequence = op.create_table(
        "feed_sequence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_sequence")),
    )
    op.bulk_insert(feed_sequence, [{"id": 1, "last_position": 0}])


def downgrade() -> None:
    op.drop_table("feed_sequence")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_index("ix_events_unsequenced")
        batch_op.drop_index("ix_events_feed")
        batch_op.drop_column("position")
