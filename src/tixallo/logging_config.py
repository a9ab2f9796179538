"""Log output: one JSON object per line for machines, or a readable line in a terminal.

``TIXALLO_LOG_FORMAT=auto|json|text``; ``auto`` is ``text`` when stderr is a terminal and
``json`` otherwise. The request middleware logs one ``request`` record per request whose
extra fields (request id, workspace, key prefix, route, status, duration) become JSON keys.

Whatever a log call is given, anything shaped like an API key (``th_`` + 32 bytes) or a
bearer credential or webhook secret (``whsec_``) is masked before it is written, and so is
a secret carried in a URL: the token of a one-time link (``/invite/<token>``, and the
password-reset links to come) and the value of a secret query parameter (``?token=``).
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import sys
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["json", "text"]

# The attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName"}
)
_SECRET = re.compile(
    r"(th_)[A-Za-z0-9_-]{16,}|((?i:bearer)\s+)[^\s\"',;]{8,}|(whsec_)[A-Za-z0-9+/=_-]{8,}"
)

#: Paths whose next segment is a secret: the token of a one-time link shown or mailed to
#: one person. Add the prefix here when a new kind of link is made.
SECRET_PATH_PREFIXES = ("/invite/", "/reset/", "/password-reset/", "/verify/")
#: Query parameters whose value is a secret, wherever a URL with a query is written.
SECRET_QUERY_PARAMS = (
    "token",
    "invite",
    "reset",
    "reset_token",
    "code",
    "secret",
    "key",
    "api_key",
    "access_token",
    "password",
    "signature",
)
_URL_SECRET = re.compile(
    "(" + "|".join(re.escape(p) for p in SECRET_PATH_PREFIXES) + r")[^/?#\s\"'<>]+"
    r"|([?&;](?i:" + "|".join(SECRET_QUERY_PARAMS) + r")=)[^&#\s\"'<>]+"
)

_SQL_DETAIL = re.compile(r"\[SQL: .*?(?=\n\(Background on this error|\Z)", re.S)


def redact_url_secrets(text: str) -> str:
    """Mask the secret part of any URL or path in ``text``: a one-time link's token
    (``/invite/[redacted]``) and secret query values (``?token=[redacted]``)."""
    return _URL_SECRET.sub(lambda m: (m.group(1) or m.group(2)) + "[redacted]", text)


def redact(text: str) -> str:
    """Mask API keys and bearer credentials, keeping the display prefix of a key, secrets
    in URLs, and the SQL and bound parameters SQLAlchemy puts in its exception messages
    (they carry user data)."""
    text = _SQL_DETAIL.sub("[SQL and parameters hidden]", text)
    text = redact_url_secrets(text)

    def mask(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(0)[:9] + "…[redacted]"
        if match.group(3):
            return "whsec_[redacted]"
        return match.group(2) + "[redacted]"

    return _SECRET.sub(mask, text)


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, every extra field, and the
    exception (type and traceback text) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in _extras(record).items():
            entry[key] = _scrub(value)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a person at a terminal: time, level, and for requests the fields that matter."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        extras = _extras(record)
        if record.getMessage() == "request" and "status" in extras:
            route = extras.get("route") or extras.get("path")
            line = (
                f"{when} {extras.get('method', '')} {route} -> {extras.get('status')} "
                f"{extras.get('duration_ms')} ms"
            )
            tail = [
                f"{k}={extras[k]}"
                for k in ("workspace_id", "key_prefix", "request_id")
                if extras.get(k) is not None
            ]
            line += ("  " + " ".join(tail)) if tail else ""
        else:
            line = f"{when} {record.levelname:<7} {record.name}: {record.getMessage()}"
            fields = [f"{k}={v}" for k, v in extras.items() if v is not None]
            if fields:
                line += "  " + " ".join(fields)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


def resolve_format(setting: str, *, stream: Any = None) -> LogFormat:
    """``auto`` means text on a terminal, JSON elsewhere (files, pipes, log collectors)."""
    choice = setting.strip().lower()
    if choice in ("json", "text"):
        return "json" if choice == "json" else "text"
    if choice != "auto":
        raise ValueError("TIXALLO_LOG_FORMAT must be auto, json or text.")
    target = stream if stream is not None else sys.stderr
    return "text" if target.isatty() else "json"


def dict_config(log_format: LogFormat, *, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` mapping (picklable, so uvicorn hands it to every
    worker). Uvicorn's access log is off: the request middleware writes one line per request."""
    formatter = "tixallo.logging_config." + (
        "JsonFormatter" if log_format == "json" else "TextFormatter"
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            # Drivers echo SQL with bound values (user data) at DEBUG/INFO: never wanted.
            "aiosqlite": {"level": "WARNING"},
            "asyncpg": {"level": "WARNING"},
            "sqlalchemy.engine": {"level": "WARNING"},
        },
    }


def configure_logging(setting: str, *, level: str = "INFO") -> LogFormat:
    """Apply the format named by ``setting`` to this process; returns the one chosen."""
    log_format = resolve_format(setting)
    logging.config.dictConfig(dict_config(log_format, level=level))
    return log_format
