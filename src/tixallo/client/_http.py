"""The transport under every client method: auth header, retries with backoff, errors.

Retried: 429 (waiting what ``Retry-After`` says), 500/502/503/504, and connection errors or
timeouts. A POST carries an ``Idempotency-Key`` (a fresh uuid4 unless the caller gave one)
that stays the same on every retry of that call, so a retried create never creates twice.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, cast

import httpx

from tixallo.client.errors import TixalloError
from tixallo.client.types import Page

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "tixallo-python"


class Transport:
    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        timeout: float,
        max_retries: int,
        backoff: float,
        max_backoff: float,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base = base_url.rstrip("/") + "/api/v1"
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self._owns_http = http is None
        self.http = http or httpx.Client(timeout=timeout)
        self.headers = {"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT}

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        """Retry-After when the server gave one, else exponential backoff with full jitter."""
        if response is not None:
            retry_after = response.headers.get("retry-after")
            if retry_after is not None:
                try:
                    return min(max(float(retry_after), 0.0), self.max_backoff)
                except ValueError:
                    pass
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Send, retrying what is safe to retry; answer the decoded JSON (None for 204)."""
        headers = dict(self.headers)
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        clean = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        attempt = 0
        while True:
            response: httpx.Response | None = None
            try:
                response = self.http.request(
                    method, self.base + path, params=clean, json=json, headers=headers
                )
            except httpx.TransportError:
                if attempt >= self.max_retries:
                    raise
            else:
                if response.status_code < 400:
                    return None if response.status_code == 204 else response.json()
                if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                    raise _error(response)
            self.sleep(self._delay(attempt, response))
            attempt += 1

    def page(self, path: str, params: Mapping[str, Any]) -> Page[Any]:
        body = self.request("GET", path, params=params)
        return Page(
            data=list(body["data"]),
            has_more=bool(body["has_more"]),
            next_cursor=body["next_cursor"],
        )

    def iterate(
        self, path: str, params: Mapping[str, Any], *, cursor_param: str = "cursor"
    ) -> Iterator[Any]:
        """Every item of every page, fetching the next page only when needed."""
        query = dict(params)
        while True:
            page = self.page(path, query)
            yield from page.data
            if not page.has_more or page.next_cursor is None:
                return
            query[cursor_param] = page.next_cursor


def _param(value: Any) -> Any:
    """Query values as the API reads them: times in ISO 8601 (naive ones are refused by the
    server, as they should be), booleans as true/false."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _error(response: httpx.Response) -> TixalloError:
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    return TixalloError.from_response(
        response.status_code, body, cast(dict[str, str], dict(response.headers))
    )
