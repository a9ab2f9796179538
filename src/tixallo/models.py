"""Imports every model so ``Base.metadata`` is complete (Alembic and tests use it)."""

from tixallo.auth.models import ApiKey
from tixallo.chat.models import ChatMessage, Conversation
from tixallo.customers.models import Company, Customer
from tixallo.db import Base
from tixallo.events.models import Event, FeedCounter
from tixallo.idempotency.models import IdempotencyRecord
from tixallo.server_secrets import ServerSecret
from tixallo.tickets.models import Message, Ticket, TicketTag
from tixallo.web.models import WebSession
from tixallo.webhooks import models as _webhooks  # noqa: F401  (webhook tables)
from tixallo.workspaces.models import Inbox, Invite, Member, User, Workspace

__all__ = [
    "ApiKey",
    "Base",
    "ChatMessage",
    "Company",
    "Conversation",
    "Customer",
    "Event",
    "FeedCounter",
    "IdempotencyRecord",
    "Inbox",
    "Invite",
    "Member",
    "Message",
    "ServerSecret",
    "Ticket",
    "TicketTag",
    "User",
    "WebSession",
    "Workspace",
]
