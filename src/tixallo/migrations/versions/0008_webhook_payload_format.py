"""webhook endpoints choose their payload format; tacohelp deliveries keep their body

``webhook_endpoints.format`` is ``tixallo`` (the event as the v1 API shows it, as before) or
``tacohelp`` (``{"event", "timestamp", "data"}`` with ``data`` in TacoHelp's documented shape,
for receivers written against TacoHelp; issue 14). Existing endpoints become ``tixallo``: what
they receive does not change.

``webhook_deliveries.body`` holds the body rendered at fan-out for a ``tacohelp`` endpoint (a
snapshot of the ticket or conversation then), so every retry sends, and signs, the same bytes.
NULL for ``tixallo`` deliveries, whose body is built from the outbox event as before.
``webhook_deliveries.format`` is the endpoint's format when the delivery was made (existing
deliveries: ``tixallo``), so a format change applies to new deliveries only, and a tacohelp
delivery whose body could not be rendered at fan-out is rendered by the worker instead.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch_op:
        batch_op.add_column(
            sa.Column("format", sa.String(length=16), nullable=False, server_default="tixallo")
        )
    with op.batch_alter_table("webhook_deliveries") as batch_op:
        batch_op.add_column(
            sa.Column("format", sa.String(length=16), nullable=False, server_default="tixallo")
        )
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch_op:
        batch_op.drop_column("body")
        batch_op.drop_column("format")
    with op.batch_alter_table("webhook_endpoints") as batch_op:
        batch_op.drop_column("format")
