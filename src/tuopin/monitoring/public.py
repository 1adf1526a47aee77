"""The public self-report form (no sign-in): a household or a neighbour reports hardship; it becomes an alert for the
village. Nothing of the registry is shown: only the names of the divisions to choose the village from."""

from __future__ import annotations

import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.permissions import public
from tuopin.core.forms import TextCheckedForm, add_service_errors
from tuopin.monitoring.selectors import report_areas_under, report_counties
from tuopin.monitoring.services import self_report

NUMERALS = "零一二三四五六七八九"
CHALLENGE = "report_challenge"


class ReportForm(TextCheckedForm):
    county = forms.ChoiceField(label=gettext_lazy("县（市、区）"))
    township = forms.CharField(label=gettext_lazy("乡镇"), max_length=9)
    village = forms.CharField(label=gettext_lazy("村"), max_length=12)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    phone = forms.CharField(label=gettext_lazy("手机号码"), max_length=11)
    text = forms.CharField(
        label=gettext_lazy("遇到的困难"), max_length=500, widget=forms.Textarea(attrs={"rows": 4})
    )
    answer = forms.CharField(label=gettext_lazy("验证问题"), max_length=3)


def _challenge(request: HttpRequest) -> str:
    """A sum in Chinese numerals (the answer in digits): easy for a person, a step more for a form-filling bot."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    request.session[CHALLENGE] = a + b
    return _("%(a)s加%(b)s等于几？（请填阿拉伯数字）") % {"a": NUMERALS[a], "b": NUMERALS[b]}


@public
def report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None)
    form.fields["county"].choices = [("", "—"), *report_counties()]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        expected = request.session.pop(CHALLENGE, None)
        data = form.cleaned_data
        if expected is None or data["answer"].strip() != str(expected):
            form.add_error("answer", _("答案不对，请重新计算。"))
        elif not data["village"].startswith(data["county"]):
            form.add_error("village", _("请选择所在的村。"))
        else:
            try:
                self_report(
                    village=data["village"],
                    name=data["name"],
                    phone=data["phone"].strip(),
                    text=data["text"],
                    client=str(request.META.get("REMOTE_ADDR", "")),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return render(request, "monitoring/report_done.html")
    context = {"form": form, "question": _challenge(request)}
    return render(request, "monitoring/report.html", context, status=400 if form.errors else 200)


@public
def report_areas(request: HttpRequest) -> HttpResponse:
    """The townships of a county or the villages of a township, as <option>s (names of divisions only)."""
    parent = request.GET.get("county") or request.GET.get("township") or ""
    return render(request, "monitoring/_area_options.html", {"areas": report_areas_under(parent)})
