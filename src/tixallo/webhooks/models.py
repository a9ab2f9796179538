"""Webhook endpoints, their deliveries (one per endpoint and event) and the attempt log.

The worker reads across workspaces, so the two indexes it uses (due deliveries, the fan-out
log) lead with the columns it filters on; every index a tenant reads through leads with
``workspace_id``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tixallo.db import Base, UTCDateTime
from tixallo.events.models import Event

PENDING = "pending"
SUCCEEDED = "succeeded"
FAILED = "failed"
DELIVERY_STATUSES = (PENDING, SUCCEEDED, FAILED)

# Payload formats (formats.py): the event as v1 shows it, or TacoHelp's documented shape.
TIXALLO = "tixallo"
TACOHELP = "tacohelp"
FORMATS = (TIXALLO, TACOHELP)


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        Index("ix_webhook_endpoints_workspace", "workspace_id", "created_at", "id"),
        Index("ix_webhook_endpoints_enabled", "enabled", "lease_until"),
        Index("ix_webhook_endpoints_key", "workspace_id", "created_by_key_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(500), default="")
    # Event types this endpoint receives; "*" means every type.
    events: Mapped[list[str]] = mapped_column(JSON)
    # What the body looks like (FORMATS). A change applies to deliveries created after it:
    # a tacohelp delivery's body is rendered once, at fan-out.
    format: Mapped[str] = mapped_column(String(16), default=TIXALLO, server_default=TIXALLO)
    # The signing secret, sealed with TIXALLO_SECRET_KEY (see sealing.py); never returned
    # except on create and rotate.
    secret_sealed: Mapped[str] = mapped_column(String(300))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # A worker owns an endpoint while it sends to it: one sender per endpoint keeps its
    # events in order and never sends one attempt twice. A killed worker's lease expires.
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The API key that created the endpoint or last chose its url, events or re-enabled it:
    # deliveries are held to the event types that key may read. NULL = made by an admin in
    # the app or the CLI (or before migration 0007): every subscribed type. No foreign key,
    # see migration 0007.
    created_by_key_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_due", "endpoint_id", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_workspace", "workspace_id", "endpoint_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(64))
    # With event_id, orders an endpoint's deliveries by the events' creation.
    event_created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    # Attempts since the delivery was (re)queued; indexes the retry schedule.
    round_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The endpoint's format when the delivery was made: a later change of the endpoint's
    # format applies to new deliveries only.
    format: Mapped[str] = mapped_column(String(16), default=TIXALLO, server_default=TIXALLO)
    # The body rendered at fan-out for a tacohelp delivery, sent (and signed) as is on every
    # attempt; NULL for tixallo deliveries, whose body is the outbox event's, and for a
    # tacohelp delivery whose body could not be rendered at fan-out (the worker renders it
    # when it sends, so the failure shows, and retries, in the delivery's own log).
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"
    __table_args__ = (
        Index("ix_webhook_attempts_delivery", "workspace_id", "delivery_id", "attempted_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer)


class WebhookFanout(Base):
    """Outbox events already turned into deliveries (kept for the sweep window, then pruned)."""

    __tablename__ = "webhook_fanout"
    __table_args__ = (Index("ix_webhook_fanout_created", "event_created_at"),)

    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    event_created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookFanoutState(Base):
    """One row. Every event created before ``swept_until`` has been fanned out; the row is
    also the lock that lets one worker at a time fan out on PostgreSQL."""

    __tablename__ = "webhook_fanout_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    swept_until: Mapped[datetime] = mapped_column(UTCDateTime)


# The fan-out sweep walks recent events by time across workspaces; the outbox's own index
# leads with workspace_id, so this one is declared here, next to the reader that needs it.
Index("ix_events_created_at", Event.created_at, Event.id)
