"""Real processes for tests: `tixallo serve`, `tixallo worker`, or any other command, on a
free port, with their output in a log file, waited on until healthy and always stopped.

The one launcher: a test that needs another shape (more workers, another program, another
folder, a process it kills and starts again) passes a parameter instead of writing a copy.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

#: The installed console script, as `make run` starts it (``.venv/bin/tixallo``).
TIXALLO = str(Path(sys.executable).with_name("tixallo"))
#: The same program through the interpreter, for tests that prove ``python -m tixallo`` works.
PYTHON_M_TIXALLO = (sys.executable, "-m", "tixallo")


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick), for one server to take."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(
    env: Mapping[str, str] | None = None, *, drop: Sequence[str] = ("TIXALLO_",)
) -> dict[str, str]:
    """This process's environment without the variables whose names start with ``drop``,
    then ``env`` on top: a child sees only the settings its test chose, not the test run's
    own (``TIXALLO_TEST_POSTGRES_URL`` and the like)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(tuple(drop))}
    clean.update(env or {})
    return clean


def _tail(log_path: Path, chars: int = 4000) -> str:
    return log_path.read_text(errors="replace")[-chars:] if log_path.exists() else ""


def wait_until_healthy(
    base_url: str, process: subprocess.Popen[bytes], log_path: Path, *, seconds: float = 120
) -> None:
    """Poll ``/healthz`` until it answers 200. Generous by default: a start imports the whole
    app, which takes long on a busy 2-core machine. A process that exits or never answers
    fails the test with the end of its log (and one that never answers is killed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited ({process.returncode}):\n{_tail(log_path)}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise AssertionError(f"the server did not answer in {seconds} s:\n{_tail(log_path)}")


@dataclass
class Process:
    """One command run as a child process, startable again after a kill (same port, same log,
    appended). With a ``port`` it is a server: ``start`` returns once it is healthy."""

    args: list[str]
    env: dict[str, str]
    log_path: Path
    port: int | None = None
    cwd: Path | None = None
    health_seconds: float = 120
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0
    #: Exit codes of the runs ended by ``kill``, oldest first.
    history: list[int] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        assert self.port is not None, "this process serves no port"
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.args, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT
            )
        if self.port is not None:
            wait_until_healthy(
                self.base_url, self.process, self.log_path, seconds=self.health_seconds
            )

    def kill(self) -> None:
        """SIGKILL, as a crash would: nothing of the process's own shutdown runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.history.append(self.process.wait(10))
        self.kills += 1

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, then SIGKILL if it is still running after ``timeout`` seconds; answers the
        exit code. Harmless on a process that already ended."""
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


def serve(
    env: Mapping[str, str],
    log_path: Path,
    *,
    port: int | None = None,
    workers: int | None = None,
    options: Sequence[str] = (),
    program: Sequence[str] = (TIXALLO,),
    cwd: Path | None = None,
    drop: Sequence[str] = ("TIXALLO_",),
    health_seconds: float = 120,
) -> Process:
    """`tixallo serve` on 127.0.0.1 (a free port unless given), not started yet. ``env`` is
    laid over a :func:`clean_env`; ``options`` go before the address (``--demo``)."""
    port = port or free_port()
    args = [*program, "serve", *options, "--host", "127.0.0.1", "--port", str(port)]
    if workers is not None:
        args += ["--workers", str(workers)]
    return Process(
        args,
        clean_env(env, drop=drop),
        log_path,
        port=port,
        cwd=cwd,
        health_seconds=health_seconds,
    )


def worker(
    env: Mapping[str, str], log_path: Path, *, options: Sequence[str] = ("--poll-interval", "0.02")
) -> Process:
    """`tixallo worker` (polling fast, for tests), not started yet."""
    return Process([TIXALLO, "worker", *options], clean_env(env), log_path)


@contextmanager
def running(process: Process, *, stop_timeout: float = 20) -> Iterator[Process]:
    """Start ``process`` and stop it (SIGTERM, then SIGKILL) when the block ends, however it
    ends: also when the start itself failed, and unless the test stopped it already."""
    try:
        process.start()
        yield process
    finally:
        if process.process is not None:
            process.terminate(stop_timeout)
