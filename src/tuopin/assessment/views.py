"""Pages of the assessment: the runs and a form to start one, and a run's results by area with drill-down down to
the decisions of a village's households."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.areas import area_for, breadcrumbs_for
from tuopin.accounts.models import User
from tuopin.accounts.permissions import get_in_scope_or_404, require
from tuopin.accounts.roles import Capability, Role
from tuopin.accounts.scope import area_codes, in_scope
from tuopin.areas.codes import LENGTH_OF_LEVEL, child_level, code_at
from tuopin.assessment.rules import PARAM_KEYS
from tuopin.assessment.selectors import (
    area_names,
    child_results_for,
    counties_for,
    evaluations_for,
    household_decisions_for,
    latest_runs_for,
    poor_persons_of,
    previous_run_for,
    result_for,
    run_area_choices,
    run_for,
)
from tuopin.assessment.services import EVALUATION_FIELDS, evaluation_record, run_dir
from tuopin.assessment.tasks import assessment_run_job, assessment_what_if_job
from tuopin.core.forms import TextCheckedForm, add_service_errors
from tuopin.core.jobs import job_for, job_start
from tuopin.policy.keys import KEYS, parse_value
from tuopin.policy.selectors import policy_for


class RunForm(TextCheckedForm):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2014, max_value=2100)
    area = forms.ChoiceField(label=gettext_lazy("区划"))


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]  # signed in: @require
    return user


@require(Capability.READ)
def runs(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    choices = run_area_choices(user)
    names = dict(choices)
    form = RunForm(
        request.POST if request.method == "POST" and request.POST.get("form") != "what_if" else None,
        initial={"year": timezone.localdate().year - 1},
    )
    form.fields["area"].choices = choices  # type: ignore[attr-defined]
    what_if = _what_if_form(request, choices)
    if request.method == "POST" and request.POST.get("form") == "what_if":
        if what_if.is_valid():
            params = {**what_if.cleaned_data, "name": _("假设分析")}
            job = job_start(
                kind="assessment.what_if",
                user_id=user.pk,
                params=params,
                enqueue=lambda job_id: assessment_what_if_job.enqueue(job_id=job_id),
            )
            return redirect("site:job", job_id=job.pk)
    elif request.method == "POST":
        if not user.can(Capability.WRITE):
            raise PermissionDenied
        if form.is_valid():
            params = {
                "year": form.cleaned_data["year"],
                "area": form.cleaned_data["area"],
                "name": f"{form.cleaned_data['year']} {names.get(form.cleaned_data['area'], '')}",
            }
            job = job_start(
                kind="assessment.run",
                user_id=user.pk,
                params=params,
                enqueue=lambda job_id: assessment_run_job.enqueue(job_id=job_id),
            )
            return redirect("site:job", job_id=job.pk)
    context = {
        "runs": latest_runs_for(user, limit=50),
        "form": form,
        "what_if": what_if,
        "can_run": user.can(Capability.WRITE),
    }
    return render(request, "assessment/runs.html", context)


class WhatIfForm(TextCheckedForm):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2014, max_value=2100)
    area = forms.ChoiceField(label=gettext_lazy("区划"))
    key = forms.ChoiceField(label=gettext_lazy("参数"))
    value = forms.CharField(label=gettext_lazy("假设值"), max_length=32)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("key") and data.get("value"):
            try:
                data["value"] = parse_value(data["key"], data["value"])
            except ValidationError as error:
                self.add_error("value", error)
        return data


def _what_if_form(request: HttpRequest, choices: list[tuple[str, str]]) -> WhatIfForm:
    form = WhatIfForm(
        request.POST if request.POST.get("form") == "what_if" else None,
        initial={"year": timezone.localdate().year - 1, "key": "poverty_line"},
    )
    form.fields["area"].choices = choices  # type: ignore[attr-defined]
    form.fields["key"].choices = [(key, KEYS[key].label) for key in PARAM_KEYS]  # type: ignore[attr-defined]
    return form


@require(Capability.READ)
def what_if_result(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = get_in_scope_or_404(
        request, lambda: job_for(request.user.pk, str(job_id)), what="job", key=str(job_id)
    )
    if job.kind != "assessment.what_if" or job.status != "done":
        raise Http404
    data = job.result
    names = area_names(a["code"] for a in data["areas"])
    rows = [
        {
            **a,
            "name": names.get(a["code"], a["code"]),
            "pct": [_percent(v) for v in a["incidence"]],
            "delta": a["poor_persons"][1] - a["poor_persons"][0],
        }
        for a in data["areas"]
    ]
    key = job.params["key"]
    context = {
        "job": job,
        "data": data,
        "rows": rows,
        "spec": KEYS[key],
        "key": key,
        "real": policy_for(job.params["year"], code_at(job.params["area"], "province")).get(key),
    }
    return render(request, "assessment/what_if.html", context)


@require(Capability.READ)
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    user = _user(request)
    run = get_in_scope_or_404(request, lambda: run_for(user, run_id), what="run", key=str(run_id))
    codes = area_codes(user)
    default = run.area if run.area and in_scope(user, run.area) else codes[0] if codes else ""
    code = request.GET.get("area") or default
    result = get_in_scope_or_404(request, lambda: result_for(user, run, code), what="area", key=code)
    area = area_for(user, code)  # in scope: result_for found it
    children = child_results_for(user, run, code)
    previous = previous_run_for(user, run)
    before: dict[str, int] = {}
    if previous is not None:
        before = poor_persons_of(previous, [code, *(c.code for c, _ in children)])
    profile = policy_for(run.year, code_at(code, "province"))
    children_level = child_level(code) or ""
    key = {"village": "village_exit_incidence", "county": "county_exit_incidence"}.get(children_level)
    threshold = float(profile.value(key) * 100) if key and profile.value(key) is not None else None
    chart = {
        "threshold": threshold,
        "children": [
            {
                "code": c.code,
                "label": name,
                "incidence": None if c.incidence is None else round(c.incidence * 100, 3),
                "below": bool(c.may_exit)
                or (c.incidence is not None and threshold is not None and c.incidence * 100 < threshold),
            }
            for c, name in children
        ],
    }
    rows: list[dict[str, Any]] = [
        {
            "result": c,
            "name": name,
            "pct": _percent(c.incidence),
            "delta": (c.poor_persons - before[c.code]) if c.code in before else None,
        }
        for c, name in children
    ]
    village = len(code) == LENGTH_OF_LEVEL["village"]
    households = household_decisions_for(user, run, code, run_dir(run.pk)) if village else []
    context = {
        "run": run,
        "result": result,
        "area": area,
        "crumbs": breadcrumbs_for(user, area) if area else [],
        "rows": rows,
        "chart": chart,
        "pct": _percent(result.incidence),
        "previous": previous,
        "delta": (result.poor_persons - before[code]) if code in before else None,
        "households": households,
    }
    return render(request, "assessment/run.html", context)


def _percent(incidence: float | None) -> str:
    return "—" if incidence is None else f"{incidence * 100:.2f}%"


class EvaluationForm(TextCheckedForm):
    county = forms.ChoiceField(label=gettext_lazy("县"))
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2014, max_value=2100)
    sampled_exited = forms.IntegerField(label=gettext_lazy("抽查已脱贫人口"), min_value=0)
    wrong_exits = forms.IntegerField(label=gettext_lazy("错退人口"), min_value=0)
    sampled_unregistered = forms.IntegerField(label=gettext_lazy("抽查未建档农村人口"), min_value=0)
    missed = forms.IntegerField(label=gettext_lazy("漏评人口"), min_value=0)
    surveyed_households = forms.IntegerField(label=gettext_lazy("调查户数"), min_value=0)
    approving_households = forms.IntegerField(label=gettext_lazy("认可户数"), min_value=0)
    evaluated_on = forms.DateField(
        label=gettext_lazy("评估日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    evaluator = forms.CharField(label=gettext_lazy("评估机构"), max_length=100)


@require(Capability.READ)
def evaluations(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    can_record = user.role in {Role.ADMIN, Role.PROVINCE} and user.can(Capability.WRITE)
    form = EvaluationForm(request.POST or None, initial={"year": timezone.localdate().year - 1})
    form.fields["county"].choices = counties_for(user)  # type: ignore[attr-defined]
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                evaluation_record(
                    actor=user,
                    county=data["county"],
                    year=data["year"],
                    counts={f: data[f] for f in EVALUATION_FIELDS},
                    evaluated_on=data["evaluated_on"],
                    evaluator=data["evaluator"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("已保存。"))
                return redirect("assessment:evaluations")
    rows = [
        {
            "evaluation": e,
            "rates": [
                _share(e.wrong_exits, e.sampled_exited),
                _share(e.missed, e.sampled_unregistered),
                _share(e.approving_households, e.surveyed_households),
            ],
        }
        for e in evaluations_for(user, limit=200)
    ]
    return render(
        request,
        "assessment/evaluations.html",
        {"rows": rows, "form": form, "can_record": can_record},
        status=400 if form.errors else 200,
    )


def _share(part: int, whole: int) -> str:
    return "—" if not whole else f"{part * 100 / whole:.2f}%"
