"""Chat conversations, webhooks and the event feed (the rest of :mod:`resources`)."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import Any, Literal, cast

from tixallo.client.resources import UNSET, _Resource, _sent
from tixallo.client.types import ChatMessage, Conversation, Delivery, Event, Page, Ticket, Webhook


class Conversations(_Resource):
    _base = "/chat/conversations"

    def list(
        self,
        *,
        status: Literal["active", "ended"] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Conversation]:
        return self._t.page(self._base, {"status": status, "limit": limit, "cursor": cursor})

    def list_all(
        self, *, status: Literal["active", "ended"] | None = None
    ) -> Iterator[Conversation]:
        return cast(
            Iterator[Conversation], self._t.iterate(self._base, {"status": status, "limit": 100})
        )

    def get(self, conversation_id: str) -> Conversation:
        return cast(Conversation, self._t.request("GET", f"{self._base}/{conversation_id}")["data"])

    def start(
        self,
        *,
        visitor_email: str,
        visitor_name: str | None = None,
        idempotency_key: str | None = None,
    ) -> Conversation:
        payload: dict[str, Any] = {"visitor_email": visitor_email}
        if visitor_name is not None:
            payload["visitor_name"] = visitor_name
        answer = self._t.request("POST", self._base, json=payload, idempotency_key=idempotency_key)
        return cast(Conversation, answer["data"])

    def end(self, conversation_id: str) -> Conversation:
        """Ending twice changes nothing."""
        answer = self._t.request(
            "PATCH", f"{self._base}/{conversation_id}", json={"status": "ended"}
        )
        return cast(Conversation, answer["data"])

    def list_messages(
        self, conversation_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[ChatMessage]:
        return self._t.page(
            f"{self._base}/{conversation_id}/messages", {"limit": limit, "cursor": cursor}
        )

    def list_all_messages(self, conversation_id: str) -> Iterator[ChatMessage]:
        return cast(
            Iterator[ChatMessage],
            self._t.iterate(f"{self._base}/{conversation_id}/messages", {"limit": 100}),
        )

    def send_message(
        self,
        conversation_id: str,
        *,
        content: str,
        sender_type: Literal["visitor", "agent"],
        sender_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> ChatMessage:
        payload: dict[str, Any] = {"content": content, "sender_type": sender_type}
        if sender_id is not None:
            payload["sender_id"] = sender_id
        answer = self._t.request(
            "POST",
            f"{self._base}/{conversation_id}/messages",
            json=payload,
            idempotency_key=idempotency_key,
        )
        return cast(ChatMessage, answer["data"])

    def create_ticket(
        self,
        conversation_id: str,
        *,
        subject: str | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        """A ticket whose first message is the transcript (one per conversation)."""
        payload = {"subject": subject} if subject is not None else {}
        answer = self._t.request(
            "POST",
            f"{self._base}/{conversation_id}/ticket",
            json=payload,
            idempotency_key=idempotency_key,
        )
        return cast(Ticket, answer["data"])


class Chat:
    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations


class Webhooks(_Resource):
    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Webhook]:
        return self._t.page("/webhooks", {"limit": limit, "cursor": cursor})

    def list_all(self) -> Iterator[Webhook]:
        return cast(Iterator[Webhook], self._t.iterate("/webhooks", {"limit": 100}))

    def get(self, webhook_id: str) -> Webhook:
        return cast(Webhook, self._t.request("GET", f"/webhooks/{webhook_id}")["data"])

    def create(
        self,
        *,
        url: str,
        events: builtins.list[str],
        description: str | None = None,
        enabled: bool | None = None,
        idempotency_key: str | None = None,
    ) -> Webhook:
        """The answer carries ``secret``; keep it, it is not shown again."""
        payload: dict[str, Any] = {"url": url, "events": events}
        if description is not None:
            payload["description"] = description
        if enabled is not None:
            payload["enabled"] = enabled
        answer = self._t.request("POST", "/webhooks", json=payload, idempotency_key=idempotency_key)
        return cast(Webhook, answer["data"])

    def update(
        self,
        webhook_id: str,
        *,
        url: str = UNSET,
        events: builtins.list[str] = UNSET,
        description: str = UNSET,
        enabled: bool = UNSET,
    ) -> Webhook:
        payload = _sent(url=url, events=events, description=description, enabled=enabled)
        return cast(
            Webhook, self._t.request("PATCH", f"/webhooks/{webhook_id}", json=payload)["data"]
        )

    def delete(self, webhook_id: str) -> None:
        self._t.request("DELETE", f"/webhooks/{webhook_id}")

    def rotate_secret(self, webhook_id: str, *, idempotency_key: str | None = None) -> Webhook:
        """The answer carries the new ``secret``."""
        answer = self._t.request(
            "POST", f"/webhooks/{webhook_id}/rotate_secret", idempotency_key=idempotency_key
        )
        return cast(Webhook, answer["data"])

    def enable(self, webhook_id: str, *, idempotency_key: str | None = None) -> Webhook:
        answer = self._t.request(
            "POST", f"/webhooks/{webhook_id}/enable", idempotency_key=idempotency_key
        )
        return cast(Webhook, answer["data"])

    def list_deliveries(
        self,
        webhook_id: str,
        *,
        status: Literal["pending", "succeeded", "failed"] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Delivery]:
        params = {"status": status, "limit": limit, "cursor": cursor}
        return self._t.page(f"/webhooks/{webhook_id}/deliveries", params)

    def list_all_deliveries(
        self, webhook_id: str, *, status: Literal["pending", "succeeded", "failed"] | None = None
    ) -> Iterator[Delivery]:
        params = {"status": status, "limit": 100}
        return cast(
            Iterator[Delivery], self._t.iterate(f"/webhooks/{webhook_id}/deliveries", params)
        )

    def redeliver(
        self, webhook_id: str, delivery_id: str, *, idempotency_key: str | None = None
    ) -> Delivery:
        answer = self._t.request(
            "POST",
            f"/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
            idempotency_key=idempotency_key,
        )
        return cast(Delivery, answer["data"])


class Events(_Resource):
    def list(
        self,
        *,
        after: str | None = None,
        types: builtins.list[str] | None = None,
        limit: int | None = None,
    ) -> Page[Event]:
        """One page of the feed, oldest first. Keep ``next_cursor`` (always set) and pass it as
        ``after`` next time to see every event exactly once."""
        params = {"after": after, "types": ",".join(types) if types else None, "limit": limit}
        return self._t.page("/events", params)

    def list_all(
        self, *, after: str | None = None, types: builtins.list[str] | None = None
    ) -> Iterator[Event]:
        """Every event after ``after`` up to now (stops when the feed has no more)."""
        params = {"after": after, "types": ",".join(types) if types else None, "limit": 100}
        return cast(Iterator[Event], self._t.iterate("/events", params, cursor_param="after"))
