"""The circulated report's downloads: the PDF and the Excel workbook of a round, for the users it is circulated to
(and, as a preview marked 草稿/预览, for the organiser's office before publication). Each download is audited."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from tuopin.accounts.permissions import get_in_scope_or_404, require
from tuopin.accounts.roles import Capability
from tuopin.audit.services import audit_record
from tuopin.contest.models import Round
from tuopin.contest.ranking import RankingError
from tuopin.contest.report import Report, report_build, report_pdf, report_round_for, report_workbook
from tuopin.core.downloads import PDF, XLSX, download


@require(Capability.READ)
def report_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "pdf")


@require(Capability.READ)
def report_workbook_download(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "xlsx")


def _download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    contest_round: Round = get_in_scope_or_404(
        request, lambda: report_round_for(request.user, pk), what="contest_round", key=str(pk)
    )
    try:
        report = report_build(contest_round)
    except RankingError as error:  # a preview of a round still being scored
        return render(
            request,
            "contest/report/unranked.html",
            {"round": contest_round, "problems": error.problems},
            status=409,
        )
    data, content_type = (report_pdf(report), PDF) if kind == "pdf" else (report_workbook(report), XLSX)
    audit_record(
        action="contest.report",
        request=request,
        object_type="contest_round",
        object_id=str(contest_round.pk),
        details={"format": kind, "preview": report.preview, "revision": contest_round.revision},
    )
    return download(data, _filename(report, kind), content_type)


def _filename(report: Report, kind: str) -> str:
    name = _("%(title)s通报") % {"title": report.title}
    if report.preview:
        name += _("（预览）")
    return f"{name.replace('/', '-')}.{kind}"


urlpatterns: list[URLPattern] = [
    path("rounds/<int:pk>/report.pdf", report_pdf_download, name="report_pdf"),
    path("rounds/<int:pk>/report.xlsx", report_workbook_download, name="report_workbook"),
]
