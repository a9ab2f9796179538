"""The package's modules depend one way: no import cycle, lazy imports included."""

from __future__ import annotations

from pathlib import Path

from tests.structure.imports import cycles, import_graph

ROOT = Path(__file__).resolve().parents[2] / "src" / "tixallo"


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph(ROOT)
    assert len(graph) > 100, "the graph should cover the whole package"
    assert cycles(graph) == []


def test_a_planted_cycle_is_found_even_through_a_lazy_import(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "cli").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "cli" / "__init__.py").write_text("from pkg.cli.hooks import hook_app\n")
    (package / "cli" / "hooks.py").write_text(
        "def create():\n    from pkg.cli import run\n    return run\n"
    )
    (package / "models.py").write_text("from . import cli\n")
    assert cycles(import_graph(package)) == [["pkg.cli", "pkg.cli.hooks"]]
