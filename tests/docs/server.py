"""A real Tixallo server in a subprocess, on a fresh SQLite file, with a workspace and key."""

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

ADMIN_EMAIL = "docs@example.com"


@dataclass(frozen=True)
class LiveServer:
    url: str
    key: str
    slug: str
    env: dict[str, str]

    @property
    def reader_env(self) -> dict[str, str]:
        """What docs/examples.md asks its reader to export."""
        return {
            "TIXALLO_URL": self.url,
            "TIXALLO_API_KEY": self.key,
            "TIXALLO_AGENT_EMAIL": ADMIN_EMAIL,
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(env: dict[str, str], *args: str) -> str:
    """Run ``tixallo <args>`` against the server's database; answer its last output line."""
    result = subprocess.run(
        [sys.executable, "-m", "tixallo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


@contextmanager
def live_server(tmp: Path, *, extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIXALLO_")}
    env.update(
        {
            "TIXALLO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'docs.db'}",
            "TIXALLO_WEBHOOK_ALLOW_PRIVATE": "true",
            **(extra_env or {}),
        }
    )
    slug = run_cli(
        env,
        "workspace",
        "create",
        "Docs",
        "--admin-email",
        ADMIN_EMAIL,
        "--admin-password",
        "docs-password",
    )
    key = run_cli(
        env,
        "key",
        "create",
        "--workspace",
        slug,
        "--scopes",
        "*",
        "--name",
        "docs",
        "--rate-limit",
        "100000/60",
    )
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tixallo", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        yield LiveServer(url=url, key=key, slug=slug, env=env)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
