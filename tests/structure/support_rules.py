"""The rules that keep test support in one home (tests/support/), checked on source with
``ast`` so a test helper cannot quietly be written twice again.

1. No module under tests/ imports from a ``conftest`` or from a ``test_*`` module: helpers
   live in tests/support/, fixtures reach tests through pytest, never through an import.
2. A function or class defined at the top of a tests/support/ module is not defined again
   anywhere else under tests/ (at module level or inside a function; methods of other
   classes may share a name such as ``start``).
3. A ``conftest.py`` defines only fixtures, pytest hooks (``pytest_*``) and private helpers
   (``_name``): a public function or a class there is a helper in the wrong place.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SUPPORT = "support"
Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _is_test_module(name: str) -> bool:
    return name == "conftest" or name.startswith("test_")


def _python_files(root: Path) -> Iterator[Path]:
    yield from sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _where(root: Path, path: Path, node: ast.stmt) -> str:
    return f"{path.relative_to(root.parent)}:{node.lineno}"


def _imported_modules(root: Path, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Dotted names of the modules an import statement reads, as far as a file tells: for
    ``from package import name`` also ``package.name`` when that is a module under root."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = path.parent
        for _ in range(node.level - 1):
            base = base.parent
        package = ".".join(base.relative_to(root.parent).parts)
        module = f"{package}.{node.module}" if node.module else package
    else:
        module = node.module or ""
    found = [module]
    folder = root.parent.joinpath(*module.split("."))
    for alias in node.names:
        if (folder / f"{alias.name}.py").exists():
            found.append(f"{module}.{alias.name}")
    return found


def import_offences(root: Path) -> list[str]:
    """Rule 1: every import of a conftest or a test module, as ``file:line imports module``."""
    offences = []
    for path in _python_files(root):
        for node in ast.walk(_parse(path)):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for module in _imported_modules(root, path, node):
                    if any(_is_test_module(part) for part in module.split(".")):
                        offences.append(f"{_where(root, path, node)} imports {module}")
    return offences


def support_names(root: Path) -> dict[str, str]:
    """Public top-level functions and classes of tests/support/, by name: where each lives."""
    names: dict[str, str] = {}
    for path in _python_files(root / SUPPORT):
        for node in _parse(path).body:
            public = not getattr(node, "name", "_").startswith("_")
            if isinstance(node, Definition) and public:
                names.setdefault(node.name, _where(root, path, node))
    return names


def _definitions(
    tree: ast.Module,
) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """Functions and classes at module level or nested in functions; not methods."""
    stack: list[ast.AST] = [tree]
    while stack:
        parent = stack.pop()
        for child in ast.iter_child_nodes(parent):
            method = isinstance(parent, ast.ClassDef)
            if (
                isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and not method
            ):
                yield child
            stack.append(child)


def duplicate_offences(root: Path) -> list[str]:
    """Rule 2: every definition outside tests/support/ (and every second one inside it) of a
    name tests/support/ defines, as ``file:line defines name (tests/support/...)``."""
    names = support_names(root)
    offences = []
    for path in _python_files(root):
        inside = path.is_relative_to(root / SUPPORT)
        tree = _parse(path)
        for node in _definitions(tree):
            home = names.get(node.name)
            if home is None:
                continue
            where = _where(root, path, node)
            if inside and where == home:
                continue
            if (inside and node in tree.body) or not inside:
                offences.append(f"{where} defines {node.name} (already in {home})")
    return offences


def _is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name == "fixture":
            return True
    return False


def conftest_offences(root: Path) -> list[str]:
    """Rule 3: every public non-fixture function and every class in a conftest.py."""
    offences = []
    for path in _python_files(root):
        if path.name != "conftest.py":
            continue
        for node in _parse(path).body:
            if isinstance(node, ast.ClassDef):
                offences.append(f"{_where(root, path, node)} defines class {node.name}")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                private = node.name.startswith(("_", "pytest_"))
                if not private and not _is_fixture(node):
                    offences.append(f"{_where(root, path, node)} defines helper {node.name}")
    return offences


def offences(root: Path) -> list[str]:
    """Everything that breaks the rules under ``root`` (a tests/ folder), sorted."""
    return sorted(import_offences(root) + duplicate_offences(root) + conftest_offences(root))
