"""The `tixallo` command run as a real subprocess (``python -m tixallo``), as a user or a
script would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping


def run_tixallo(
    env: Mapping[str, str], *args: str, ok: bool = True, stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``tixallo <args>`` with exactly ``env``; with ``ok`` a non-zero exit fails the test
    with the command's stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "tixallo", *args],
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def tixallo(
    database_url: str, *args: str, ok: bool = True, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``tixallo <args>`` against ``database_url``, in this process's environment."""
    return run_tixallo(
        {**os.environ, "TIXALLO_DATABASE_URL": database_url}, *args, ok=ok, stdin=stdin
    )


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    """What a command prints last: the slug, key or id the CLI commands answer with."""
    return result.stdout.strip().splitlines()[-1]
