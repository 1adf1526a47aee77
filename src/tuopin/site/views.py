from __future__ import annotations

import uuid

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.i18n import set_language as django_set_language

from tuopin.accounts.areas import scope_roots_for
from tuopin.accounts.permissions import get_in_scope_or_404, public, signed_in
from tuopin.accounts.roles import MEDWASTE_ROLES, Role
from tuopin.core.jobs import job_for


@public
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@public
def set_language(request: HttpRequest) -> HttpResponse:
    return django_set_language(request)


@signed_in
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = get_in_scope_or_404(
        request, lambda: job_for(request.user.pk, str(job_id)), what="job", key=str(job_id)
    )
    template = "site/_job.html" if request.headers.get("HX-Request") else "site/job.html"
    errors = job.result.get("errors", []) if job.result else []
    return render(request, template, {"job": job, "errors": errors[:2000], "error_count": len(errors)})


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    if (
        getattr(request.user, "role", "") == Role.JUDGE
    ):  # a judge-only account reads no area: its rounds instead
        return redirect("contest:judging")
    if getattr(request.user, "role", "") in MEDWASTE_ROLES:  # the medical-waste roles read that ledger alone
        return redirect("medwaste:overview")
    return render(request, "site/home.html", {"roots": scope_roots_for(request.user)})
