"""A Python client for the Tixallo v1 API.

    from tixallo.client import Tixallo

    client = Tixallo(api_key, base_url="http://127.0.0.1:8000")
    ticket = client.tickets.create(subject="Hi", customer_email="ada@example.com")
    for t in client.tickets.list_all(status="open"):
        ...

See docs/python-client.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import httpx

from tixallo.client import webhooks as _webhooks
from tixallo.client._http import Transport
from tixallo.client.errors import TixalloError, WebhookVerificationError
from tixallo.client.resources import Companies, Customers, Inboxes, Tickets
from tixallo.client.resources_more import Chat, Conversations, Events, Webhooks
from tixallo.client.types import Page

__all__ = ["Page", "Tixallo", "TixalloError", "WebhookVerificationError"]


class Tixallo:
    """One API key, one workspace. Thread-safe as far as the underlying ``httpx.Client`` is.

    ``max_retries`` bounds the retries of one call (429, 5xx, connection errors); the wait is
    ``Retry-After`` when the server sends it, else exponential backoff from ``backoff``
    seconds with full jitter, never more than ``max_backoff``.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = "http://127.0.0.1:8000",
        *,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 60.0,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        extra: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
        self._transport = Transport(
            api_key,
            base_url,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            max_backoff=max_backoff,
            http=http_client,
            **extra,
        )
        self.tickets = Tickets(self._transport)
        self.customers = Customers(self._transport)
        self.companies = Companies(self._transport)
        self.inboxes = Inboxes(self._transport)
        self.chat = Chat(Conversations(self._transport))
        self.webhooks = Webhooks(self._transport)
        self.events = Events(self._transport)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Tixallo:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @staticmethod
    def verify_webhook(
        secret: str,
        headers: Mapping[str, str],
        body: bytes | str,
        *,
        tolerance: int = _webhooks.DEFAULT_TOLERANCE_SECONDS,
        now: float | None = None,
    ) -> dict[str, Any]:
        """The payload of a Tixallo webhook request, or :class:`WebhookVerificationError`."""
        return _webhooks.verify_webhook(secret, headers, body, tolerance=tolerance, now=now)
