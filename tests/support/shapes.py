"""Comparing an answer with a documented example by shape: the same keys, the same kinds of
value, lists item by item."""

from __future__ import annotations

from typing import Any


def shape_errors(documented: Any, got: Any, where: str = "$") -> list[str]:
    """How ``got`` differs in shape from ``documented`` (null matches anything)."""
    if documented is None or got is None:
        return []
    if isinstance(documented, dict):
        if not isinstance(got, dict):
            return [f"{where}: an object was documented, got {got!r}"]
        errors = []
        if missing := sorted(documented.keys() - got.keys()):
            errors.append(f"{where}: documented but missing {missing}")
        if extra := sorted(got.keys() - documented.keys()):
            errors.append(f"{where}: answered but undocumented {extra}")
        for key in documented.keys() & got.keys():
            errors += shape_errors(documented[key], got[key], f"{where}.{key}")
        return errors
    if isinstance(documented, list):
        if not isinstance(got, list):
            return [f"{where}: a list was documented, got {got!r}"]
        errors = []
        for n, item in enumerate(got):
            errors += shape_errors(_like(documented, item), item, f"{where}[{n}]")
        return errors
    kinds = (
        (bool,)
        if isinstance(documented, bool)
        else (str,)
        if isinstance(documented, str)
        else (int, float)
    )
    if not isinstance(got, kinds) or (kinds != (bool,) and isinstance(got, bool)):
        return [f"{where}: {type(documented).__name__} documented, got {got!r}"]
    return []


def _like(documented: list[Any], item: Any) -> Any:
    """The documented item to compare ``item`` with: for events, one of the same type; an
    event type the page does not show is checked on its envelope only."""
    if not documented:
        return None
    first = documented[0]
    if isinstance(item, dict) and "type" in item and isinstance(first, dict) and "type" in first:
        same = [d for d in documented if d.get("type") == item["type"]]
        if same:
            return same[0]
        return {k: v for k, v in first.items() if k != "data"} | {"data": None}
    return documented[0]
