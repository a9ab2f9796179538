"""The fault battery's parts: the scale switch, the settings its servers and workers run
with, every process a test started (stopped when it ends), and the results table.

Fast versions run in `make test`. ``TIXALLO_CHAOS=1`` (what `make chaos` sets) scales every
count up to the issue's figures. Each fault test records one :class:`Row`; the reliability
conftest prints them as a table at the end of the run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.server import Process, serve, worker

CHAOS = os.environ.get("TIXALLO_CHAOS", "") not in ("", "0", "false")
#: A start imports the whole app: a minute or more on an overloaded machine under chaos load.
HEALTH_SECONDS = 600


def scale(fast: int, chaos: int) -> int:
    """The fast figure under `make test`, the issue's figure under `make chaos`."""
    return chaos if CHAOS else fast


@dataclass
class Row:
    test: str
    backend: str
    runs: int
    faults: int
    acknowledged: int
    lost: int
    duplicates: int
    errors_5xx: int
    note: str = ""


ROWS: list[Row] = []


def record_row(row: Row) -> None:
    ROWS.append(row)


def results_table(rows: list[Row]) -> list[str]:
    """The rows as a Markdown table, one string per line."""
    head = (
        "test",
        "backend",
        "runs",
        "faults injected",
        "acknowledged writes",
        "lost",
        "duplicates",
        "5xx",
        "note",
    )
    lines = [
        (
            r.test,
            r.backend,
            str(r.runs),
            str(r.faults),
            str(r.acknowledged),
            str(r.lost),
            str(r.duplicates),
            str(r.errors_5xx),
            r.note,
        )
        for r in rows
    ]
    widths = [max(len(x[i]) for x in [head, *lines]) for i in range(len(head))]

    def fmt(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return [fmt(head), rule, *(fmt(line) for line in lines)]


def base_env(database_url: str, **extra: str) -> dict[str, str]:
    """Settings for a server or worker under test: private receivers allowed, short webhook
    timeouts (so leases expire in seconds), a budget no test load reaches."""
    env = {
        "TIXALLO_DATABASE_URL": database_url,
        "TIXALLO_WEBHOOK_ALLOW_PRIVATE": "true",
        "TIXALLO_WEBHOOK_TIMEOUT_SECONDS": "1",
        "TIXALLO_WEBHOOK_RETRY_DELAYS": "0.05,0.1,0.2",
        "TIXALLO_RATE_LIMIT": "1000000/60",
        "TIXALLO_FAILED_AUTH_RATE_LIMIT": "1000000/60",
        "TIXALLO_LOG_FORMAT": "json",
    }
    env.update(extra)
    return env


class Processes:
    """Every process a test started; all are stopped when it ends, whatever happened."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[Process] = []

    def server(self, env: dict[str, str], *, start: bool = True) -> Process:
        log_path = self.tmp_path / f"server{len(self.started)}.log"
        return self._add(serve(env, log_path, health_seconds=HEALTH_SECONDS), start)

    def worker(self, env: dict[str, str], *, start: bool = True) -> Process:
        return self._add(worker(env, self.tmp_path / f"worker{len(self.started)}.log"), start)

    def _add(self, proc: Process, start: bool) -> Process:
        self.started.append(proc)
        if start:
            proc.start()
        return proc

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.alive():
                proc.terminate(timeout=15)


async def post(base_url: str, path: str, body: object, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        return await http.post(path, json=body, headers=headers)


async def get_json(base_url: str, path: str) -> object:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        return (await http.get(path)).json()
