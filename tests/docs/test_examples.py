"""Every runnable example in docs/ runs against a real server, and answers what the
reference documents.

A fenced block marked ```python run, ```javascript run or ```bash run is extracted and run
with the server's address and an API key in TIXALLO_URL and TIXALLO_API_KEY. A block whose
info string also names an endpoint (```bash run GET /api/v1/tickets```) must print that
endpoint's answer as its last line; the answer must have the shape of the ```json response
GET /api/v1/tickets``` block of the reference (same keys at every level, same kinds of
values). Every route of the live /api/v1 OpenAPI document needs a curl, a Node.js and a
Python example and a documented response, so a new route without them fails here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest

from tests.support.cli import last_line, run_tixallo
from tests.support.live import LiveServer, live_server
from tests.support.shapes import shape_errors
from tixallo.api.v1.app import create_v1_app

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"```(python|javascript|bash) run([^\n]*)\n(.*?)```", re.S)
RESPONSE = re.compile(r"```json response ([A-Z]+ \S+)\n(.*?)```", re.S)
RUNNERS = {
    "python": [sys.executable, "-"],
    # Snippets use top-level await, as in a saved example.mjs.
    "javascript": ["node", "--input-type=module", "-"],
    "bash": ["bash", "-e", "-o", "pipefail", "-"],
}
LANGUAGES = tuple(RUNNERS)


class Example(NamedTuple):
    id: str
    language: str
    endpoint: str
    code: str
    #: ``budget=3/2`` after ``run``: the example gets a fresh key with that rate limit.
    budget: str | None = None


def examples() -> list[Example]:
    found = []
    for page in sorted(DOCS.glob("*.md")):
        for n, match in enumerate(BLOCK.finditer(page.read_text()), 1):
            language, attrs, code = match.group(1), match.group(2).strip(), match.group(3)
            budget = attrs.removeprefix("budget=") if attrs.startswith("budget=") else None
            endpoint = "" if budget else attrs
            found.append(Example(f"{page.name}#{n}-{language}", language, endpoint, code, budget))
    return found


def documented_responses() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for page in sorted(DOCS.glob("*.md")):
        for match in RESPONSE.finditer(page.read_text()):
            assert match.group(1) not in found, f"{match.group(1)} is documented twice"
            found[match.group(1)] = json.loads(match.group(2))
    return found


def live_routes() -> set[str]:
    spec = create_v1_app().openapi()
    return {
        f"{method.upper()} /api/v1{path}"
        for path, operations in spec["paths"].items()
        for method in operations
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("docs")) as live:
        yield live


def test_the_docs_have_runnable_examples() -> None:
    assert examples()


def test_every_live_v1_route_has_examples_in_three_languages_and_a_response() -> None:
    routes = live_routes()
    covered = {(e.endpoint, e.language) for e in examples() if e.endpoint}
    missing = sorted(
        f"{route} ({language})"
        for route in routes
        for language in LANGUAGES
        if (route, language) not in covered
    )
    assert not missing, f"routes without examples: {missing}"
    documented = documented_responses()
    # DELETE answers 204 with no body: nothing to document.
    undocumented = sorted(r for r in routes if r not in documented and not r.startswith("DELETE"))
    assert not undocumented, f"routes without a documented response: {undocumented}"
    stale = sorted({e.endpoint for e in examples() if e.endpoint} - routes)
    stale += sorted(set(documented) - routes)
    assert not stale, f"examples or responses of routes that do not exist: {stale}"


def test_the_shape_check_can_fail() -> None:
    documented = {"data": {"id": "tkt_1", "tags": ["a"], "customer": {"email": "a@b.c"}}}
    assert not shape_errors(documented, {"data": {"id": "x", "tags": [], "customer": None}})
    assert shape_errors(documented, {"data": {"id": 1, "tags": [], "customer": None}})
    assert shape_errors(documented, {"data": {"id": "x", "tags": ["a"], "customer": {}}})
    assert shape_errors(documented, {"data": {"id": "x", "tags": [3], "customer": None, "n": 1}})


@pytest.mark.parametrize("example", examples(), ids=[e.id for e in examples()])
def test_example_runs(server: LiveServer, example: Example, tmp_path: Path) -> None:
    for tool, needed in (("node", example.language == "javascript"), ("jq", "jq " in example.code)):
        if needed and shutil.which(tool) is None:
            if os.environ.get("CI"):
                pytest.fail(f"{tool} is required in CI")
            pytest.skip(f"{tool} is not installed")
    headers = {"Authorization": f"Bearer {server.key}"}
    httpx.post(
        f"{server.url}/api/v1/tickets",
        headers=headers,
        json={"subject": "Docs example", "body": "hi", "customer": {"email": "reader@example.com"}},
    ).raise_for_status()
    key = server.key
    if example.budget:
        key = last_line(
            run_tixallo(
                server.env,
                *("key", "create", "--workspace", server.slug, "--scopes", "*"),
                *("--name", "budget", "--rate-limit", example.budget),
            )
        )
    env = {
        **server.env,
        **server.reader_env,
        "TIXALLO_API_KEY": key,
        "SYNC_STATE": str(tmp_path / "state.json"),
    }
    result = subprocess.run(
        RUNNERS[example.language],
        input=example.code,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    if not example.endpoint:
        return
    lines = result.stdout.strip().splitlines()
    assert lines, "the example printed nothing"
    if example.endpoint.startswith("DELETE"):
        assert lines[-1] == "204"
        return
    documented = documented_responses()[example.endpoint]
    errors = shape_errors(documented, json.loads(lines[-1]))
    assert not errors, "\n".join(errors)


def test_the_examples_page_is_what_the_generator_makes() -> None:
    """docs/examples.md is generated from tests/docs/endpoints.py: edit that, then run
    ``python -m tests.docs.make_docs``."""
    from tests.docs.make_docs import END, START, examples_section

    text = (DOCS / "examples.md").read_text()
    generated = text.split(START, 1)[1].split(END, 1)[0]
    assert generated.strip() == examples_section().strip()
