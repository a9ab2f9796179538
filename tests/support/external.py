"""Checks for the TacoHelp-compatible API's answers, as its document states them."""

from __future__ import annotations

from datetime import datetime

import httpx


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None
    return parsed


def assert_error(response: httpx.Response, status: int, param: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"type", "message", "param", "request_id"}
    assert error["message"]
    if param is not None:
        assert error["param"] == param
