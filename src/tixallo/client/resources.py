"""One class per v1 resource; each method is one endpoint (see docs/api-reference.md)."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from datetime import datetime
from typing import Any, cast

from tixallo.client._http import Transport
from tixallo.client.types import (
    Company,
    Customer,
    Inbox,
    Message,
    Page,
    Priority,
    Status,
    Ticket,
)


class _Unset:
    """Marks an argument that was not given (``None`` itself means "clear it")."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def _sent(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not UNSET}


class _Resource:
    def __init__(self, transport: Transport) -> None:
        self._t = transport


class Tickets(_Resource):
    def list(
        self,
        *,
        status: Status | None = None,
        priority: Priority | None = None,
        tag: str | None = None,
        assignee_id: str | None = None,
        customer_email: str | None = None,
        inbox_id: str | None = None,
        updated_since: str | datetime | None = None,
        sort: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Ticket]:
        """One page, newest first (``sort="updated_at"``: oldest change first)."""
        params = {k: v for k, v in locals().items() if k != "self"}
        return self._t.page("/tickets", params)

    def list_all(
        self,
        *,
        status: Status | None = None,
        priority: Priority | None = None,
        tag: str | None = None,
        assignee_id: str | None = None,
        customer_email: str | None = None,
        inbox_id: str | None = None,
        updated_since: str | datetime | None = None,
        sort: str | None = None,
        limit: int | None = 100,
    ) -> Iterator[Ticket]:
        """Every matching ticket, following ``next_cursor`` page after page."""
        params = {k: v for k, v in locals().items() if k != "self"}
        return cast(Iterator[Ticket], self._t.iterate("/tickets", params))

    def get(self, ticket_id: str) -> Ticket:
        return cast(Ticket, self._t.request("GET", f"/tickets/{ticket_id}")["data"])

    def create(
        self,
        *,
        subject: str,
        customer_email: str,
        customer_name: str | None = None,
        body: str | None = None,
        priority: Priority | None = None,
        tags: builtins.list[str] | None = None,
        inbox_id: str | None = None,
        assignee_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        customer: dict[str, Any] = {"email": customer_email}
        if customer_name is not None:
            customer["name"] = customer_name
        payload = {
            k: v
            for k, v in {
                "subject": subject,
                "body": body,
                "customer": customer,
                "priority": priority,
                "tags": tags,
                "inbox_id": inbox_id,
                "assignee_id": assignee_id,
            }.items()
            if v is not None
        }
        answer = self._t.request("POST", "/tickets", json=payload, idempotency_key=idempotency_key)
        return cast(Ticket, answer["data"])

    def update(
        self,
        ticket_id: str,
        *,
        subject: str = UNSET,
        status: Status = UNSET,
        priority: Priority = UNSET,
        assignee_id: str | None = UNSET,
        tags: builtins.list[str] = UNSET,
    ) -> Ticket:
        """Change only the fields given; ``assignee_id=None`` unassigns."""
        payload = _sent(
            subject=subject, status=status, priority=priority, assignee_id=assignee_id, tags=tags
        )
        return cast(Ticket, self._t.request("PATCH", f"/tickets/{ticket_id}", json=payload)["data"])

    def list_messages(
        self, ticket_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Message]:
        """Public messages, oldest first (internal notes are never returned)."""
        return self._t.page(f"/tickets/{ticket_id}/messages", {"limit": limit, "cursor": cursor})

    def list_all_messages(self, ticket_id: str) -> Iterator[Message]:
        return cast(
            Iterator[Message], self._t.iterate(f"/tickets/{ticket_id}/messages", {"limit": 100})
        )

    def create_message(
        self,
        ticket_id: str,
        *,
        body: str,
        author_email: str | None = None,
        idempotency_key: str | None = None,
    ) -> Message:
        payload: dict[str, Any] = {"body": body}
        if author_email is not None:
            payload["author_email"] = author_email
        answer = self._t.request(
            "POST", f"/tickets/{ticket_id}/messages", json=payload, idempotency_key=idempotency_key
        )
        return cast(Message, answer["data"])

    def merge(
        self, ticket_id: str, *, target_id: str, idempotency_key: str | None = None
    ) -> Ticket:
        """Merge ``ticket_id`` into ``target_id``; answers the target."""
        answer = self._t.request(
            "POST",
            f"/tickets/{ticket_id}/merge",
            json={"target_id": target_id},
            idempotency_key=idempotency_key,
        )
        return cast(Ticket, answer["data"])


class Customers(_Resource):
    def list(
        self,
        *,
        email: str | None = None,
        company_id: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Customer]:
        params = {"email": email, "company_id": company_id, "limit": limit, "cursor": cursor}
        return self._t.page("/customers", params)

    def list_all(
        self, *, email: str | None = None, company_id: str | None = None
    ) -> Iterator[Customer]:
        params = {"email": email, "company_id": company_id, "limit": 100}
        return cast(Iterator[Customer], self._t.iterate("/customers", params))

    def get(self, customer_id: str) -> Customer:
        return cast(Customer, self._t.request("GET", f"/customers/{customer_id}")["data"])

    def upsert(self, *, email: str, name: str | None = None) -> Customer:
        """Create the customer with this email, or find it (and rename it when ``name`` is
        given). A PUT: safe to retry, so it needs no Idempotency-Key."""
        payload: dict[str, Any] = {"email": email}
        if name is not None:
            payload["name"] = name
        return cast(Customer, self._t.request("PUT", "/customers", json=payload)["data"])


class Companies(_Resource):
    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Company]:
        return self._t.page("/companies", {"limit": limit, "cursor": cursor})

    def list_all(self) -> Iterator[Company]:
        return cast(Iterator[Company], self._t.iterate("/companies", {"limit": 100}))

    def get(self, company_id: str) -> Company:
        return cast(Company, self._t.request("GET", f"/companies/{company_id}")["data"])


class Inboxes(_Resource):
    def list(self) -> builtins.list[Inbox]:
        """All inboxes, default first (always one page)."""
        return cast(builtins.list[Inbox], self._t.request("GET", "/inboxes")["data"])

    def get(self, inbox_id: str) -> Inbox:
        return cast(Inbox, self._t.request("GET", f"/inboxes/{inbox_id}")["data"])
