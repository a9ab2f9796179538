"""A wheel installed outside the checkout is a working Tixallo: `pip install` brings the
declared dependencies, and the wheel carries the migrations, templates, static files and the
documentation pages. Built and installed for real, served from an empty folder."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.server import running, serve

ROOT = Path(__file__).resolve().parents[2]
UNTRACKED = shutil.ignore_patterns(".git", ".venv", "var", "build", "*.egg-info", "__pycache__")


def run(*command: str | Path, cwd: Path) -> None:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the built wheel installed in it, its dependencies
    resolved from pyproject.toml (held to the lock's versions, as a careful user would)."""
    where = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools writes build/ and *.egg-info into the tree it builds.
    source = where / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=UNTRACKED)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", where / "dist", source, cwd=where)  # fmt: skip
    wheel = next((where / "dist").glob("tixallo-*.whl"))
    run(sys.executable, "-m", "venv", where / "venv", cwd=where)
    run(where / "venv" / "bin" / "pip", "install", "-q", "--disable-pip-version-check",
        "-c", ROOT / "requirements.txt", wheel, cwd=where)  # fmt: skip
    return where / "venv" / "bin" / "tixallo"


def test_the_installed_wheel_serves_the_api_the_app_and_the_docs(
    installed: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    server = serve(
        {},
        tmp_path / "server.log",
        options=["--demo"],
        program=[str(installed)],
        cwd=empty,
        drop=("TIXALLO_", "PYTHON"),
    )
    with running(server, stop_timeout=30):
        # The secrets are printed before the server starts answering.
        key = re.search(r"API key \(scope \*\): (th_\S+)", server.log())
        assert key, server.log()
        base = server.base_url
        auth = {"Authorization": f"Bearer {key.group(1)}"}
        tickets = httpx.get(f"{base}/api/v1/tickets", headers=auth, timeout=10)
        assert tickets.status_code == 200 and len(tickets.json()["data"]) == 4
        docs = httpx.get(f"{base}/docs/getting-started", timeout=10)
        assert docs.status_code == 200 and "Getting started" in docs.text
        assert httpx.get(f"{base}/docs/static/docs.css", timeout=10).status_code == 200
        sign_in = httpx.get(f"{base}/signin", timeout=10, follow_redirects=True)
        assert sign_in.status_code == 200 and "<form" in sign_in.text
    assert (empty / "var" / "tixallo.db").exists()
