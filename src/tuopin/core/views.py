from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.i18n import set_language as django_set_language

from tuopin.accounts.permissions import public, signed_in
from tuopin.areas.selectors import scope_roots_for


@public
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@public
def set_language(request: HttpRequest) -> HttpResponse:
    return django_set_language(request)


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"roots": scope_roots_for(request.user)})
