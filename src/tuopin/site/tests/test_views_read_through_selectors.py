"""Views contain no ORM queries (issue 15; CONTRIBUTING, "Scoped reads"): every read goes through a selector that
takes the user, so that no view can forget the scope. Checked on the source of every module that holds views, without
importing it: no `Model.objects`, no queryset method, no get_object_or_404."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]  # src/tuopin
VIEW_MODULES = sorted(
    {
        *ROOT.glob("*/views.py"),
        *ROOT.glob("*/*_views.py"),
        ROOT / "api" / "v1.py",
        ROOT / "monitoring" / "public.py",
    }
)
# Methods that build or run a query. A related manager's `.all()` is allowed: it reads what the selector prefetched.
QUERY_METHODS = {
    "filter",
    "exclude",
    "annotate",
    "aggregate",
    "order_by",
    "values_list",
    "select_related",
    "prefetch_related",
    "exists",
    "first",
    "last",
    "distinct",
    "raw",
    "extra",
    "only",
    "defer",
    "in_bulk",
    "iterator",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "select_for_update",
}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}


def _queries(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            yield f"{where} .objects"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in QUERY_METHODS or (
                method == "count" and not node.args
            ):  # str.count takes an argument
                yield f"{where} .{method}()"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in SHORTCUTS:
            yield f"{where} {node.func.id}()"


def test_no_view_queries_the_database_but_through_selectors() -> None:
    found = [query for path in VIEW_MODULES for query in _queries(path)]
    assert not found, f"move these reads into the app's selectors.py: {found}"


def _callbacks(patterns: list[Any]) -> Iterator[Any]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _callbacks(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern.callback


def test_every_routed_view_lives_in_a_checked_module() -> None:
    """A view in a module of another name would escape the check above (the API's operations are api/v1.py's)."""
    modules = {getattr(view, "__module__", "") for view in _callbacks(get_resolver().url_patterns)}
    files = {
        Path(str(sys.modules[name].__file__)).resolve() for name in modules if name.startswith("tuopin.")
    }
    assert files <= set(VIEW_MODULES), sorted(str(f.relative_to(ROOT)) for f in files - set(VIEW_MODULES))
