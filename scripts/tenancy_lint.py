"""Tenancy and SQL by construction: an AST lint run by ``make lint`` (after Polar's org-scope
linter).

Two rules, over every module of ``src/tixallo`` except the migrations:

1. **Statements are built in repositories.** ``select``, ``insert``, ``update`` and ``delete``
   from SQLAlchemy are called only in ``repository.py`` modules, and in the few modules of
   :data:`STATEMENT_MODULES`, each with the reason it holds SQL of its own. Services then call
   named queries, and a reviewer looking for a workspace's data reads the repositories.
2. **Tenant filters come from one place per domain.** A ``Model.workspace_id == …`` condition
   (or ``filter_by(workspace_id=…)``) appears only inside a function whose name ends in
   ``_of``: ``tickets_of(ctx)``, ``keys_of(ctx)``…, which the domain's queries start from. A
   condition that cannot be written that way carries ``# tenancy-ok: <why>`` on its line;
   the lint counts those and prints them, so an escape is a visible, reviewed decision.

    python scripts/tenancy_lint.py [ROOT]      # ROOT defaults to src/tixallo

Exit status 1 and one line per violation when a rule is broken.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BUILDERS = frozenset({"select", "insert", "update", "delete"})
ESCAPE = re.compile(r"#\s*tenancy-ok:\s*(\S.*)$")

# Modules (relative to the root) that build statements although they are not repositories.
STATEMENT_MODULES: dict[str, str] = {
    "tickets/stats.py": "the dashboard's grouped counts: reporting queries, not entity reads",
    "tickets/search.py": "builds the search conditions and their PostgreSQL plans",
    "db.py": "the engine's own checks (SELECT 1, SQLite pragmas)",
    "metrics.py": "gauges read by /metrics across all workspaces, by design",
    "server_secrets.py": "the server's own secrets (no workspace): its model and two queries, "
    "kept beside the signing that uses them",
    "webhooks/queue.py": "the delivery worker's claim, lease and lock statements: across all "
    "workspaces by design, keyed by endpoint and delivery id, never by a caller's input",
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _builder_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names bound to SQLAlchemy's builders, and aliases of the sqlalchemy module itself."""
    names: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            names.update(a.asname or a.name for a in node.names if a.name in BUILDERS)
        elif isinstance(node, ast.Import):
            modules.update(a.asname or a.name for a in node.names if a.name == "sqlalchemy")
    return names, modules


def _is_model_attribute(node: ast.expr) -> bool:
    """``Ticket.workspace_id`` or ``table.c.workspace_id``: a column, not an instance's value
    (``ticket.workspace_id``), which is plain Python."""
    if not (isinstance(node, ast.Attribute) and node.attr == "workspace_id"):
        return False
    owner = node.value
    if isinstance(owner, ast.Name):
        return owner.id[:1].isupper()
    return isinstance(owner, ast.Attribute) and owner.attr == "c"


def _is_column(node: ast.expr) -> bool:
    """``Model.attr`` on both sides is a join condition, not a filter by a value."""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id[:1].isupper()
    )


class _Visitor(ast.NodeVisitor):
    def __init__(self, path: str, lines: list[str], builders: set[str], modules: set[str]):
        self.path = path
        self.lines = lines
        self.builders = builders
        self.modules = modules
        self.functions: list[str] = []
        self.statements: list[Finding] = []
        self.filters: list[Finding] = []
        self.escapes: list[Finding] = []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._in_function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._in_function(node)

    def _in_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = None
        if isinstance(func, ast.Name) and func.id in self.builders:
            name = func.id
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in BUILDERS
            and isinstance(func.value, ast.Name)
            and func.value.id in self.modules
        ):
            name = func.attr
        if name:
            self.statements.append(
                Finding(self.path, node.lineno, f"{name}() outside a repository module")
            )
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "filter_by"
            and any(k.arg == "workspace_id" for k in node.keywords)
        ):
            self._tenant_filter(node)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        sides = [node.left, *node.comparators]
        if (
            any(isinstance(op, ast.Eq) for op in node.ops)
            and any(map(_is_model_attribute, sides))
            and not all(map(_is_column, sides))
        ):
            self._tenant_filter(node)
        self.generic_visit(node)

    def _tenant_filter(self, node: ast.expr) -> None:
        if self.functions and self.functions[-1].endswith("_of"):
            return
        line = self.lines[node.lineno - 1] if node.lineno <= len(self.lines) else ""
        escape = ESCAPE.search(line)
        if escape:
            self.escapes.append(Finding(self.path, node.lineno, escape.group(1).strip()))
            return
        where = f"in {self.functions[-1]}()" if self.functions else "at module level"
        self.filters.append(
            Finding(
                self.path,
                node.lineno,
                f"workspace_id filter {where}: start from the domain's *_of(ctx) helper, "
                "or say why not with '# tenancy-ok: <why>'",
            )
        )


@dataclass
class Report:
    statements: list[Finding]
    filters: list[Finding]
    escapes: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.statements and not self.filters


def modules(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        if "migrations" not in path.relative_to(root).parts:
            yield path


def lint(root: Path) -> Report:
    report = Report([], [], [])
    for path in modules(root):
        relative = path.relative_to(root).as_posix()
        source = path.read_text()
        tree = ast.parse(source, filename=str(path))
        builders, sqlalchemy_modules = _builder_names(tree)
        visitor = _Visitor(relative, source.splitlines(), builders, sqlalchemy_modules)
        visitor.visit(tree)
        if path.name != "repository.py" and relative not in STATEMENT_MODULES:
            report.statements += visitor.statements
        report.filters += visitor.filters
        report.escapes += visitor.escapes
    return report


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1] / "src/tixallo"
    report = lint(root)
    for finding in report.statements + report.filters:
        print(finding)
    print(
        f"tenancy lint: {len(report.statements)} statements outside repositories, "
        f"{len(report.filters)} tenant filters outside *_of helpers, "
        f"{len(report.escapes)} tenancy-ok escapes:"
    )
    for escape in report.escapes:
        print(f"  {escape}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
