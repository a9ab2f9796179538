"""ticket_tags carry their ticket's created_at, so a tag filter pages by keyset on one index

Without it, listing the tickets of a rare tag newest-first either walks the whole created_at
index of the workspace or hash-joins over every ticket (a sequential scan at scale). With
(workspace_id, tag, created_at, ticket_id) the tag's index alone yields the page in order.
A ticket's created_at never changes, so the copy cannot drift.

Revision ID: b1_tag_keyset
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tixallo.db

revision: str = "b1_tag_keyset"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_tags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_at", tixallo.db.UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE ticket_tags SET created_at = "
        "(SELECT tickets.created_at FROM tickets WHERE tickets.id = ticket_tags.ticket_id)"
    )
    with op.batch_alter_table("ticket_tags", schema=None) as batch_op:
        batch_op.alter_column("created_at", existing_type=tixallo.db.UTCDateTime(), nullable=False)
        batch_op.create_index(
            "ix_ticket_tags_keyset", ["workspace_id", "tag", "created_at", "ticket_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_tags_keyset")
        batch_op.drop_column("created_at")
