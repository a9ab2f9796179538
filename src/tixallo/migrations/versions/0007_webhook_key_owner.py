"""webhook endpoints remember the API key that subscribed them

A key may subscribe an endpoint only to event types its scopes can read (issue 13, item 1).
``created_by_key_id`` names the key that created the endpoint or last chose its url or
events, so fan-out can hold deliveries to what that key may read, revoking the key can
disable its endpoints, and rotating it can hand them to the successor.

Endpoints that exist before this migration were made by admins in the app, by the CLI or
by keys whose scopes were never checked; they get NULL, which means "answers to the
workspace's admins": unrestricted, as before. No foreign key: API keys are revoked, never
deleted, and a NULL left by a deleted key would silently widen the endpoint.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch_op:
        batch_op.add_column(sa.Column("created_by_key_id", sa.String(length=40), nullable=True))
        batch_op.create_index(
            "ix_webhook_endpoints_key", ["workspace_id", "created_by_key_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch_op:
        batch_op.drop_index("ix_webhook_endpoints_key")
        batch_op.drop_column("created_by_key_id")
