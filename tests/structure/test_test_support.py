"""Test support has one home: the rules of tests/structure/support_rules.py hold on the tree,
and the checker really finds each kind of violation (planted in a temporary tree)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.structure.support_rules import offences

TESTS = Path(__file__).resolve().parents[1]


def plant(root: Path, files: dict[str, str]) -> Path:
    """A tests/ tree under ``root`` with the given files (paths relative to tests/)."""
    tests = root / "tests"
    for name, text in files.items():
        path = tests / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    for folder in [tests, *(p for p in tests.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()
    return tests


SUPPORT = {
    "support/server.py": """
        def free_port() -> int:
            return 0

        def _private() -> None:
            pass

        class Process:
            def start(self) -> None:
                pass
    """,
    "support/receiver.py": """
        from tests.support.server import free_port

        async def wait_until(check) -> None:
            pass
    """,
}


def test_the_tests_tree_keeps_its_support_in_one_home() -> None:
    found = offences(TESTS)
    assert not found, "test support outside tests/support/:\n" + "\n".join(found)


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    tests = plant(
        tmp_path,
        {
            **SUPPORT,
            "conftest.py": """
                import pytest
                from tests.support.server import free_port

                def pytest_configure(config): ...

                def _helper(): ...

                @pytest.fixture
                def port() -> int:
                    return free_port()

                @pytest.fixture(scope="module")
                def other() -> int:
                    return 1
            """,
            "ops/test_ok.py": """
                from tests.support import server
                from tests.support.server import Process

                class Fake:
                    def start(self) -> None: ...  # a method may share a name

                def _private() -> None: ...  # so may a private helper

                def test_it(port: int) -> None:
                    assert port == server.free_port()
            """,
        },
    )
    assert offences(tests) == []


def test_imports_of_conftests_and_test_modules_are_found(tmp_path: Path) -> None:
    tests = plant(
        tmp_path,
        {
            **SUPPORT,
            "web/conftest.py": "",
            "web/test_b.py": "def helper() -> None: ...\n",
            "web/test_a.py": """
                from tests.web.conftest import thing
                from tests.web.test_b import helper
                from tests.web import test_b
                import tests.conftest
                from .conftest import other
                from . import test_b as again
            """,
            "support/bad.py": "from tests.web.test_b import helper\n",
        },
    )
    assert offences(tests) == [
        "tests/support/bad.py:1 imports tests.web.test_b",
        "tests/web/test_a.py:2 imports tests.web.conftest",
        "tests/web/test_a.py:3 imports tests.web.test_b",
        "tests/web/test_a.py:4 imports tests.web.test_b",
        "tests/web/test_a.py:5 imports tests.conftest",
        "tests/web/test_a.py:6 imports tests.web.conftest",
        "tests/web/test_a.py:7 imports tests.web.test_b",
    ]


def test_helpers_written_again_outside_support_are_found(tmp_path: Path) -> None:
    tests = plant(
        tmp_path,
        {
            **SUPPORT,
            "ops/server.py": """
                import socket

                def free_port() -> int:
                    with socket.socket() as s:
                        s.bind(("127.0.0.1", 0))
                        return int(s.getsockname()[1])
            """,
            "hooks/test_hooks.py": """
                def test_it() -> None:
                    async def wait_until(check) -> None: ...  # nested copies count too

                    class Process: ...
            """,
            "support/other.py": "def free_port() -> int:\n    return 1\n",
        },
    )
    assert offences(tests) == [
        "tests/hooks/test_hooks.py:3 defines wait_until (already in tests/support/receiver.py:4)",
        "tests/hooks/test_hooks.py:5 defines Process (already in tests/support/server.py:8)",
        "tests/ops/server.py:4 defines free_port (already in tests/support/other.py:1)",
        "tests/support/server.py:2 defines free_port (already in tests/support/other.py:1)",
    ]


def test_helpers_and_classes_in_a_conftest_are_found(tmp_path: Path) -> None:
    tests = plant(
        tmp_path,
        {
            **SUPPORT,
            "reliability/conftest.py": """
                import pytest

                class Row:
                    pass

                def record(row: Row) -> None:
                    pass

                @pytest.fixture
                def fine() -> int:
                    return 1
            """,
        },
    )
    assert offences(tests) == [
        "tests/reliability/conftest.py:4 defines class Row",
        "tests/reliability/conftest.py:7 defines helper record",
    ]
