"""The outbox: one row per state change, written in the change's own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tixallo.db import Base, UTCDateTime


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_workspace", "workspace_id", "created_at", "id"),
        # Not unique on purpose: the sequencer already hands out each position once, and a
        # unique index would make its UPDATE a "key" update whose row lock conflicts with the
        # FOR KEY SHARE locks of rows inserted with a foreign key to events (a deadlock with
        # the webhook fan-out on PostgreSQL).
        Index("ix_events_feed", "workspace_id", "position"),
        # The sequencer's work list, per workspace (see events/feed.py).
        Index(
            "ix_events_unsequenced",
            "workspace_id",
            "created_at",
            "id",
            postgresql_where="position IS NULL",
            sqlite_where="position IS NULL",
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64))
    # The resource as the v1 API shows it, frozen at the time of the change.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # For *.updated events: {field: [old, new]} for each field that changed.
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Feed position within the workspace (1, 2, 3 … per workspace), given by the sequencer
    # only after the event's transaction committed, so positions grow in commit order and a
    # reader paging by position never skips one. Per workspace, so that a workspace's cursors
    # say nothing about how much happened in the others.
    position: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class FeedCounter(Base):
    """The last feed position handed out in one workspace. Its row lock serialises the
    sequencers of that workspace only (positions become visible in increasing order), so
    busy workspaces do not wait for each other. Created by the first sequencer that needs it.

    A table of its own rather than a column of ``workspaces``: ticket creation holds the
    workspace row's lock until it commits (``ticket_seq``), and the sequencer must never wait
    for a writer's open transaction."""

    __tablename__ = "feed_counters"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    last_position: Mapped[int] = mapped_column(BigInteger, default=0)
