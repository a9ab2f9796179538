"""Exceptions raised by :class:`tixallo.client.Tixallo`."""

from __future__ import annotations

from typing import Any


class TixalloError(Exception):
    """Tixallo answered an error: the fields of its one error body, plus the HTTP status.

    ``type`` is e.g. ``invalid_request``, ``not_found`` or ``rate_limited``; ``param`` names
    the field at fault (or ``None``); quote ``request_id`` when you report a problem.
    """

    def __init__(
        self,
        status: int,
        type: str,
        message: str,
        *,
        param: str | None = None,
        request_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {type}: {message}" + (f" (param: {param})" if param else ""))
        self.status = status
        self.type = type
        self.message = message
        self.param = param
        self.request_id = request_id
        self.headers = headers or {}

    @classmethod
    def from_response(cls, status: int, body: Any, headers: dict[str, str]) -> TixalloError:
        """Build from an answer; a body that is not Tixallo's error shape (a proxy's HTML page,
        say) still gives a usable error."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls(status, "http_error", f"HTTP {status}", headers=headers)
        return cls(
            status,
            str(error.get("type") or "error"),
            str(error.get("message") or f"HTTP {status}"),
            param=error.get("param"),
            request_id=error.get("request_id") or headers.get("x-request-id"),
            headers=headers,
        )


class WebhookVerificationError(Exception):
    """A webhook request is not signed by the secret, or is too old or too new."""
