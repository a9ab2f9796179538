"""Domain errors. Services raise these; ``api/errors.py`` maps them to HTTP in one place.

No HTTP lives here: the same error serves both APIs, the CLI and the web app.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID = "invalid_request"
    UNAUTHORIZED = "authentication_error"
    FORBIDDEN = "permission_error"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    GONE = "gone"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "service_unavailable"


class TixalloError(Exception):
    """Base of every expected failure; ``param`` names the offending input field, if any."""

    kind: ErrorKind = ErrorKind.INVALID

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class Invalid(TixalloError):
    kind = ErrorKind.INVALID


class Unauthorized(TixalloError):
    kind = ErrorKind.UNAUTHORIZED


class Forbidden(TixalloError):
    kind = ErrorKind.FORBIDDEN


class NotFound(TixalloError):
    kind = ErrorKind.NOT_FOUND

    def __init__(self, resource: str, resource_id: str | None = None, *, param: str | None = None):
        detail = (
            f"No {resource} with id '{resource_id}'." if resource_id else f"No such {resource}."
        )
        super().__init__(detail, param=param)
        self.resource = resource


class Conflict(TixalloError):
    kind = ErrorKind.CONFLICT


class Gone(TixalloError):
    kind = ErrorKind.GONE


class RateLimited(TixalloError):
    kind = ErrorKind.RATE_LIMITED

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(TixalloError):
    kind = ErrorKind.UNAVAILABLE
