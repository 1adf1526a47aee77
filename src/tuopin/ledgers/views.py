"""The pages every ledger shares: upload (a background job with progress and the problems table), the empty
template and the Excel export of what the user may see. Each ledger's own page links here.

The upload is for those who may write, and for `unit` users on the ledgers marked `units_may_import`
(core.ledgers.ledger_may_import); anyone else is refused (403, one denial row) as before."""

from __future__ import annotations

import io

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from tuopin.accounts.models import User
from tuopin.accounts.permissions import require, write_required
from tuopin.accounts.roles import Capability
from tuopin.accounts.throttle import Throttled, throttle_check, throttled_response
from tuopin.core.downloads import download
from tuopin.core.forms import TextCheckedForm
from tuopin.ledgers.framework import LEDGERS, Ledger, ledger_export, ledger_may_import, ledger_write
from tuopin.ledgers.tasks import ledger_import_job
from tuopin.ledgers.uploads import upload_job_start


class LedgerUploadForm(TextCheckedForm):
    file = forms.FileField(label=gettext_lazy("Excel 文件（.xlsx）或 CSV 文件（.csv）"))
    dry_run = forms.BooleanField(label=gettext_lazy("只校验，不写入"), required=False)


def _ledger(name: str) -> Ledger:
    ledger = LEDGERS.get(name)
    if ledger is None:
        raise Http404
    return ledger


def _workbook(data: bytes, filename: str) -> HttpResponse:
    return download(data, filename)


def _suffix(name: str) -> str:
    """The kept file's extension: .csv for a CSV file (read as one sheet), else .xlsx (the checks refuse anything
    else that is not a workbook)."""
    return ".csv" if name.lower().endswith(".csv") else ".xlsx"


@require(Capability.READ)
def ledger_upload(request: HttpRequest, name: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # signed in: @require
    known = LEDGERS.get(name)
    needs = f"needs {Capability.WRITE}"  # the refusal the write requirement gave before
    write_required(
        user,
        allowed=ledger_may_import(user, known) if known else user.can(Capability.WRITE),
        object_type="view",
        object_id=request.path,
        message=needs,
        details={"reason": needs},
        request=request,
    )
    ledger = _ledger(name)
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        dry_run = form.cleaned_data["dry_run"]
        job = upload_job_start(
            request,
            form,
            kind="ledger.import",
            enqueue=lambda job_id: ledger_import_job.enqueue(job_id=job_id),
            params={"ledger": name, "dry_run": dry_run, "page": ledger.page},
            ledger=name,
            dry_run=dry_run,
            suffix=_suffix(form.cleaned_data["file"].name or ""),
        )
        if job is not None:
            return redirect("site:job", job_id=job.pk)
    status = 400 if form.errors else 200
    return render(request, "ledgers/upload.html", {"form": form, "ledger": ledger}, status=status)


@require(Capability.READ)
def ledger_template(request: HttpRequest, name: str) -> HttpResponse:
    ledger = _ledger(name)
    buffer = io.BytesIO()
    ledger_write(ledger, buffer)
    return _workbook(buffer.getvalue(), f"{ledger.sheet}模板.xlsx")


class LedgerExportForm(TextCheckedForm):
    reason = forms.CharField(
        label=gettext_lazy("导出原因"),
        max_length=200,
        help_text=gettext_lazy("台账含农户和干部的姓名等个人信息，导出原因将记入审计日志。"),
    )


@require(Capability.READ)
def ledger_download(request: HttpRequest, name: str) -> HttpResponse:
    """The Excel of what the user may see, for a stated reason (GET: the form; POST: the file)."""
    ledger = _ledger(name)
    if ledger.export is None:
        raise Http404
    form = LedgerExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            throttle_check(
                request.user, "ledger.export", request=request, object_type="ledger", object_id=name
            )
        except Throttled as error:
            return throttled_response(request, error)
        buffer = io.BytesIO()
        user: User = request.user  # type: ignore[assignment]  # signed in: @require
        ledger_export(name, buffer, user=user, reason=form.cleaned_data["reason"])
        return _workbook(buffer.getvalue(), f"{ledger.sheet}.xlsx")
    status = 400 if form.errors else 200
    return render(request, "ledgers/export.html", {"form": form, "ledger": ledger}, status=status)
