"""The HTTP protocol ``tixallo serve`` runs: uvicorn's httptools protocol with deadlines.

uvicorn bounds only the idle time between keep-alive requests. A client that opens a
connection and sends nothing, or half a request line, or headers a byte at a time, or a body
slower than it promised, holds a connection (and, with a body, a running request) for as long
as it likes: a few hundred such clients exhaust a server. Here each request has

- a **header deadline** (``TIXALLO_HTTP_HEADER_TIMEOUT_SECONDS``) from the connection's start,
  or from the first byte of a later request on it, until the end of its headers;
- a **body deadline** (``TIXALLO_HTTP_BODY_TIMEOUT_SECONDS``) from the end of the headers until
  the last byte of the body: a whole-body deadline, not an idle one, so trickling does not
  extend it;
- a **header size limit** (``TIXALLO_HTTP_MAX_HEADER_BYTES``, request line included).

A missed deadline answers ``408 Request Timeout`` (if no response has started) and closes the
connection; an oversized head answers ``431``. The connection limit is uvicorn's own
``limit_concurrency`` (``TIXALLO_HTTP_MAX_CONNECTIONS``), which answers 503 beyond it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from tixallo.config import get_settings

PROTOCOL = "tixallo.http_server:TimedHttpProtocol"


class TimedHttpProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read here, in each server process (the class is named by import path so that
        # uvicorn's worker processes can load it).
        settings = get_settings()
        self.header_timeout = settings.http_header_timeout_seconds
        self.body_timeout = settings.http_body_timeout_seconds
        self.max_header_bytes = settings.http_max_header_bytes
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._refused = False
        # True from the end of a request's headers to the end of its body: self.cycle is
        # then that request's; before, it is the previous request's (or None).
        self._reading_body = False

    # --- deadlines -------------------------------------------------------------------------

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._missed_deadline)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _missed_deadline(self) -> None:
        self._deadline = None
        self._refuse(408, "The request was not received in time.")

    def _refuse(self, status: int, message: str) -> None:
        """Answer ``status`` unless a response already started, then close the connection;
        a request already running sees the client as gone."""
        if self.transport.is_closing():
            return
        self._refused = True
        cycle = self.cycle
        answer = (
            not cycle.response_started
            if self._reading_body
            else cycle is None or cycle.response_complete  # not under a pipelined response
        )
        if answer:
            body = message.encode()
            self.transport.write(
                b"".join(
                    [
                        STATUS_LINE[status],
                        b"content-type: text/plain; charset=utf-8\r\n",
                        b"content-length: " + str(len(body)).encode() + b"\r\n",
                        b"connection: close\r\n\r\n",
                        body,
                    ]
                )
            )
        if self._reading_body and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        self.transport.close()

    # --- uvicorn's protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        if not self._refused:  # after our own refusal, the parser's complaint is moot
            super().send_400_response(msg)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._reading_body = False
        if self._deadline is None:
            self._arm(self.header_timeout)

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._count_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self._count_head(len(name) + len(value) + 4)

    def _count_head(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_header_bytes and not self._refused:
            self._refuse(431, "The request line and headers are too large.")
            # Stop the parser here: no request may start from a refused head.
            raise _Refused

    def on_headers_complete(self) -> None:
        self._arm(self.body_timeout)
        super().on_headers_complete()
        self._reading_body = True

    def on_message_complete(self) -> None:
        self._disarm()
        self._reading_body = False
        super().on_message_complete()


class _Refused(Exception):
    """Raised out of a parser callback to abandon a refused request."""
