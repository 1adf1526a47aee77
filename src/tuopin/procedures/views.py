"""Pages of the procedures: the list with the proposals of a village's or county's exit, a procedure with its steps,
notice and objections, and a village's list to propose and advance many households at once."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.accounts.permissions import get_in_scope_or_404, require
from tuopin.accounts.roles import Capability
from tuopin.core.forms import add_service_errors
from tuopin.procedures.flows import FLOWS, PROPOSER, Kind, StepType
from tuopin.procedures.forms import (
    AreaProposeForm,
    FilterForm,
    ObjectionForm,
    ProposeForm,
    ResolveForm,
    VillageForm,
    WithdrawForm,
    step_form,
)
from tuopin.procedures.models import Procedure
from tuopin.procedures.selectors import (
    ProcedureFilter,
    area_choices_for,
    may_act,
    objection_for,
    procedure_for,
    procedures_listed,
    village_for,
    village_list_for,
)
from tuopin.procedures.services import (
    Proposal,
    notice_start,
    notices_start,
    objection_record,
    objection_resolve,
    procedure_act,
    procedure_propose,
    procedure_withdraw,
    procedures_act,
    procedures_propose,
)
from tuopin.registry.selectors import household_for, latest_income_year


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]  # signed in: @require
    return user


@require(Capability.READ)
def procedure_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = FilterForm(request.GET or None)
    chosen = ProcedureFilter(**filters.cleaned_data) if filters.is_valid() else ProcedureFilter()
    page = Paginator(procedures_listed(user, chosen), 50).get_page(request.GET.get("page"))
    propose = None
    proposer_level = {
        PROPOSER[Kind.VILLAGE_EXIT]: Kind.VILLAGE_EXIT,
        PROPOSER[Kind.COUNTY_EXIT]: Kind.COUNTY_EXIT,
    }
    kind = proposer_level.get(user.role) if user.can(Capability.WRITE) else None
    if kind is not None:
        propose = AreaProposeForm(
            request.POST or None, initial={"kind": kind, "year": timezone.localdate().year - 1}
        )
        propose.fields["kind"].choices = [(kind, Kind(kind).label)]  # type: ignore[attr-defined]
        level = "village" if kind == Kind.VILLAGE_EXIT else "county"
        propose.fields["area"].choices = area_choices_for(user, level)  # type: ignore[attr-defined]
        if request.method == "POST" and propose.is_valid():
            data = propose.cleaned_data
            try:
                procedure = procedure_propose(
                    actor=user,
                    on=data["on"],
                    proposal=Proposal(data["kind"], data["year"], area_code=data["area"]),
                )
            except ValidationError as error:
                add_service_errors(propose, error)
            else:
                messages.success(request, _("已提出。"))
                return redirect("procedures:detail", procedure_id=procedure.pk)
    villages = area_choices_for(user, "village")
    village_form = VillageForm(initial={"year": timezone.localdate().year - 1})
    village_form.fields["village"].choices = villages  # type: ignore[attr-defined]
    context = {
        "filters": filters,
        "page": page,
        "propose": propose,
        "village_form": village_form,
        "query": request.GET.copy(),
    }
    return render(request, "procedures/list.html", context, status=400 if propose and propose.errors else 200)


def _progress(procedure: Procedure) -> list[dict[str, Any]]:
    done = {step.code: step for step in procedure.steps.all()}
    return [
        {"step": step, "done": done.get(step.code), "current": step == procedure.current}
        for step in procedure.flow
    ]


@require(Capability.READ)
def procedure_detail(request: HttpRequest, procedure_id: int) -> HttpResponse:
    user = _user(request)
    procedure = get_in_scope_or_404(
        request, lambda: procedure_for(user, procedure_id), what="procedure", key=str(procedure_id)
    )
    step = procedure.current
    acting = step is not None and may_act(user, step.level, procedure.area_id)
    starting_notice = (
        step is not None and step.type == StepType.NOTICE and procedure.notice_started_on is None
    )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    act = (
        step_form(step.type, request.POST if action == "act" else None, starting_notice=starting_notice)
        if acting and step
        else None
    )
    objection = ObjectionForm(request.POST if action == "objection" else None)
    resolve = ResolveForm(request.POST if action == "resolve" else None)
    withdraw = WithdrawForm(request.POST if action == "withdraw" else None)
    if action:
        done = _detail_post(request, procedure, action, act, objection, resolve, withdraw, starting_notice)
        if done:
            return redirect("procedures:detail", procedure_id=procedure.pk)
    in_notice = step is not None and step.type == StepType.NOTICE and procedure.notice_started_on is not None
    context = {
        "procedure": procedure,
        "progress": _progress(procedure),
        "steps": procedure.steps.all(),
        "objections": procedure.objections.all(),
        "act": act,
        "starting_notice": starting_notice,
        "objection_form": objection if in_notice and acting else None,
        "resolve_form": resolve if in_notice and acting else None,
        "withdraw_form": withdraw
        if step and may_act(user, PROPOSER[procedure.kind], procedure.area_id)
        else None,
        "today": timezone.localdate(),
    }
    failed = any(f is not None and f.errors for f in (act, objection, resolve, withdraw))
    return render(request, "procedures/detail.html", context, status=400 if failed else 200)


def _detail_post(
    request: HttpRequest,
    procedure: Procedure,
    action: str,
    act: Any,
    objection: ObjectionForm,
    resolve: ResolveForm,
    withdraw: WithdrawForm,
    starting_notice: bool,
) -> bool:
    """Call the service the posted form asks for; True when done, else the refusal is on the form."""
    user = _user(request)
    version = int(request.POST.get("version", "0") or 0)
    form: Any = {"act": act, "objection": objection, "resolve": resolve, "withdraw": withdraw}.get(action)
    if form is None or not form.is_valid():
        if form is None:
            messages.error(request, _("您不能办理此步骤。"))
        return False
    data = form.cleaned_data
    try:
        if action == "act" and starting_notice:
            notice_start(actor=user, procedure=procedure, version=version, on=data["on"])
        elif action == "act":
            procedure_act(
                actor=user,
                procedure=procedure,
                version=version,
                on=data["on"],
                data=form.record(),
                note=data.get("note", ""),
            )
        elif action == "objection":
            objection_record(
                actor=user,
                procedure=procedure,
                raised_on=data["raised_on"],
                content=data["content"],
                raised_by=data["raised_by"],
            )
        elif action == "resolve":
            target = objection_for(procedure, data["objection"])
            if target is None:
                raise ValidationError(_("异议不存在。"))
            objection_resolve(
                actor=user,
                objection=target,
                version=version,
                resolved_on=data["resolved_on"],
                upheld=data["upheld"] == "true",
                resolution=data["resolution"],
            )
        else:
            procedure_withdraw(actor=user, procedure=procedure, version=version, reason=data["reason"])
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    messages.success(request, _("已保存。"))
    return True


@require(Capability.READ)
def household_propose(request: HttpRequest, number: str) -> HttpResponse:
    """Propose a household for identification or exit from its page."""
    user = _user(request)
    household = get_in_scope_or_404(
        request, lambda: household_for(user, number), what="household", key=number
    )
    kind = request.GET.get("kind") or request.POST.get("kind") or Kind.HOUSEHOLD_EXIT
    if kind not in (Kind.HOUSEHOLD_EXIT, Kind.HOUSEHOLD_IDENTIFICATION):
        kind = Kind.HOUSEHOLD_EXIT
    latest = latest_income_year(household)
    form = ProposeForm(request.POST or None, initial={"year": latest or timezone.localdate().year - 1})
    if request.method == "POST" and form.is_valid():
        try:
            procedure = procedure_propose(
                actor=user,
                on=form.cleaned_data["on"],
                proposal=Proposal(kind, form.cleaned_data["year"], household=household),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已提出。"))
            return redirect("procedures:detail", procedure_id=procedure.pk)
    context = {
        "household": household,
        "form": form,
        "kind": kind,
        "kind_label": Kind(kind).label,
        "flow": FLOWS[kind],
    }
    return render(request, "procedures/propose.html", context, status=400 if form.errors else 200)


@require(Capability.READ)
def village_go(request: HttpRequest) -> HttpResponse:
    """The list page's village chooser (a plain GET form) opens that village's list."""
    code = request.GET.get("village", "")
    if not code.isdigit():
        return redirect("procedures:list")
    query = urlencode({k: request.GET.get(k, "") for k in ("kind", "year")})
    return redirect(f"{reverse('procedures:village', args=[code])}?{query}")


@require(Capability.READ)
def village(request: HttpRequest, code: str) -> HttpResponse:
    """A village's list: its candidates with their decision of the year, proposals over a selection, and each open
    step done for a selection at once (all or nothing)."""
    user = _user(request)
    area = get_in_scope_or_404(
        request,
        lambda: village_for(user, code),
        what="area",
        key=code,
    )
    kind = request.GET.get("kind", Kind.HOUSEHOLD_EXIT)
    if kind not in (Kind.HOUSEHOLD_EXIT, Kind.HOUSEHOLD_IDENTIFICATION):
        kind = Kind.HOUSEHOLD_EXIT
    try:
        year = int(request.GET.get("year", timezone.localdate().year - 1))
    except ValueError:
        year = timezone.localdate().year - 1
    problems: dict[str, list[str]] = {}
    posted_group = request.POST.get("group", "") if request.method == "POST" else ""
    if request.method == "POST":
        listing = village_list_for(user, code, kind, year)
        problems = _village_post(request, listing, kind, year, posted_group)
        if not problems:
            return redirect(f"{request.path}?kind={kind}&year={year}")
    listing = village_list_for(user, code, kind, year)
    groups: dict[str, list[Procedure]] = defaultdict(list)
    for procedure in listing.open_procedures:
        if procedure.current is not None:
            groups[_group_key(procedure)].append(procedure)
    step_groups = []
    for key, procedures in sorted(groups.items(), key=lambda g: (g[1][0].position, g[0])):
        step = procedures[0].current
        assert step is not None
        started = procedures[0].notice_started_on is not None
        starting = step.type == StepType.NOTICE and not started
        form = step_form(
            step.type, request.POST if posted_group == key else None, starting_notice=starting, prefix=key
        )
        step_groups.append(
            {
                "key": key,
                "step": step,
                "started": started,
                "starting": starting,
                "form": form,
                "procedures": procedures,
                "may_act": may_act(user, step.level, code),
            }
        )
    propose_form = ProposeForm(request.POST if posted_group == "propose" else None, initial={"year": year})
    context = {
        "area": area,
        "kind": kind,
        "kind_label": Kind(kind).label,
        "year": year,
        "listing": listing,
        "step_groups": step_groups,
        "propose_form": propose_form,
        "problems": problems,
        "may_propose": may_act(user, PROPOSER[kind], code),
        "kinds": [Kind.HOUSEHOLD_EXIT, Kind.HOUSEHOLD_IDENTIFICATION],
    }
    return render(request, "procedures/village.html", context, status=400 if problems else 200)


def _form_problems(form: Any) -> dict[str, list[str]]:
    return {
        str(_("表单")): [
            f"{form.fields[k].label}：{' '.join(str(e) for e in v)}" for k, v in form.errors.items()
        ]
    }


def _group_key(procedure: Procedure) -> str:
    """Procedures at the same step (and, for a notice, both posted or both not) are done together."""
    step = procedure.current
    return f"{step.code if step else ''}-{int(procedure.notice_started_on is not None)}"


def _village_post(
    request: HttpRequest, listing: Any, kind: str, year: int, group: str
) -> dict[str, list[str]]:
    user = _user(request)
    # Each checkbox holds "id:version", the version the page showed: a procedure changed since is refused as stale.
    chosen: dict[int, int] = {}
    for value in request.POST.getlist("chosen"):
        pk, _sep, version = value.partition(":")
        if pk.isdigit():
            chosen[int(pk)] = int(version) if version.isdigit() else 0
    try:
        if group == "propose":
            propose = ProposeForm(request.POST)
            if not propose.is_valid():
                return _form_problems(propose)
            households = [row.household for row in listing.rows if row.household.pk in chosen]
            procedures_propose(
                actor=user, kind=kind, year=year, households=households, on=propose.cleaned_data["on"]
            )
            messages.success(
                request, _("已为 %(n)s 户提出%(kind)s。") % {"n": len(households), "kind": Kind(kind).label}
            )
            return {}
        selected = [p for p in listing.open_procedures if p.pk in chosen and _group_key(p) == group]
        if not selected:
            raise ValidationError(_("请选择至少一户。"))
        step = selected[0].current
        starting = step is not None and step.type == StepType.NOTICE and selected[0].notice_started_on is None
        form = step_form(step.type if step else "", request.POST, starting_notice=starting, prefix=group)
        if not form.is_valid():
            return _form_problems(form)
        pairs = [(p, chosen[p.pk]) for p in selected]
        if starting:
            notices_start(actor=user, procedures=pairs, on=form.cleaned_data["on"])
        else:
            procedures_act(
                actor=user,
                procedures=pairs,
                on=form.cleaned_data["on"],
                data=form.record(),
                note=form.cleaned_data.get("note", ""),
            )
        messages.success(request, _("已办理 %(n)s 户。") % {"n": len(selected)})
    except ValidationError as error:
        return error.message_dict if hasattr(error, "error_dict") else {_("全部"): error.messages}
    return {}
