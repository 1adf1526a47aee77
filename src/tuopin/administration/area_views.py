from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tuopin.accounts.areas import (
    area_for,
    breadcrumbs_for,
    children_for,
    scope_roots_for,
    search_areas_for,
    years_for,
)
from tuopin.accounts.permissions import get_in_scope_or_404, require
from tuopin.accounts.roles import Capability


@require(Capability.READ)
def browse(request: HttpRequest) -> HttpResponse:
    return render(request, "administration/areas/browse.html", {"roots": scope_roots_for(request.user)})


@require(Capability.READ)
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:50]
    results = search_areas_for(request.user, query)
    template = (
        "administration/areas/_results.html"
        if request.headers.get("HX-Request")
        else "administration/areas/search.html"
    )
    return render(request, template, {"results": results, "q": query})


@require(Capability.READ)
def detail(request: HttpRequest, code: str) -> HttpResponse:
    area = get_in_scope_or_404(request, lambda: area_for(request.user, code), what="area", key=code)
    context = {
        "area": area,
        "crumbs": breadcrumbs_for(request.user, area),
        "children": children_for(request.user, area),
        "years": years_for(request.user, area),
    }
    return render(request, "administration/areas/detail.html", context)
