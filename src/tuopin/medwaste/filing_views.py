"""A transfer point's page (its facts, attached facilities, the quarter's weekly chart, balances and findings, the
filings' history), the quarterly filing's downloads (Excel, PDF; each audited) and the form that marks a quarter
filed. The point is read through the user's scope (404 and audited outside it); the filing is tuopin.medwaste.filing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tuopin.accounts.permissions import get_in_scope_or_404, require, signed_in_user
from tuopin.accounts.roles import Capability, Role
from tuopin.accounts.throttle import Throttled, throttle_check, throttled_response
from tuopin.core.downloads import PDF, XLSX, download
from tuopin.core.forms import TextCheckedForm
from tuopin.medwaste import selectors
from tuopin.medwaste.filing import (
    FilingData,
    FilingInvalid,
    filing_data,
    filing_exported,
    filing_mark,
    filing_pdf,
    filing_xlsx,
    may_file,
)
from tuopin.medwaste.models import TransferPoint
from tuopin.medwaste.views import QUARTER, _quarter


class FilingMarkForm(TextCheckedForm):
    quarter = forms.RegexField(regex=QUARTER, widget=forms.HiddenInput)
    filed_on = forms.DateField(label=gettext_lazy("报送日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)


def _point(request: HttpRequest, code: str) -> TransferPoint:
    """The point in the user's scope, else 404 (audited). A facility's user reads its own handovers only, never a
    point's whole ledger: the filing is not for it."""
    user = signed_in_user(request)

    def lookup() -> TransferPoint | None:
        if user.role == Role.FACILITY:
            return None
        return selectors.point_for(user, code)

    found: TransferPoint = get_in_scope_or_404(request, lookup, what="transfer_point", key=code)
    return found


def _data(request: HttpRequest, code: str) -> FilingData:
    point = _point(request, code)
    year, quarter = _quarter(request, point.area_id)
    return filing_data(signed_in_user(request), point, year, quarter)


@require(Capability.MEDWASTE)
def point_detail(request: HttpRequest, code: str) -> HttpResponse:
    user, data = signed_in_user(request), _data(request, code)
    context: dict[str, Any] = {
        "data": data,
        "quarter": data.label,
        "form": FilingMarkForm(initial={"quarter": data.label, "filed_on": timezone.localdate()}),
        "may_file": data.filing is None and may_file(user, data.point),
        "chart": [
            {
                "label": f"{week.first:%m-%d}",
                "received": float(week.received_kg),
                "removed": float(week.removed_kg),
            }
            for week in data.weeks
        ],
    }
    return render(request, "medwaste/point.html", context)


@require(Capability.MEDWASTE)
def filing_xlsx_download(request: HttpRequest, code: str) -> HttpResponse:
    return _download(request, code, "xlsx")


@require(Capability.MEDWASTE)
def filing_pdf_download(request: HttpRequest, code: str) -> HttpResponse:
    return _download(request, code, "pdf")


def _download(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    if not QUARTER.match(
        request.GET.get("quarter", "").strip()
    ):  # a file names its quarter: the page's default
        point = _point(request, code)
        year, quarter = _quarter(request, point.area_id)
        return redirect(f"{request.path}?quarter={year}Q{quarter}")
    data = _data(request, code)
    try:  # a filing names the handlers: limited as every export of personal data is
        throttle_check(
            request.user, "medwaste.filing.export", request=request, object_type="point", object_id=code[:64]
        )
    except Throttled as error:
        return throttled_response(request, error)
    body, content_type = (filing_pdf(data), PDF) if kind == "pdf" else (filing_xlsx(data), XLSX)
    filing_exported(request=request, data=data, kind=kind)
    name = _("%(name)s%(quarter)s医疗废物台账") % {"name": data.point.name, "quarter": data.label}
    return download(body, f"{name.replace('/', '-')}.{kind}", content_type)


@require_POST
@require(Capability.MEDWASTE)
def filing_mark_view(request: HttpRequest, code: str) -> HttpResponse:
    user, point = signed_in_user(request), _point(request, code)
    form = FilingMarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写正确的报送日期。"))
        return redirect(reverse("medwaste:point", args=[point.code]))
    found = QUARTER.match(form.cleaned_data["quarter"])
    year, quarter = int(found[1]), int(found[2])  # type: ignore[index]  # the form's regex matched
    back = reverse("medwaste:point", args=[point.code]) + f"?quarter={year}Q{quarter}"
    try:
        filing = filing_mark(
            actor=user,
            point=point,
            year=year,
            quarter=quarter,
            filed_on=form.cleaned_data["filed_on"],
            note=form.cleaned_data["note"],
        )
    except (FilingInvalid, PermissionDenied) as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, _("已标记报送，报送日期 %(date)s。") % {"date": f"{filing.filed_on:%Y-%m-%d}"})
    return redirect(back)
