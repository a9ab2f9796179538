"""`tixallo serve --demo` (what `make run` runs): a real server in a subprocess."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.server import free_port, wait_until_healthy

#: The installed console script, as `make run` starts it (``.venv/bin/tixallo``).
TIXALLO_SCRIPT = str(Path(sys.executable).parent / "tixallo")


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TIXALLO_")}


def start(cwd: Path, port: int, program: list[str] | None = None) -> subprocess.Popen[str]:
    """Start the server as `make run` does, and wait until it answers."""
    env = clean_env()
    proc = subprocess.Popen(
        [*(program or [sys.executable, "-m", "tixallo"]), "serve", "--demo", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_until_healthy(f"http://127.0.0.1:{port}", proc)
    return proc


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=30)
    return output


def test_first_start_creates_a_demo_and_prints_its_secrets_once(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The secrets are printed before the server starts; read them after stopping it.
    output = stop(start(tmp_path, port))
    assert f"http://127.0.0.1:{port}/" in output
    key = re.search(r"API key \(scope \*\): (th_\S+)", output)
    login = re.search(r"admin login: (\S+) / (\S+)", output)
    assert key and login, output
    assert (tmp_path / "var" / "tixallo.db").exists()

    proc = start(tmp_path, port, [TIXALLO_SCRIPT])
    try:
        headers = {"Authorization": f"Bearer {key.group(1)}"}
        listed = httpx.get(f"{base}/api/v1/tickets", headers=headers, timeout=10)
        assert listed.status_code == 200
        assert len(listed.json()["data"]) == 4
        # The demo says only what is true: its tickets came in through the API, the one door
        # it used (not "via email" while Tixallo receives no mail).
        assert {t["source"] for t in listed.json()["data"]} == {"api"}
        created = httpx.post(
            f"{base}/api/v1/tickets",
            json={"subject": "From curl", "body": "hi", "customer": {"email": "me@example.org"}},
            headers=headers,
            timeout=10,
        )
        assert created.status_code == 201 and created.json()["data"]["number"] == 5
    finally:
        second = stop(proc)
    assert key.group(1) not in second and "admin login" not in second
    assert "API key (scope" not in second
    assert "existing data" in second
    # The restart names the command for a new key in a form that runs as printed, whether or
    # not `tixallo` is on the PATH.
    hint = re.search(r"New API key: (.+)", second)
    assert hint, second
    made = subprocess.run(
        shlex.split(hint.group(1)), cwd=tmp_path, env=clean_env(), capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().splitlines()[-1].startswith("th_")
