"""the feed position index is not unique (no key-update locks while sequencing)

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_index("ix_events_feed")
        batch_op.create_index("ix_events_feed", ["workspace_id", "position"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_index("ix_events_feed")
        batch_op.create_index("ix_events_feed", ["workspace_id", "position"], unique=True)
