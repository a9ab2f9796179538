"""Which event types an endpoint may subscribe to and receive.

A webhook is another way of reading events, so it follows the feed's rule
(:func:`tixallo.events.feed.readable_types`): an API key may subscribe an endpoint only to
the event types its scopes could read, otherwise ``webhooks:write`` alone would read every
ticket, customer and chat (issue 13, item 1). Admins in the app and the CLI act with every
scope. The endpoint remembers the key that subscribed it (``created_by_key_id``) and fan-out
delivers only what that key may read, so a subscription stored by any other path still
cannot widen it.
"""

from __future__ import annotations

from collections.abc import Collection

from tixallo.context import Ctx
from tixallo.errors import Forbidden, Invalid
from tixallo.events.feed import readable_types, scope_for
from tixallo.events.service import EVENT_TYPES

ALL_EVENTS = "*"


def check_events(events: list[str], *, param: str = "events") -> list[str]:
    """At least one known event type (or ``*``), duplicates dropped, order kept."""
    if not events:
        raise Invalid("events must name at least one event type.", param=param)
    clean: list[str] = []
    for name in events:
        name = name.strip()
        if name != ALL_EVENTS and name not in EVENT_TYPES:
            raise Invalid(
                f"Unknown event type {name!r}. Known: {', '.join(EVENT_TYPES)}, or '*'.",
                param=param,
            )
        if name not in clean:
            clean.append(name)
    return clean


def _missing_scopes(types: Collection[str], ctx: Ctx) -> str:
    return ", ".join(sorted({scope_for(t) for t in types if not ctx.has_scope(scope_for(t))}))


def check_readable(ctx: Ctx, events: list[str], *, param: str = "events") -> None:
    """Raise Forbidden (403) unless ``ctx`` may read every type in ``events``.

    ``*`` means every event type, those added in later versions included, so it needs every
    read scope; a key with fewer is told which types it can list instead (``*`` is not
    quietly narrowed: a stored ``*`` would then mean different things on different
    endpoints).
    """
    readable = readable_types(ctx.scopes)
    if ALL_EVENTS in events:
        if len(readable) == len(EVENT_TYPES):
            return
        missing = _missing_scopes(EVENT_TYPES, ctx)
        instead = ", ".join(readable) if readable else "none"
        raise Forbidden(
            f"'*' subscribes to every event type, which needs the {missing} scope(s) this API "
            f"key lacks. List the types it can read instead: {instead}.",
            param=param,
        )
    unreadable = [t for t in events if t not in readable]
    if unreadable:
        raise Forbidden(
            f"Subscribing to {', '.join(unreadable)} needs the {_missing_scopes(unreadable, ctx)}"
            " scope(s), which this API key lacks: a webhook receives only what its key could "
            "read.",
            param=param,
        )


def receives(
    endpoint_events: list[str], key_scopes: Collection[str] | None, event_type: str
) -> bool:
    """Whether an endpoint gets an event: subscribed to it, and, when a key subscribed the
    endpoint (``key_scopes`` not None), the key may read it."""
    if ALL_EVENTS not in endpoint_events and event_type not in endpoint_events:
        return False
    return key_scopes is None or event_type in readable_types(key_scopes)
