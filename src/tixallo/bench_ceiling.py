"""GET /bench/ceiling: the benchmarks' yardstick, mounted only when ``TIXALLO_BENCH_CEILING`` is on.

It answers a constant body shaped and sized like ``GET /api/v1/tickets/{id}`` through the same
server, middleware and JSON encoding, with no database and no authentication. Every endpoint in
``bench/`` is reported as a ratio of this route's requests/s measured in the same run, which
cancels out how busy the machine happens to be.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

CEILING_TICKET: dict[str, Any] = {
    "data": {
        "id": "tkt_01JD0000000000000000000000",
        "number": 1042,
        "subject": "Cannot export my invoices as PDF",
        "status": "open",
        "priority": "medium",
        "tags": ["billing", "export"],
        "source": "api",
        "inbox_id": "inb_01JD0000000000000000000000",
        "customer": {
            "id": "cus_01JD0000000000000000000000",
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "company": {
                "id": "com_01JD0000000000000000000000",
                "name": "Example",
                "domain": "example.com",
                "created_at": "2026-03-17T10:00:00.000000Z",
                "updated_at": "2026-03-17T10:00:00.000000Z",
            },
            "created_at": "2026-03-17T10:00:00.000000Z",
            "updated_at": "2026-03-17T10:00:00.000000Z",
        },
        "assignee_id": None,
        "assignee": None,
        "merged_into_id": None,
        "created_at": "2026-03-17T10:00:00.000000Z",
        "updated_at": "2026-03-17T10:00:00.000000Z",
    }
}


def install_bench_ceiling(app: FastAPI) -> None:
    @app.get("/bench/ceiling", include_in_schema=False)
    async def bench_ceiling() -> dict[str, Any]:
        return CEILING_TICKET
