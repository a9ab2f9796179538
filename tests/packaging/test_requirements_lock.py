"""`pyproject.toml` declares what Tixallo needs (compatible ranges, for `pip install .`);
`requirements.txt` is the exact lock `make run` installs. The two must tell the same story:
every distribution the declared dependencies pull in (extras and markers included) is pinned,
at a version the ranges accept, and nothing is pinned that nothing needs."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
#: Pinned for the build itself (`pip install --no-build-isolation -e .`), not imported at run time.
BUILD_TOOLS = {"setuptools", "wheel"}


def _pins(path: Path) -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r"):
            continue
        name, _, version = line.partition("==")
        assert version, f"{path.name}: {line!r} is not an exact pin"
        pins[canonicalize_name(name)] = Version(version)
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["dependencies"]]


def _closure(pins: dict[str, Version]) -> tuple[set[str], list[str]]:
    """Walk the declared requirements through the installed metadata; report each
    requirement the lock does not satisfy."""
    problems: list[str] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    queue: list[tuple[Requirement, str]] = [(r, "pyproject.toml") for r in _declared()]
    reached: set[str] = set()
    while queue:
        requirement, wanted_by = queue.pop()
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        reached.add(name)
        pinned = pins.get(name)
        if pinned is None:
            problems.append(f"{requirement} (needed by {wanted_by}) is not pinned")
            continue
        if not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{name}=={pinned} does not satisfy {requirement} ({wanted_by})")
        for text in metadata.requires(requirement.name) or []:
            child = Requirement(text)
            environments = [{"extra": extra} for extra in requirement.extras] or [{"extra": ""}]
            if child.marker is None or any(child.marker.evaluate(e) for e in environments):
                queue.append((child, name))
    return reached, problems


def test_every_dependency_is_pinned_at_an_accepted_version() -> None:
    _, problems = _closure(_pins(ROOT / "requirements.txt"))
    assert problems == []


def test_the_lock_pins_nothing_that_nothing_needs() -> None:
    pins = _pins(ROOT / "requirements.txt")
    reached, _ = _closure(pins)
    assert set(pins) - reached - BUILD_TOOLS == set()


def test_the_installed_versions_are_the_pinned_ones() -> None:
    pins = _pins(ROOT / "requirements.txt")
    reached, _ = _closure(pins)
    installed = {name: Version(metadata.version(name)) for name in reached}
    assert {n: v for n, v in installed.items() if pins.get(n) != v} == {}


def test_development_pins_do_not_contradict_the_runtime_lock() -> None:
    runtime = _pins(ROOT / "requirements.txt")
    development = _pins(ROOT / "requirements-dev.txt")
    assert {n: v for n, v in development.items() if n in runtime and runtime[n] != v} == {}
