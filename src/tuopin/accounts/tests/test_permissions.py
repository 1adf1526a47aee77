"""Deny by default (SECURITY.md A6): every routed view declares who may call it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from tuopin.accounts.permissions import ACCESS_ATTRIBUTE

# The public self-report form (monitoring.public) and its area choices are public by design (issue 5).
PUBLIC_VIEWS = {
    "login_view",
    "login_verify",
    "logout_view",
    "healthz",
    "set_language",
    "openapi_json",
    "report",
    "report_areas",
}


def _views(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_it_marks_every_view_with_an_explicit_permission() -> None:
    unmarked = [
        route for route, view in _views(get_resolver().url_patterns) if not hasattr(view, ACCESS_ATTRIBUTE)
    ]
    assert unmarked == []


def test_it_keeps_public_views_to_the_known_few() -> None:
    public = set()
    for _route, view in _views(get_resolver().url_patterns):
        if getattr(view, ACCESS_ATTRIBUTE) == "public":
            public.add(
                getattr(view, "__name__", None) or view.func.__name__
            )  # functools.partial for the schema
    assert public == PUBLIC_VIEWS
