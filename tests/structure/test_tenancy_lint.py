"""The tenancy lint (scripts/tenancy_lint.py, run by ``make lint``) passes on the tree and
fails on each kind of planted violation."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "tenancy_lint.py"


def _lint_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tenancy_lint", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["tenancy_lint"] = module
    spec.loader.exec_module(module)
    return module


lint = _lint_module()


def run(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, check=False
    )


def test_the_tree_passes_and_its_escapes_are_listed() -> None:
    result = run(ROOT / "src" / "tixallo")
    assert result.returncode == 0, result.stdout
    assert "0 statements outside repositories, 0 tenant filters" in result.stdout
    report = lint.lint(ROOT / "src" / "tixallo")
    for escape in report.escapes:
        assert escape.message, f"{escape.path}:{escape.line}: a tenancy-ok needs a reason"


def plant(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / "pkg" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    return tmp_path / "pkg"


FILTER = "from sqlalchemy import select\nfrom m import Ticket\n"


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        (
            "service.py",
            "from sqlalchemy import select\n\ndef read(s):\n    return select(X)\n",
            "select() outside a repository module",
        ),
        (
            "service.py",
            "import sqlalchemy as sa\n\ndef drop(s):\n    return sa.delete(X)\n",
            "delete() outside a repository module",
        ),
        (
            "service.py",
            "from sqlalchemy.dialects.postgresql import insert as pg_insert\n"
            "def up(s):\n    return pg_insert(X)\n",
            "insert() outside a repository module",
        ),
        (
            "repository.py",
            FILTER
            + "\ndef find(ctx):\n    return select(Ticket).where(Ticket.workspace_id == ctx.w)\n",
            "workspace_id filter in find()",
        ),
        (
            "repository.py",
            FILTER + "\ndef find(ctx):\n    return select(Ticket).filter_by(workspace_id=ctx.w)\n",
            "workspace_id filter in find()",
        ),
        (
            "repository.py",
            FILTER + "\nSTATEMENT = select(Ticket).where(Ticket.workspace_id == 'ws_1')\n",
            "workspace_id filter at module level",
        ),
    ],
)
def test_a_planted_violation_fails(tmp_path: Path, name: str, source: str, expected: str) -> None:
    result = run(plant(tmp_path, name, source))
    assert result.returncode == 1
    assert expected in result.stdout


@pytest.mark.parametrize(
    "source",
    [
        # The domain's helper is where the filter belongs.
        FILTER
        + "\ndef tickets_of(ctx):\n    return select(Ticket).where(Ticket.workspace_id == ctx.w)\n",
        # A join condition compares two columns; it filters nothing by a value.
        FILTER
        + "\ndef joined():\n    return select(T).join(M, M.workspace_id == T.workspace_id)\n",
        # An instance's attribute is plain Python.
        FILTER + "\ndef same(ticket, ctx):\n    return ticket.workspace_id == ctx.workspace_id\n",
        # A reviewed escape, with its reason.
        FILTER
        + "\ndef purge():\n    return select(T).where(T.workspace_id == W)  # tenancy-ok: why\n",
    ],
)
def test_what_the_lint_allows(tmp_path: Path, source: str) -> None:
    result = run(plant(tmp_path, "repository.py", source))
    assert result.returncode == 0, result.stdout


def test_an_escape_is_counted_and_printed(tmp_path: Path) -> None:
    source = (
        FILTER
        + "\ndef purge():\n    return Ticket.workspace_id == W  # tenancy-ok: operator purge\n"
    )
    result = run(plant(tmp_path, "repository.py", source))
    assert "1 tenancy-ok escapes" in result.stdout
    assert "repository.py:5: operator purge" in result.stdout


def test_allowed_statement_modules_say_why() -> None:
    for module, reason in lint.STATEMENT_MODULES.items():
        assert (ROOT / "src" / "tixallo" / module).is_file(), module
        assert len(reason) > 20, module
