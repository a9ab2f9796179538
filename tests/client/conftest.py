"""One real Tixallo server (subprocess, SQLite) shared by the client tests of a module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.live import LiveServer, live_server
from tixallo.client import Tixallo


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("client")) as live:
        yield live


@pytest.fixture
def api(server: LiveServer) -> Iterator[Tixallo]:
    with Tixallo(server.key, server.url, backoff=0.05) as client:
        yield client
