"""The fault battery's fixtures and its results table (parts in tests/support/reliability)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.reliability import CHAOS, ROWS, Processes, results_table


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROWS:
        return
    mode = "chaos (TIXALLO_CHAOS=1)" if CHAOS else "fast"
    terminalreporter.section(f"reliability battery, {mode}")
    for line in results_table(ROWS):
        terminalreporter.write_line(line)
    terminalreporter.write_line(
        "Tenant isolation (404) and scope (403) matrices over every route: "
        "tests/api/test_route_matrix.py"
    )


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    try:
        yield procs
    finally:
        procs.stop_all()
