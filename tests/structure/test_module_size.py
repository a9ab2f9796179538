"""No module of the package is over 400 lines (the migrations aside): past that a module
holds more than one concept, and the next change makes it worse. Split it instead."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "src" / "tixallo"
LIMIT = 400


def oversized(root: Path, limit: int = LIMIT) -> dict[str, int]:
    """Every ``.py`` under ``root`` (its path relative to ``root``) longer than ``limit``
    lines, migrations excluded: they are written once and never grow."""
    found: dict[str, int] = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if "migrations" in relative.parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found[relative.as_posix()] = lines
    return found


def test_no_module_is_over_400_lines() -> None:
    over = oversized(ROOT)
    assert over == {}, f"modules over {LIMIT} lines (split them by concept): {over}"


def test_a_planted_long_module_is_listed_and_migrations_are_not(tmp_path: Path) -> None:
    (tmp_path / "domain").mkdir()
    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "domain" / "long.py").write_text("x = 1\n" * (LIMIT + 1))
    (tmp_path / "domain" / "at_limit.py").write_text("x = 1\n" * LIMIT)
    (tmp_path / "migrations" / "versions" / "0001.py").write_text("x = 1\n" * (LIMIT * 2))
    (tmp_path / "notes.txt").write_text("x\n" * (LIMIT * 2))
    assert oversized(tmp_path) == {"domain/long.py": LIMIT + 1}
