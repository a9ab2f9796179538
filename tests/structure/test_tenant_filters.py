"""The caller's ``Ctx`` is the only source of a tenant filter: every ``*_of`` helper (the
one place the tenancy lint lets a ``workspace_id ==`` condition live) compares the column
with ``ctx.workspace_id`` of a parameter typed ``Ctx``, never with a loose id a caller
could fill from anywhere. Replaces the old ``test_ctx_is_the_only_tenant_filter``, which
only checked that a test fixture held a ``Ctx``."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "src" / "tixallo"


def _is_column(node: ast.expr, name: str) -> bool:
    """``Model.name``: a class attribute, not an instance's value."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == name
        and isinstance(node.value, ast.Name)
        and node.value.id[:1].isupper()
    )


def _ctx_params(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    arguments = function.args
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    return {a.arg for a in every if a.annotation is not None and ast.unparse(a.annotation) == "Ctx"}


def tenant_filters(root: Path) -> tuple[list[str], list[str]]:
    """(helpers whose filters all come from their Ctx, filters that do not), each named
    ``path:function``; only ``*_of`` functions holding a ``Model.workspace_id ==``."""
    good: list[str] = []
    bad: list[str] = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.relative_to(root).parts:
            continue
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if not function.name.endswith("_of"):
                continue
            where = f"{path.relative_to(root).as_posix()}:{function.name}"
            ctxs = _ctx_params(function)
            found = False
            for node in ast.walk(function):
                if not isinstance(node, ast.Compare) or len(node.comparators) != 1:
                    continue
                left, right = node.left, node.comparators[0]
                if not isinstance(node.ops[0], ast.Eq):
                    continue
                if _is_column(right, "workspace_id") and not _is_column(left, "workspace_id"):
                    left, right = right, left
                if not _is_column(left, "workspace_id") or _is_column(right, "workspace_id"):
                    continue
                found = True
                from_ctx = (
                    isinstance(right, ast.Attribute)
                    and right.attr == "workspace_id"
                    and isinstance(right.value, ast.Name)
                    and right.value.id in ctxs
                )
                if not from_ctx:
                    bad.append(f"{where}: {ast.unparse(node)}")
            if found and not any(b.startswith(where + ":") for b in bad):
                good.append(where)
    return good, bad


def test_every_scope_helper_filters_by_its_ctx() -> None:
    good, bad = tenant_filters(ROOT)
    assert bad == []
    # Every domain with tenant tables has one: a count this low means the walk broke.
    assert len(good) >= 20, good


def test_a_helper_filtering_by_a_loose_id_is_found(tmp_path: Path) -> None:
    (tmp_path / "repository.py").write_text(
        "def tickets_of(workspace_id: str):\n"
        "    return select(Ticket).where(Ticket.workspace_id == workspace_id)\n\n"
        "def notes_of(ctx: Ctx, ticket: Ticket):\n"
        "    return select(Note).where(ticket.workspace_id == Note.workspace_id)\n\n"
        "def tags_of(ctx: Ctx):\n"
        "    return select(Tag).where(Tag.workspace_id == ctx.workspace_id)\n\n"
        "def links_of(ctx: Ctx):\n"
        "    return select(Link).join(Ticket, Ticket.workspace_id == Link.workspace_id)\n"
    )
    good, bad = tenant_filters(tmp_path)
    assert good == ["repository.py:tags_of"]
    assert bad == [
        "repository.py:tickets_of: Ticket.workspace_id == workspace_id",
        "repository.py:notes_of: ticket.workspace_id == Note.workspace_id",
    ]
