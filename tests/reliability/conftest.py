"""The fault battery's shared parts: real `tixallo serve` and `tixallo worker` processes that
can be killed and restarted on the same port, the scale switch, and the results table.

Fast versions run in `make test`. ``TIXALLO_CHAOS=1`` (what `make chaos` sets) scales every
count up to the issue's figures. Each fault test records one row (test, backend, runs, faults
injected, acknowledged writes, lost, duplicates, 5xx); the rows are printed as a table at the
end of the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.ops.server import free_port
from tests.webhooks.conftest import make_receiver, receiver

__all__ = ["make_receiver", "receiver"]  # fixtures shared with the webhook tests

CHAOS = os.environ.get("TIXALLO_CHAOS", "") not in ("", "0", "false")
TIXALLO = str(Path(sys.executable).with_name("tixallo"))


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


def record(row: Row) -> None:
    ROWS.append(row)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROWS:
        return
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
        for r in ROWS
    ]
    widths = [max(len(x[i]) for x in [head, *lines]) for i in range(len(head))]

    def fmt(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    mode = "chaos (TIXALLO_CHAOS=1)" if CHAOS else "fast"
    terminalreporter.section(f"reliability battery, {mode}")
    terminalreporter.write_line(fmt(head))
    terminalreporter.write_line("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines:
        terminalreporter.write_line(fmt(line))
    terminalreporter.write_line(
        "Tenant isolation (404) and scope (403) matrices over every route: "
        "tests/api/test_route_matrix.py"
    )


def wait_until_up(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Poll /healthz; generous, since a start imports the whole app (a minute or more on an
    overloaded machine)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server did not come up:\n{log_path.read_text(errors='replace')[-3000:]}")


def _clean_env(env: dict[str, str]) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TIXALLO_")}
    clean.update(env)
    return clean


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


@dataclass
class Process:
    """A `tixallo serve` or `tixallo worker` that can be killed and started again."""

    args: list[str]
    env: dict[str, str]
    log_path: Path
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0
    history: list[int] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [TIXALLO, *self.args]
        if self.port is not None:
            cmd += ["--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                cmd, env=_clean_env(self.env), stdout=log, stderr=subprocess.STDOUT
            )
        if self.port is not None:
            wait_until_up(self.base_url, self.process, self.log_path)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.history.append(self.process.wait(10))
        self.kills += 1

    def terminate(self, timeout: float = 30) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class Processes:
    """Every process a test started; all are stopped when it ends, whatever happened."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[Process] = []

    def server(self, env: dict[str, str], *, start: bool = True) -> Process:
        proc = Process(
            ["serve"],
            env,
            self.tmp_path / f"server{len(self.started)}.log",
            port=free_port(),
        )
        self.started.append(proc)
        if start:
            proc.start()
        return proc

    def worker(self, env: dict[str, str], *, start: bool = True) -> Process:
        proc = Process(
            ["worker", "--poll-interval", "0.02"],
            env,
            self.tmp_path / f"worker{len(self.started)}.log",
        )
        self.started.append(proc)
        if start:
            proc.start()
        return proc

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.alive():
                proc.terminate(timeout=15)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    try:
        yield procs
    finally:
        procs.stop_all()


async def post(base_url: str, path: str, body: object, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        return await http.post(path, json=body, headers=headers)


async def get_json(base_url: str, path: str) -> object:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        return (await http.get(path)).json()
