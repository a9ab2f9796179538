"""merge the agent app, tag keyset, event feed and webhook branches

Revision ID: 0002
Revises: a1_web, b1_tag_keyset, f1_feed, w1_webhooks
"""

from collections.abc import Sequence

revision: str = "0002"
down_revision: str | Sequence[str] | None = ("a1_web", "b1_tag_keyset", "f1_feed", "w1_webhooks")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
