"""The department-data page: the batches received (counts only), the upload form, an import's result."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tuopin.accounts.permissions import (
    get_in_scope_or_404,
    require,
    signed_in,
    write_required,
)
from tuopin.accounts.roles import Capability
from tuopin.core.jobs import job_for
from tuopin.feeds.forms import UploadForm
from tuopin.feeds.permissions import can_upload
from tuopin.feeds.selectors import batches_for
from tuopin.feeds.sources import SOURCES
from tuopin.feeds.tasks import feeds_import_job
from tuopin.ledgers.uploads import upload_job_start

SHOWN = 200  # batches on the page, newest first
SUFFIXES = {".csv", ".xlsx"}


def _page(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    source = request.GET.get("source", "")
    batches = batches_for(request.user, source=source if source in SOURCES else "", limit=SHOWN)
    context = {
        "batches": batches,
        "form": form,
        "can_upload": can_upload(request.user),
        "sources": SOURCES,
        "source": source,
    }
    return render(request, "feeds/batches.html", context, status=status)


@require(Capability.READ)
def batches(request: HttpRequest) -> HttpResponse:
    return _page(request, UploadForm())


@require(Capability.WRITE)
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    """Store the upload and import it as a background job whose page shows the progress."""
    write_required(
        request.user,  # type: ignore[arg-type]  # signed in: @require
        allowed=can_upload(request.user),
        object_type="feeds",
        object_id="upload",
        message="only province, city and county offices upload department data",
        request=request,
    )
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    suffix = Path(form.cleaned_data["file"].name or "").suffix.lower()
    if suffix not in SUFFIXES:
        form.add_error("file", _("只接受 .csv 或 .xlsx 文件。"))
        return _page(request, form, status=400)
    job = upload_job_start(
        request,
        form,
        kind="feeds.import",
        enqueue=lambda job_id: feeds_import_job.enqueue(job_id=job_id),
        params={
            "source": form.cleaned_data["source"],
            "period": form.cleaned_data["period"],
            "accept_valid": form.cleaned_data["accept_valid"],
        },
        suffix=suffix,
    )
    if job is None:
        return _page(request, form, status=400)
    return redirect("site:job", job_id=job.pk)


@signed_in
def job_result(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """An import's outcome: its counts and every problem found (the first thousand listed)."""
    job = get_in_scope_or_404(
        request, lambda: job_for(request.user.pk, str(job_id)), what="job", key=str(job_id)
    )
    if job.kind != "feeds.import":
        return redirect("site:job", job_id=job.pk)
    return render(
        request,
        "feeds/job.html",
        {"job": job, "result": job.result, "source": SOURCES.get(job.params.get("source", ""))},
    )
