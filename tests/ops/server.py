"""Run `tixallo serve` as a real server process for tests that need one (several processes
sharing Redis, SIGTERM under load, the log lines a real run writes)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

TIXALLO = str(Path(sys.executable).with_name("tixallo"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_until_up(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    # Generous: a loaded CI machine starting several workers can take many seconds.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not come up:\n{log_path.read_text(errors='replace')}")


@contextmanager
def run_server(
    env: dict[str, str], log_path: Path, *, workers: int = 1, port: int | None = None
) -> Iterator[Server]:
    """Start `tixallo serve` with ``env`` (TIXALLO_* settings); stop it (SIGTERM, then
    SIGKILL after 20 s) when the block ends, unless the test already did."""
    port = port or free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TIXALLO_")}
    clean.update(env)
    cmd = [TIXALLO, "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(workers)]
    with log_path.open("ab") as log:
        process = subprocess.Popen(cmd, env=clean, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url, process, log_path)
        yield Server(process=process, base_url=base_url, log_path=log_path)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
