"""Scoped reads of the division tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from tuopin.accounts.scope import area_codes, scope_q
from tuopin.areas.codes import ancestor_codes, area_q
from tuopin.areas.models import Area, AreaYear

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User


def areas_for(user: User | AnonymousUser) -> QuerySet[Area]:
    return Area.objects.filter(scope_q(user, "code"))


def scope_roots_for(user: User | AnonymousUser) -> QuerySet[Area]:
    return (
        Area.objects.filter(code__in=area_codes(user))
        .annotate(child_count=Count("children"))
        .order_by("code")
    )


def area_for(user: User | AnonymousUser, code: str) -> Area | None:
    return areas_for(user).select_related("parent").filter(code=code).first()


def children_for(user: User | AnonymousUser, area: Area) -> QuerySet[Area]:
    return areas_for(user).filter(parent=area).annotate(child_count=Count("children")).order_by("code")


def breadcrumbs_for(user: User | AnonymousUser, area: Area) -> list[Area]:
    """The area's ancestors that lie inside the user's scope, top first (never a neighbour's or a parent's)."""
    return list(areas_for(user).filter(code__in=ancestor_codes(area.code)).order_by("code"))


def search_areas_for(user: User | AnonymousUser, query: str, limit: int = 50) -> list[Area]:
    query = query.strip()
    if not query:
        return []
    match = area_q("code", query) if query.isdigit() else Q(name__contains=query)
    return list(areas_for(user).filter(match).select_related("parent").order_by("code")[:limit])


def years_for(user: User | AnonymousUser, area: Area) -> QuerySet[AreaYear]:
    return AreaYear.objects.filter(scope_q(user, "area__code"), area=area).order_by("-year")
