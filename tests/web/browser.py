"""A real Tixallo server in a subprocess and Debian's Chromium driven by Playwright.

Used by the browser tests (and handy for screenshots). The server runs ``tixallo serve`` on a
free port with a temporary SQLite database, exactly as a user would start it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]


def require_chromium() -> None:
    """Skip where no Chromium exists, except in CI, where a missing browser is a failure."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing; CI installs it with apt-get install chromium")
    pytest.skip(f"{CHROMIUM} is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def cli(self, *args: str) -> str:
        """Run a ``tixallo`` command against this server's database; returns stdout."""
        result = subprocess.run(
            [sys.executable, "-c", "from tixallo.cli import main; main()", *args],
            env=_env(self.database_url),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout


def _env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["TIXALLO_DATABASE_URL"] = database_url
    env["TIXALLO_WEBHOOK_ALLOW_PRIVATE"] = "true"
    return env


@contextmanager
def running_server(directory: Path) -> Iterator[Server]:
    port = free_port()
    database_url = f"sqlite+aiosqlite:///{directory / 'tixallo.db'}"
    log = directory / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from tixallo.cli import main; main()",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=_env(database_url),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield Server(url=url, database_url=database_url, process=process, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
