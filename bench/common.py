"""Shared plumbing for the benchmarks: servers, databases, wrk, memory, tables, results."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
TIXALLO = str(VENV_BIN / "tixallo")
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def machine() -> dict[str, Any]:
    """What the figures were measured on, including how busy it was."""
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_1_5_15": [round(x, 2) for x in load],
    }


# --- databases -----------------------------------------------------------------------------


def recreate_pg_database(name: str) -> str:
    """Drop and create ``name`` on the bench PostgreSQL; returns its SQLAlchemy URL."""
    import asyncio

    import asyncpg

    async def work() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(work())
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


def drop_pg_database(name: str) -> None:
    import asyncio

    import asyncpg

    async def work() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(work())


def migrate(env: dict[str, str]) -> None:
    subprocess.run([TIXALLO, "migrate"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


# --- servers -------------------------------------------------------------------------------


@dataclass
class Server:
    """`tixallo serve` in its own process group, with its peak memory read from /proc."""

    env: dict[str, str]
    workers: int = 1
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [TIXALLO, "serve", "--port", str(self.port), "--workers", str(self.workers)]
        fd, log_name = tempfile.mkstemp(prefix="tixallo-bench-server-", suffix=".log")
        os.close(fd)
        self.log_path = Path(log_name)
        with self.log_path.open("wb") as sink:
            self.proc = subprocess.Popen(
                cmd, env=self.env, cwd=ROOT, start_new_session=True, stdout=sink, stderr=sink
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {' '.join(cmd)}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    # With several workers, give every one time to finish starting.
                    time.sleep(1.0 if self.workers > 1 else 0.2)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become healthy in 60 s")

    def wait_idle(self, timeout: float = 30) -> None:
        """Wait until requests left queued by the previous wrk run are done: wrk stops
        sending at its deadline, but the server still works through what it accepted."""
        deadline = time.monotonic() + timeout
        quick = 0
        while time.monotonic() < deadline and quick < 2:
            started = time.monotonic()
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{self.url}/healthz", timeout=30)
            quick = quick + 1 if time.monotonic() - started < 0.1 else 0
            time.sleep(0.1)

    def pids(self) -> list[int]:
        assert self.proc is not None
        found = [self.proc.pid]
        i = 0
        while i < len(found):
            found.extend(_children(found[i]))
            i += 1
        return found

    def peak_rss_mb(self) -> dict[str, float]:
        """VmHWM (peak resident set) of the server and each of its worker processes, in MiB."""
        out: dict[str, float] = {}
        pids = self.pids()
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            hwm = next((ln for ln in status.splitlines() if ln.startswith("VmHWM:")), "VmHWM: 0 kB")
            role = "main" if pid == pids[0] else "worker"
            out[f"{role} {pid}"] = round(int(hwm.split()[1]) / 1024, 1)
        return out

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 9)
        self.proc = None


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return out


# --- wrk -----------------------------------------------------------------------------------

WRK_HELP = (
    "wrk is not installed. On Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y wrk "
    "(or set BENCH_INSTALL_WRK=1 to let the bench do it when running as root)."
)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.environ.get("BENCH_INSTALL_WRK") == "1" and os.geteuid() == 0:
        log("installing wrk with apt-get")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit(WRK_HELP)


def wrk_version() -> str:
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return (out.stdout + out.stderr).strip().splitlines()[0]


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors_status: int
    errors_socket: int

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def run_wrk(
    url: str,
    script: str,
    *,
    env: dict[str, str],
    connections: int = 64,
    threads: int = 2,
    seconds: int = 10,
) -> WrkResult:
    """wrk with ``bench/lua/common.lua`` + ``script`` (which sets ``request``); the common
    part's ``done`` prints one JSON line that is parsed here."""
    lua_dir = BENCH / "lua"
    combined = Path(tempfile.gettempdir()) / f"tixallo-bench-{os.getpid()}.lua"
    combined.write_text(
        (lua_dir / "common.lua").read_text() + "\n" + (lua_dir / script).read_text()
    )
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(combined),
        url,
    ]
    out = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("{")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    raw = json.loads(line)
    seconds_run = raw["duration_us"] / 1e6
    return WrkResult(
        requests=raw["requests"],
        seconds=round(seconds_run, 2),
        rps=round(raw["requests"] / seconds_run, 1),
        p50_ms=round(raw["p50_us"] / 1000, 2),
        p90_ms=round(raw["p90_us"] / 1000, 2),
        p99_ms=round(raw["p99_us"] / 1000, 2),
        max_ms=round(raw["max_us"] / 1000, 2),
        errors_status=raw["status"],
        errors_socket=raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
    )


# --- output --------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_result(kind: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{kind}-{stamp}.json"
    text = json.dumps(payload, indent=2, default=str)
    path.write_text(text + "\n")
    (RESULTS / f"{kind}-latest.json").write_text(text + "\n")
    return path


def git_commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip()


def base_env() -> dict[str, str]:
    """The caller's environment without any TIXALLO_ settings, plus the ceiling route."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIXALLO_")}
    env["TIXALLO_BENCH_CEILING"] = "true"
    env["TIXALLO_LOG_FORMAT"] = "text"
    return env
