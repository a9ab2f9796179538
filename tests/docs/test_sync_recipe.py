"""The sync recipe in docs/sync.md resumes where it stopped and applies each event once."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.live import live_server

SYNC_PAGE = Path(__file__).resolve().parents[2] / "docs" / "sync.md"


def consumer_code() -> str:
    match = re.search(r"```python run\n(.*?)```", SYNC_PAGE.read_text(), re.S)
    assert match
    return match.group(1)


def test_the_documented_consumer_resumes_and_applies_each_event_once(tmp_path: Path) -> None:
    code = consumer_code()
    with live_server(tmp_path) as server:
        env = {
            **server.env,
            "TIXALLO_URL": server.url,
            "TIXALLO_API_KEY": server.key,
            "SYNC_STATE": str(tmp_path / "state.json"),
        }
        headers = {"Authorization": f"Bearer {server.key}"}

        def run() -> str:
            result = subprocess.run(
                [sys.executable, "-"],
                input=code,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            return result.stdout

        created = [
            httpx.post(
                f"{server.url}/api/v1/tickets",
                headers=headers,
                json={"subject": f"S{i}", "customer": {"email": "c@example.org"}},
            ).json()
            for i in range(3)
        ]
        assert "applied 3 events" in run()
        assert "applied 0 events" in run()
        httpx.patch(
            f"{server.url}/api/v1/tickets/{created[1]['data']['id']}",
            headers=headers,
            json={"status": "resolved"},
        ).raise_for_status()
        output = run()
        assert "applied 1 events" in output
        assert "ticket.updated 2 resolved {'status': ['open', 'resolved']}" in output
