"""Real servers in subprocesses: a free port, and waiting until one answers.

The one home for these helpers (issue 14 folds the older copies in tests/ops, tests/web,
tests/docs and tests/reliability into it)."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_healthy(
    base_url: str, process: subprocess.Popen[str], *, seconds: float = 60
) -> None:
    """Poll ``/healthz`` until it answers 200. Generous: a start imports the whole app, which
    takes long on a busy 2-core machine. A process that exits or never answers fails the test
    with its output."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the server exited ({process.returncode}):\n{process.communicate()[0]}"
            )
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"the server did not answer in {seconds} s:\n{process.communicate()[0]}")
