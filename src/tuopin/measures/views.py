"""The measures page: FGT at the year's two lines and the multidimensional index of the user's area (drill-down by
child area, in scope), with the indicators' contributions as a stacked bar and the groups as tables. Read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.areas import area_for, breadcrumbs_for
from tuopin.accounts.permissions import get_in_scope_or_404, require, signed_in_user
from tuopin.accounts.roles import Capability
from tuopin.accounts.scope import area_codes
from tuopin.core.forms import TextCheckedForm
from tuopin.measures.registry import (
    GroupFigures,
    NothingToMeasure,
    PolicyMissing,
    ProvincesDiffer,
    RegistryMeasures,
    RegistryRefused,
)
from tuopin.measures.selectors import income_years_for, measures_for
from tuopin.measures.specs import DEFAULT, spec_named, specs
from tuopin.policy.keys import KEYS


class MeasuresForm(TextCheckedForm):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int)
    spec = forms.ChoiceField(label=gettext_lazy("多维贫困规格"))

    def __init__(self, data: dict[str, Any], *, years: list[int]) -> None:
        super().__init__(data)
        self.fields["year"].choices = [(year, year) for year in years]  # type: ignore[attr-defined]
        self.fields["spec"].choices = [(name, spec.label) for name, spec in specs().items()]  # type: ignore[attr-defined]


@require(Capability.READ)
def measures(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    held = area_codes(user)
    code = request.GET.get("area") or (held[0] if len(held) == 1 else "")
    area = get_in_scope_or_404(request, lambda: area_for(user, code), what="area", key=code) if code else None
    years = income_years_for(user, within=code)
    form = MeasuresForm(
        {
            "year": request.GET.get("year") or (years[0] if years else ""),
            "spec": request.GET.get("spec") or DEFAULT,
        },
        years=years,
    )
    result, refusal = None, ""
    if years and form.is_valid():
        try:
            result = measures_for(
                user, form.cleaned_data["year"], spec_named(form.cleaned_data["spec"]), within=code
            )
        except RegistryRefused as refused:
            refusal = _refusal(refused)
    context = {
        "form": form,
        "area": area,
        "crumbs": breadcrumbs_for(user, area) if area else [],
        "years": years,
        "result": result,
        "refusal": refusal,
        **(_figures(result) if result else {}),
    }
    return render(request, "measures/measures.html", context, status=400 if years and form.errors else 200)


def _refusal(refused: RegistryRefused) -> str:
    if isinstance(refused, PolicyMissing):
        return _("%(year)s 年的政策参数缺少：%(keys)s") % {
            "year": refused.year,
            "keys": "、".join(str(KEYS[key].label) for key in refused.keys),
        }
    if isinstance(refused, ProvincesDiffer):
        return _("所选范围内各省的政策参数不同（%(keys)s），请选择一个省份。") % {
            "keys": "、".join(str(KEYS[key].label) for key in refused.keys)
        }
    if isinstance(refused, NothingToMeasure):
        return _("%(year)s 年本区域没有有收入记录的农户。") % {"year": refused.year}
    return _("无法计算。")


def _percent(value: float) -> float:
    return value * 100


def _group_rows(groups: dict[str, GroupFigures], *, link: bool) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "name": g.name,
            "link": link,
            "persons": g.persons,
            "P0": _percent(g.P0),
            "H": _percent(g.H),
            "A": _percent(g.A),
            "M0": g.M0,
            "share": _percent(g.population_share),
            "contribution": _percent(g.contribution),
        }
        for code, g in groups.items()
    ]


def _figures(result: RegistryMeasures) -> dict[str, Any]:
    """What the template shows, as numbers ready to print (ratios as percentages), and the chart's data."""
    labels = {indicator.name: indicator.label for indicator in result.spec.indicators}
    lines = [
        {
            "key": key,
            "label": KEYS[key].label,
            "line": line.line,
            "result": line.result,
            "P0": _percent(line.result.P0) if line.result else None,
            "P1": _percent(line.result.P1) if line.result else None,
            "P2": _percent(line.result.P2) if line.result else None,
        }
        for key, line in result.lines.items()
    ]
    indicators = [
        {
            "name": name,
            "label": labels[name],
            "weight": result.weights[name],
            "censored": _percent(result.censored_headcounts[name]),
            "contribution": _percent(share),
        }
        for name, share in result.contributions.items()
    ]
    total = {
        "code": result.area,
        "label": _("合计"),
        "M0": result.M0,
        "parts": {name: result.weights[name] * ch for name, ch in result.censored_headcounts.items()},
    }
    bars = [
        {"code": code, "label": g.name, "M0": g.M0, "parts": g.parts}
        for code, g in result.by_area.items()
        if g.persons
    ]
    return {
        "lines": lines,
        "indicators": indicators,
        "mpi": {"H": _percent(result.H), "A": _percent(result.A), "M0": result.M0, "k": result.k},
        "by_area": _group_rows(result.by_area, link=True),
        "by_category": _group_rows(result.by_category, link=False),
        "chart": {
            "indicators": [{"name": name, "label": label} for name, label in labels.items()],
            "bars": [total, *bars],
        },
    }
