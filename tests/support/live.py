"""A real Tixallo server on a fresh SQLite file, with a workspace and a key made through the
CLI first, as the documentation's reader would have them (docs and client tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.cli import last_line, run_tixallo
from tests.support.server import PYTHON_M_TIXALLO, Process, clean_env, running, serve

ADMIN_EMAIL = "docs@example.com"


@dataclass(frozen=True)
class LiveServer:
    server: Process
    key: str
    slug: str
    #: The server's own environment, for CLI commands against its database.
    env: dict[str, str]

    @property
    def url(self) -> str:
        return self.server.base_url

    @property
    def reader_env(self) -> dict[str, str]:
        """What docs/examples.md asks its reader to export."""
        return {
            "TIXALLO_URL": self.url,
            "TIXALLO_API_KEY": self.key,
            "TIXALLO_AGENT_EMAIL": ADMIN_EMAIL,
        }


@contextmanager
def live_server(tmp: Path, *, extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    env = clean_env(
        {
            "TIXALLO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'docs.db'}",
            "TIXALLO_WEBHOOK_ALLOW_PRIVATE": "true",
            **(extra_env or {}),
        }
    )
    admin = ("--admin-email", ADMIN_EMAIL, "--admin-password", "docs-password")
    slug = last_line(run_tixallo(env, "workspace", "create", "Docs", *admin))
    key = last_line(
        run_tixallo(
            env,
            *("key", "create", "--workspace", slug, "--scopes", "*"),
            *("--name", "docs", "--rate-limit", "100000/60"),
        )
    )
    process = serve(env, tmp / "server.log", program=PYTHON_M_TIXALLO)
    with running(process, stop_timeout=30) as started:
        yield LiveServer(server=started, key=key, slug=slug, env=env)
