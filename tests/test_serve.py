"""`tixallo serve --demo` (what `make run` runs): a real server in a subprocess."""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path

import httpx

from tests.support.server import PYTHON_M_TIXALLO, clean_env, free_port, running, serve


def start_and_stop(cwd: Path, port: int, log_name: str, program: Sequence[str]) -> str:
    """Start the server as `make run` does, wait until it answers, stop it; its output."""
    server = serve({}, cwd / log_name, port=port, options=["--demo"], program=program, cwd=cwd)
    with running(server, stop_timeout=30):
        pass
    return server.log()


def test_first_start_creates_a_demo_and_prints_its_secrets_once(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The secrets are printed before the server starts; read them after stopping it.
    output = start_and_stop(tmp_path, port, "first.log", PYTHON_M_TIXALLO)
    assert f"http://127.0.0.1:{port}/" in output
    key = re.search(r"API key \(scope \*\): (th_\S+)", output)
    login = re.search(r"admin login: (\S+) / (\S+)", output)
    assert key and login, output
    assert (tmp_path / "var" / "tixallo.db").exists()

    second_start = serve({}, tmp_path / "second.log", port=port, options=["--demo"], cwd=tmp_path)
    with running(second_start, stop_timeout=30):
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
    second = second_start.log()
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
