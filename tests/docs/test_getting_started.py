"""docs/getting-started.md, followed literally: ``make run``'s server and printed key, then
the page's own commands, to a first created ticket."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import httpx

from tests.support.server import PYTHON_M_TIXALLO, clean_env, running, serve
from tests.support.shapes import shape_errors

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "getting-started.md"
STEP = re.compile(r"```bash step\n(.*?)```", re.S)
PLACEHOLDER_URL = "http://127.0.0.1:8000"
PLACEHOLDER_KEY = "th_paste_the_key_make_run_printed"


def make_run_command() -> list[str]:
    """The command of the Makefile's ``run`` target, as arguments after ``tixallo``."""
    recipe = re.search(r"^run:.*\n\t(.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert recipe, "the Makefile has no run target"
    words = recipe.group(1).split()
    at = next(n for n, w in enumerate(words) if w.endswith("/tixallo"))
    assert "TIXALLO_WEBHOOK_ALLOW_PRIVATE" in recipe.group(1)
    return words[at + 1 :]


def test_the_page_has_five_numbered_steps_starting_with_make_run() -> None:
    text = PAGE.read_text()
    steps = re.findall(r"^## (\d)\. ", text, re.M)
    assert steps == ["1", "2", "3", "4", "5"]
    first = text.split("## 1. ")[1].split("## 2. ")[0]
    assert "```bash\nmake run\n```" in first
    assert make_run_command() == ["serve", "--demo"]


def test_following_the_page_creates_a_first_ticket(tmp_path: Path) -> None:
    env = {
        "TIXALLO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'tixallo.db'}",
        "TIXALLO_WEBHOOK_ALLOW_PRIVATE": "true",  # as `make run` sets it
    }
    # Step 1: `make run` is `tixallo serve --demo`; this test only picks a free port.
    command = make_run_command()
    assert command[0] == "serve"
    server = serve(
        env, tmp_path / "server.log", options=command[1:], program=PYTHON_M_TIXALLO, cwd=tmp_path
    )
    with running(server, stop_timeout=30):
        # The key and the address are printed before the server starts answering.
        printed = server.log()
        found = re.search(r"API key \(scope \*\): (th_\S+)", printed)
        assert found, printed
        key = found.group(1)
        url = server.base_url
        assert f"Tixallo is running at {url}/" in printed

        # Steps 2 to 5, exactly as written, in one shell; the reader pastes their own
        # address and key into step 2.
        steps = STEP.findall(PAGE.read_text())
        assert len(steps) == 4
        assert PLACEHOLDER_URL in steps[0] and PLACEHOLDER_KEY in steps[0]
        steps[0] = steps[0].replace(PLACEHOLDER_URL, url).replace(PLACEHOLDER_KEY, key)
        script = "\n".join(s + "echo\n" for s in steps)
        result = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-"],
            input=script,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        inboxes, created, listed = (json.loads(x) for x in result.stdout.split("\n") if x)
        # The answers look like the page says (steps 3 and 4 show one each).
        shown = [json.loads(x) for x in re.findall(r"```json\n(.*?)```", PAGE.read_text(), re.S)]
        assert len(shown) == 2
        assert not shape_errors(shown[0], inboxes) and not shape_errors(shown[1], created)
        assert inboxes["data"][0]["name"] == "Support" and inboxes["data"][0]["is_default"]
        ticket = created["data"]
        assert ticket["subject"] == "My first ticket" and ticket["status"] == "open"
        assert ticket["customer"]["email"] == "ada@example.com"
        assert [t["id"] for t in listed["data"]] == [ticket["id"]]
        # The ticket is really there, with its first message.
        messages = httpx.get(
            f"{url}/api/v1/tickets/{ticket['id']}/messages",
            headers={"Authorization": f"Bearer {key}"},
        ).json()["data"]
        assert [m["body"] for m in messages] == ["Hello from the API."]
