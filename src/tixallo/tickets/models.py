"""Tickets and their messages (public replies and internal notes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tixallo.db import Base, UTCDateTime

STATUSES = ("open", "in_progress", "waiting", "resolved", "closed")
# Still to be worked on, and done with: the queue's views, the dashboard and reopening use these.
OPEN_STATUSES = ("open", "in_progress", "waiting")
CLOSED_STATUSES = ("resolved", "closed")
PRIORITIES = ("low", "medium", "high", "urgent")
SOURCES = ("api", "app", "chat", "email")


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        # Every list query is keyset-paginated on one of these, led by workspace_id.
        Index("ix_tickets_created", "workspace_id", "created_at", "id"),
        Index("ix_tickets_updated", "workspace_id", "updated_at", "id"),
        Index("ix_tickets_status", "workspace_id", "status", "created_at", "id"),
        Index("ix_tickets_priority", "workspace_id", "priority", "created_at", "id"),
        Index("ix_tickets_assignee", "workspace_id", "assignee_id", "created_at", "id"),
        Index("ix_tickets_customer", "workspace_id", "customer_id", "created_at", "id"),
        Index("ix_tickets_inbox", "workspace_id", "inbox_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16))
    # Kept here for reading in one row; ticket_tags holds the same tags for filtering.
    tags: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(16))
    inbox_id: Mapped[str] = mapped_column(ForeignKey("inboxes.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    assignee_id: Mapped[str | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketTag(Base):
    __tablename__ = "ticket_tags"
    __table_args__ = (
        Index("ix_ticket_tags_tag", "workspace_id", "tag", "ticket_id"),
        # A tag filter pages newest first on this index alone (see list_tickets_statement).
        Index("ix_ticket_tags_keyset", "workspace_id", "tag", "created_at", "ticket_id"),
    )

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    ticket_id: Mapped[str] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The ticket's created_at (which never changes), copied for keyset paging by tag.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_ticket", "workspace_id", "ticket_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author_customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id"), nullable=True
    )
    author_member_id: Mapped[str | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    body: Mapped[str] = mapped_column(Text)
    # Internal notes are for agents only: no public API, webhook or export ever shows them.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
