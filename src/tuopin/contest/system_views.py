"""Pages of the indicator systems: the list, a system's versions and definition, editing (a province office's own
systems: every save a new version), starting a run for the organiser's child areas, and a run's values."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.apps import apps as django_apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.permissions import get_in_scope_or_404, require, signed_in_user
from tuopin.accounts.roles import Capability
from tuopin.areas.models import Level
from tuopin.contest import system_selectors as selectors
from tuopin.contest.indicators import REGISTRY, SOURCES
from tuopin.contest.models import IndicatorRun, IndicatorSystem, IndicatorValue, SystemVersion
from tuopin.contest.runs import indicator_run_check, run_scores
from tuopin.contest.system_services import LEVELS, system_create, system_version_add
from tuopin.contest.system_tasks import indicator_run_job
from tuopin.contest.systems import Definition, DefinitionInvalid, definition_parse, group_scores
from tuopin.core.forms import TextCheckedForm, add_service_errors
from tuopin.core.jobs import job_start
from tuopin.core.text import text_refuse_controls_multiline
from tuopin.policy.keys import KEYS


def _system(request: HttpRequest, key: str) -> IndicatorSystem:
    return get_in_scope_or_404(
        request, lambda: selectors.system_for(signed_in_user(request), key), what="indicator_system", key=key
    )


def _parsed(version: SystemVersion) -> Definition | None:
    try:
        return definition_parse(version.definition)
    except DefinitionInvalid:  # a shipped definition naming an indicator since removed: shown as JSON only
        return None


def _table(definition: Definition | None) -> list[dict[str, Any]]:
    """The definition as rows of a table: group path, indicator, share of the total in %, method in words."""
    if definition is None:
        return []
    return [
        {
            "groups": " / ".join(group_path),
            "indicator": indicator,
            "share": (share * 100).quantize(Decimal("0.01")),
            "method": indicator.method_text(),
            "origin": REGISTRY[indicator.computed].label if indicator.computed else _("录入"),
        }
        for group_path, indicator, share in definition.rows()
    ]


@require(Capability.READ)
def systems(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    context = {
        "systems": list(selectors.systems_for(user)),
        "levels": dict(Level.choices),
        "may_create": bool(selectors.edit_province(user)),
        "may_write": user.can(Capability.WRITE),
        "registry": [
            {"spec": spec, "app": django_apps.get_app_config(spec.source).verbose_name}
            for spec in sorted(REGISTRY.values(), key=lambda spec: spec.key)
        ],
    }
    return render(request, "contest/systems/list.html", context)


@require(Capability.READ)
def system(request: HttpRequest, key: str) -> HttpResponse:
    user = signed_in_user(request)
    found = _system(request, key)
    try:
        number = int(request.GET["version"]) if "version" in request.GET else None
    except ValueError:
        number = None
    version = selectors.version_of(found, number)
    if version is None:
        raise Http404
    context = {
        "system": found,
        "version": version,
        "latest": found.latest,  # type: ignore[attr-defined]  # annotated by systems_for
        "versions": list(selectors.versions_of(found)),
        "rows": _table(_parsed(version)),
        "definition_json": json.dumps(version.definition, ensure_ascii=False, indent=2),
        "may_edit": selectors.may_edit_system(user, found),
        "may_copy": bool(selectors.edit_province(user)),
        "may_run": user.can(Capability.WRITE) and bool(selectors.organiser_choices(user)),
        "runs": selectors.runs_of(user, found),
    }
    return render(request, "contest/systems/detail.html", context)


class DefinitionField(forms.Field):
    """A definition typed as JSON: the text rule of tuopin.core.text on the text, then the JSON itself."""

    widget = forms.Textarea(attrs={"rows": 24})

    def to_python(self, value: Any) -> Any:
        text = str(value or "").strip()
        if not text:
            raise ValidationError(self.error_messages["required"], code="required")
        text_refuse_controls_multiline(text)
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValidationError(
                _("不是有效的 JSON（第%(line)s行第%(column)s列）：%(message)s")
                % {"line": error.lineno, "column": error.colno, "message": error.msg}
            ) from None

    def prepare_value(self, value: Any) -> Any:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)


class VersionForm(TextCheckedForm):
    definition = DefinitionField(label=gettext_lazy("定义（JSON）"))
    source = forms.CharField(label=gettext_lazy("依据"), max_length=300)
    note = forms.CharField(label=gettext_lazy("修改说明"), max_length=300)
    based_on = forms.IntegerField(widget=forms.HiddenInput)

    def clean_definition(self) -> Any:
        definition = self.cleaned_data["definition"]
        try:
            definition_parse(definition)
        except DefinitionInvalid as invalid:
            raise ValidationError(invalid.problems) from None
        return definition


class SystemForm(VersionForm):
    key = forms.SlugField(label=gettext_lazy("代码"), max_length=60)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    level = forms.ChoiceField(
        label=gettext_lazy("考核对象层级"),
        choices=[(level, label) for level, label in Level.choices if level in LEVELS],
    )
    field_order = ["key", "name", "level", "definition", "source", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["based_on"]


@require(Capability.WRITE)
def system_edit(request: HttpRequest, key: str) -> HttpResponse:
    user = signed_in_user(request)
    found = _system(request, key)
    latest = selectors.version_of(found)
    if latest is None or not selectors.may_edit_system(user, found):
        raise Http404  # a shipped or another province's system: copy it instead
    initial = {"definition": latest.definition, "source": latest.source, "based_on": latest.version}
    form = VersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = system_version_add(
                actor=user,
                system=found,
                definition=data["definition"],
                source=data["source"],
                note=data["note"],
                based_on=data["based_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已保存为第 %(n)s 版。") % {"n": version.version})
            return redirect("contest:system", key=found.key)
    return render(request, "contest/systems/edit.html", {"system": found, "latest": latest, "form": form})


@require(Capability.WRITE)
def system_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not selectors.edit_province(user):
        raise Http404
    copy = request.GET.get("copy", "")
    original = _system(request, copy) if copy else None
    initial: dict[str, Any] = {"definition": {"groups": []}, "level": "county"}
    if original is not None and (version := selectors.version_of(original)) is not None:
        initial = {
            "key": f"{original.key}_{selectors.edit_province(user)}"[:60],
            "name": _("%(name)s（本省）") % {"name": original.name},
            "level": original.level,
            "definition": version.definition,
            "source": version.source,
            "note": _("复制自 %(name)s 第 %(n)s 版") % {"name": original.name, "n": version.version},
        }
    form = SystemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = system_create(
                actor=user,
                key=data["key"],
                name=data["name"],
                level=data["level"],
                definition=data["definition"],
                source=data["source"],
                note=data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已创建指标体系。"))
            return redirect("contest:system", key=version.system.key)
    return render(request, "contest/systems/new.html", {"form": form, "original": original, "levels": LEVELS})


class RunForm(TextCheckedForm):
    organiser = forms.ChoiceField(label=gettext_lazy("组织单位"))
    year = forms.IntegerField(label=gettext_lazy("考核年度"), min_value=2014, max_value=2100)
    as_of = forms.DateField(label=gettext_lazy("数据截至"), widget=forms.DateInput(attrs={"type": "date"}))


@require(Capability.WRITE)
def run_start(request: HttpRequest, key: str) -> HttpResponse:
    user = signed_in_user(request)
    found = _system(request, key)
    version = selectors.version_of(found)
    organisers = selectors.organiser_choices(user)
    if version is None or not organisers:
        raise Http404
    today = timezone.localdate()
    form = RunForm(
        request.POST or None,
        initial={"organiser": organisers[0].code, "year": today.year - 1, "as_of": today},
    )
    choices = [(a.code, f"{a.name}（{a.code}）") for a in organisers]
    form.fields["organiser"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organiser = next(a for a in organisers if a.code == data["organiser"])
        children = [a.code for a in selectors.child_areas_of(user, organiser)]
        try:
            codes = indicator_run_check(
                actor=user,
                version=version,
                organiser=organiser,
                areas=children,
                year=data["year"],
                as_of=data["as_of"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            params = {
                "version": version.pk,
                "organiser": organiser.code,
                "areas": codes,
                "year": data["year"],
                "as_of": data["as_of"].isoformat(),
                "name": f"{found.name} {organiser.name} {data['year']}",
            }
            job = job_start(
                kind="contest.run",
                user_id=user.pk,
                params=params,
                enqueue=lambda job_id: indicator_run_job.enqueue(job_id=job_id),
            )
            return redirect("site:job", job_id=job.pk)
    context = {"system": found, "version": version, "form": form}
    return render(request, "contest/systems/run_start.html", context)


DETAIL_LABELS = {
    "numerator": gettext_lazy("分子"),
    "denominator": gettext_lazy("分母"),
    "source": gettext_lazy("来源"),
    "year": gettext_lazy("年度"),
    "previous_year": gettext_lazy("上一年度"),
    "previous": gettext_lazy("上年贫困发生率（%）"),
    "current": gettext_lazy("本年贫困发生率（%）"),
    "projects": gettext_lazy("项目数"),
    "idle_projects": gettext_lazy("资金闲置项目数"),
    "policy": gettext_lazy("政策参数"),
    "pending": gettext_lazy("尚未核查"),
    "within_deadline": gettext_lazy("按时核查"),
    "entered": gettext_lazy("录入方式"),
    "entered_at": gettext_lazy("录入时间"),
    "missing": gettext_lazy("未录入"),
}


def _detail(key: str, item: Any) -> Any:
    """A detail as the page shows it: sources and policy keys in words, yes and no for flags."""
    if key == "source" or key == "entered":
        return SOURCES.get(str(item), item)
    if isinstance(item, bool):
        return _("是") if item else _("否")
    if isinstance(item, dict):
        return "；".join(f"{KEYS[k].label if k in KEYS else k}：{v}" for k, v in item.items())
    return "—" if item is None else item


def _cell(value: IndicatorValue | None) -> dict[str, Any] | None:
    if value is None:
        return None
    details = [(DETAIL_LABELS.get(key, key), _detail(key, item)) for key, item in value.details.items()]
    return {"value": value.value, "score": value.score, "details": details}


@require(Capability.READ)
def run(request: HttpRequest, run_id: int) -> HttpResponse:
    user = signed_in_user(request)
    found: IndicatorRun = get_in_scope_or_404(
        request, lambda: selectors.run_for(user, run_id), what="indicator_run", key=str(run_id)
    )
    definition = _parsed(found.version)
    indicators = definition.indicators() if definition is not None else []
    values = list(selectors.run_values_of(user, found))
    by_area: dict[str, dict[str, Any]] = {}
    for value in values:
        entry = by_area.setdefault(value.area_id, {"area": value.area, "cells": {}})
        entry["cells"][value.indicator] = value
    totals = run_scores(found)  # every area's; only those in scope are shown
    areas = []
    for code, entry in sorted(by_area.items()):
        scores = {key: cell.score for key, cell in entry["cells"].items()}
        areas.append(
            {
                "area": entry["area"],
                "total": totals.get(code),
                "groups": group_scores(definition, scores) if definition is not None else {},
                "cells": [_cell(entry["cells"].get(indicator.key)) for indicator in indicators],
            }
        )
    areas.sort(key=lambda row: (-(row["total"] or 0), row["area"].code))
    context = {
        "run": found,
        "indicators": indicators,
        "group_names": [group.name for group in definition.groups] if definition is not None else [],
        "areas": areas,
        "policy_json": json.dumps(found.policy_values, ensure_ascii=False, indent=1),
    }
    return render(request, "contest/systems/run.html", context)


urlpatterns: list[URLPattern] = [
    path("systems/", systems, name="systems"),
    path("systems/new/", system_new, name="system_new"),
    path("systems/<slug:key>/", system, name="system"),
    path("systems/<slug:key>/edit/", system_edit, name="system_edit"),
    path("systems/<slug:key>/run/", run_start, name="run_start"),
    path("runs/<int:run_id>/", run, name="run"),
]
