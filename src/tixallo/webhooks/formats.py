"""What a delivery's body looks like, by its endpoint's payload format.

- ``tixallo``: the outbox event as the v1 API and the event feed show it
  (:func:`tixallo.events.service.event_payload`), built by the worker when it sends.
- ``tacohelp``: ``{"event": type, "timestamp": when it happened, "data": …}`` for receivers
  written against TacoHelp. ``data`` is the ticket exactly as
  ``GET /api/external/tickets/:id`` shows it (``ticket.*``) or the conversation as
  ``GET /api/external/chat/conversations/:id`` does (``chat.*``). The body is rendered at
  fan-out, a snapshot of the ticket or conversation at that moment, and stored on the
  delivery, so every retry and redelivery sends (and signs) the same bytes. TacoHelp has no
  customer object, so ``customer.*`` events are not delivered in this format.

An endpoint's format applies to the deliveries created after it was chosen: each delivery
keeps the body (or, for ``tixallo``, the absence of one) it was created with.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from tixallo import clock
from tixallo.clock import isoformat
from tixallo.context import Ctx
from tixallo.errors import Invalid, NotFound
from tixallo.tacohelp.documents import conversation_document, ticket_document
from tixallo.webhooks import repository, signing
from tixallo.webhooks.models import FORMATS, TACOHELP
from tixallo.webhooks.subscriptions import ALL_EVENTS

log = logging.getLogger("tixallo.webhooks")

# Event types with no TacoHelp shape: never delivered to a tacohelp endpoint.
NO_TACOHELP_SHAPE = ("customer.",)
TEST_MESSAGE = "A test event sent from Tixallo."


def check_format(value: str, *, param: str = "format") -> str:
    if value not in FORMATS:
        raise Invalid(f"format must be one of: {', '.join(FORMATS)}.", param=param)
    return value


def check_events_for_format(payload_format: str, events: list[str]) -> None:
    """A tacohelp endpoint cannot name a customer event: it would never receive one. (``*``
    is fine: it means every type that has a TacoHelp shape.)"""
    if payload_format != TACOHELP:
        return
    shapeless = [e for e in events if e != ALL_EVENTS and e.startswith(NO_TACOHELP_SHAPE)]
    if shapeless:
        raise Invalid(
            f"TacoHelp has no customer object, so a tacohelp-format webhook never receives "
            f"{', '.join(shapeless)}; remove them or use the tixallo format.",
            param="events",
        )


def receives(payload_format: str, event_type: str) -> bool:
    return payload_format != TACOHELP or not event_type.startswith(NO_TACOHELP_SHAPE)


def tacohelp_body(event_type: str, at: datetime, data: dict[str, Any]) -> bytes:
    return signing.encode_body({"event": event_type, "timestamp": isoformat(at), "data": data})


def test_body(payload_format: str, *, msg_id: str, workspace_id: str, webhook_id: str) -> bytes:
    """The body of the app's "send test event", in the endpoint's format."""
    at = clock.now()
    if payload_format == TACOHELP:
        return tacohelp_body("webhook.test", at, {"webhookId": webhook_id, "message": TEST_MESSAGE})
    return signing.encode_body(
        {
            "id": msg_id,
            "type": "webhook.test",
            "created_at": isoformat(at),
            "workspace_id": workspace_id,
            "data": {"webhook_id": webhook_id, "message": TEST_MESSAGE},
        }
    )


def _subject(event_type: str, data: dict[str, Any]) -> tuple[str, str] | None:
    """("ticket" | "conversation", id) of the object a ticket.* or chat.* event is about;
    None for a type with no TacoHelp shape."""
    if event_type.startswith("ticket."):
        ticket: dict[str, Any] = data.get("ticket", data)  # a message's event carries it
        return "ticket", str(ticket["id"])
    if event_type.startswith("chat."):
        # chat.message.created: the data is the message, with its conversation's id.
        return "conversation", str(data.get("conversation_id", data["id"]))
    return None


class EventRef(Protocol):
    """What rendering needs of an outbox event (a row of the fan-out, or the model)."""

    @property
    def id(self) -> str: ...
    @property
    def workspace_id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class Rendered:
    """Tacohelp bodies by event id. An event in ``gone`` is about a ticket or conversation
    that no longer exists: it has no tacohelp delivery. An event in neither could not be
    rendered now (a bug or a database error): its delivery is made without a body and the
    worker renders it when it sends, so one bad event never holds up the others."""

    bodies: dict[str, bytes] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)


async def tacohelp_bodies(session: AsyncSession, events: Sequence[EventRef]) -> Rendered:
    """The tacohelp body of each event (rows of ``id, workspace_id, type, created_at``).
    Each ticket or conversation is loaded once per call, in its own workspace."""
    data = await repository.event_data(session, [e.id for e in events])
    documents: dict[tuple[str, str, str], dict[str, Any] | None] = {}
    rendered = Rendered()
    for event in events:
        try:
            subject = _subject(event.type, data[event.id])
            if subject is None:
                continue
            kind, subject_id = subject
            key = (event.workspace_id, kind, subject_id)
            if key not in documents:
                ctx = Ctx(event.workspace_id)
                documents[key] = await _document(session, ctx, kind, subject_id)
            document = documents[key]
            if document is None:
                log.warning("no tacohelp payload for event %s: its %s is gone", event.id, kind)
                rendered.gone.add(event.id)
                continue
            rendered.bodies[event.id] = tacohelp_body(event.type, event.created_at, document)
        except Exception:
            # Rendered again by the worker at send time; the failure shows in that
            # delivery's attempts instead of stopping every other event's fan-out.
            log.exception("the tacohelp payload of event %s could not be rendered", event.id)
    return rendered


class PayloadUnavailable(Exception):
    """A tacohelp body that cannot be rendered; the message is safe to show in the log."""


async def body_at_send_time(session: AsyncSession, event: EventRef) -> bytes:
    """The tacohelp body of a delivery that got none at fan-out, rendered now. Raises
    :class:`PayloadUnavailable` (with the reason the delivery's log shows) if it cannot be."""
    try:
        rendered = await tacohelp_bodies(session, [event])
    except Exception as exc:  # the event's data could not even be read
        raise PayloadUnavailable("the tacohelp payload could not be built") from exc
    if event.id in rendered.bodies:
        return rendered.bodies[event.id]
    if event.id in rendered.gone:
        raise PayloadUnavailable("the ticket or conversation of this event no longer exists")
    raise PayloadUnavailable("the tacohelp payload could not be built (see the server log)")


async def _document(
    session: AsyncSession, ctx: Ctx, kind: str, subject_id: str
) -> dict[str, Any] | None:
    try:
        if kind == "ticket":
            return await ticket_document(session, ctx, subject_id)
        return await conversation_document(session, ctx, subject_id)
    except NotFound:
        return None
