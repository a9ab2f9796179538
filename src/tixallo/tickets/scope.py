"""The workspace conditions of the ticket tables. Every ticket query is scoped by one of these
(or starts from ``repository.tickets_of(ctx)``, which uses them), so the tenant filter of each
table is written once."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from tixallo.context import Ctx
from tixallo.tickets.models import Message, Ticket, TicketTag


def ticket_scope_of(ctx: Ctx) -> ColumnElement[bool]:
    return Ticket.workspace_id == ctx.workspace_id


def message_scope_of(ctx: Ctx) -> ColumnElement[bool]:
    return Message.workspace_id == ctx.workspace_id


def tag_scope_of(ctx: Ctx) -> ColumnElement[bool]:
    return TicketTag.workspace_id == ctx.workspace_id
