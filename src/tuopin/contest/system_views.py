"""Pages of the contest app (filled in by issue 16's work)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
