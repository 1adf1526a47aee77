"""Pages of monitoring: the alert inbox of a scope (tiles, filters, deadlines, bulk assignment, a screening run) and
an alert with its evidence, the department rows behind it and the forms to record the check and the conclusion."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tuopin.accounts.permissions import get_in_scope_or_404, require, signed_in_user
from tuopin.accounts.roles import Capability
from tuopin.accounts.throttle import Throttled, throttle_check, throttled_response
from tuopin.assistance.catalogue import CHOICES as MEASURE_CHOICES
from tuopin.audit.services import audit_record
from tuopin.core.crypto import decrypt
from tuopin.core.forms import RevealForm, TextCheckedForm, add_service_errors, blank_choices
from tuopin.core.jobs import job_start
from tuopin.monitoring.cases import Verification, case_open, elimination_check, measure_record
from tuopin.monitoring.models import OPEN_STATUSES, AlertStatus, CaseState, CaseType, RiskType, Rule
from tuopin.monitoring.selectors import (
    AlertFilter,
    alert_feed_rows,
    alert_for,
    alerts_chosen,
    alerts_listed,
    board_for,
    case_board_for,
    case_for,
    cases_listed,
    checkers_for,
    due,
    elimination_procedures_for,
    escalated_to,
    latest_screenings_for,
    report_for,
    reports_for,
)
from tuopin.monitoring.services import MONITORING_OFFICES as OFFICES
from tuopin.monitoring.services import alert_check, alert_dismiss, alerts_assign
from tuopin.monitoring.tasks import screening_job
from tuopin.procedures.flows import Kind
from tuopin.procedures.services import Proposal, procedure_propose

SCREENERS = ("county", "city", "province", "admin")


class AlertFilterForm(TextCheckedForm):
    rule = forms.ChoiceField(label=gettext_lazy("预警规则"), required=False, choices=blank_choices(Rule))
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[("open", gettext_lazy("未办结")), ("", gettext_lazy("全部")), *AlertStatus.choices],
    )
    area = forms.CharField(label=gettext_lazy("区划代码"), required=False, max_length=12)
    overdue = forms.BooleanField(label=gettext_lazy("只看超期"), required=False)


@require(Capability.READ)
def inbox(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault("status", "open")
    filters = AlertFilterForm(data)
    chosen = AlertFilter(**filters.cleaned_data) if filters.is_valid() else AlertFilter(status="open")
    if request.method == "POST":
        done = _inbox_post(request, chosen)
        if done is not None:
            return done
    page = Paginator(alerts_listed(user, chosen, today=today), 50).get_page(request.GET.get("page"))
    rows = [
        {
            "alert": a,
            "due": due(a),
            "escalated": escalated_to(a, today),
            "overdue": (d := due(a)) is not None and d < today,
        }
        for a in page
    ]
    board = board_for(user, chosen.area, today)
    labels = dict(Rule.choices)
    charts = {
        "rule": [{"label": str(labels.get(r, r)), "households": n} for r, n in sorted(board.by_rule.items())]
    }
    context = {
        "filters": filters,
        "page": page,
        "rows": rows,
        "board": board,
        "charts": charts,
        "checkers": checkers_for(user) if user.can(Capability.WRITE) else [],
        "can_screen": user.role in SCREENERS and user.can(Capability.WRITE),
        "screenings": latest_screenings_for(user, limit=5),
        "query": request.GET.copy(),
    }
    return render(request, "monitoring/inbox.html", context)


def _inbox_post(request: HttpRequest, chosen: AlertFilter) -> HttpResponse | None:
    user = signed_in_user(request)
    if request.POST.get("action") == "screen":
        if user.role not in SCREENERS or not user.can(Capability.WRITE):
            raise PermissionDenied
        job = job_start(
            kind="monitoring.screen",
            user_id=user.pk,
            params={"name": _("返贫监测筛查")},
            enqueue=lambda job_id: screening_job.enqueue(job_id=job_id),
        )
        return redirect("site:job", job_id=job.pk)
    ids = [int(pk) for pk in request.POST.getlist("chosen") if pk.isdigit()]
    alerts = alerts_chosen(user, ids)
    assignee = next((u for u in checkers_for(user) if str(u.pk) == request.POST.get("assignee")), None)
    if not alerts or assignee is None:
        messages.error(request, _("请选择预警和核查人。"))
        return None
    try:
        n = alerts_assign(actor=user, alerts=alerts, assignee=assignee)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return None
    messages.success(
        request,
        _("已将 %(n)s 条预警交给 %(user)s。")
        % {"n": n, "user": assignee.get_full_name() or assignee.get_username()},
    )
    return redirect(request.get_full_path())


class CheckForm(TextCheckedForm):
    on = forms.DateField(
        label=gettext_lazy("日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=lambda: timezone.localdate().isoformat(),
    )
    finding = forms.CharField(
        label=gettext_lazy("核查情况"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


@require(Capability.READ)
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = signed_in_user(request)
    alert = get_in_scope_or_404(request, lambda: alert_for(user, alert_id), what="alert", key=str(alert_id))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = CheckForm(request.POST if action else None)
    if action and form.is_valid():
        version = int(request.POST.get("version", "0") or 0)
        data = form.cleaned_data
        try:
            if action == "check":
                alert_check(
                    actor=user, alert=alert, version=version, checked_on=data["on"], finding=data["finding"]
                )
            elif action == "dismiss":
                alert_dismiss(
                    actor=user, alert=alert, version=version, concluded_on=data["on"], finding=data["finding"]
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("monitoring:alert", alert_id=alert.pk)
    today = timezone.localdate()
    works = user.role in OFFICES and user.can(Capability.WRITE) and alert.status in OPEN_STATUSES
    context = {
        "alert": alert,
        "form": form,
        "rows": alert_feed_rows(alert),
        "due": due(alert),
        "escalated": escalated_to(alert, today),
        "today": today,
        "works": works,
        "policy": sorted(alert.evidence.get("policy", {}).items()),
        "can_reveal": user.can(Capability.REVEAL),
        "reports": reports_for(user, alert) if alert.rule == Rule.SELF_REPORT else [],
    }
    return render(request, "monitoring/alert.html", context, status=400 if form.errors else 200)


@require(Capability.REVEAL)
@require_POST
def report_phone(request: HttpRequest, report_id: int) -> HttpResponse:
    """A self-reporter's full phone number, so that the task force can call back, for a stated reason; the reveal is
    audited as an ID number's is (SECURITY.md B2, D1)."""
    report = get_in_scope_or_404(
        request, lambda: report_for(request.user, report_id), what="self_report", key=str(report_id)
    )
    form = RevealForm.posted(request)
    if not form.is_valid():
        return render(request, "monitoring/_phone.html", {"report": report, "form": form}, status=400)
    try:
        throttle_check(
            request.user,
            "monitoring.reveal_phone",
            request=request,
            object_type="self_report",
            object_id=str(report.pk),
            details={"alert": report.alert_id},
        )
    except Throttled as error:
        return throttled_response(request, error)
    audit_record(
        action="monitoring.reveal_phone",
        request=request,
        object_type="self_report",
        object_id=str(report.pk),
        details={
            "alert": report.alert_id,
            "village": report.village_id,
            "reason": form.cleaned_data["reason"],
        },
    )
    return render(
        request, "monitoring/_phone.html", {"report": report, "phone": decrypt(report.phone_encrypted)}
    )


class CaseForm(TextCheckedForm):
    type = forms.ChoiceField(label=gettext_lazy("监测对象类型"), choices=CaseType.choices)
    risk_types = forms.MultipleChoiceField(
        label=gettext_lazy("风险类型"), choices=RiskType.choices, widget=forms.CheckboxSelectMultiple
    )
    visited_on = forms.DateField(
        label=gettext_lazy("入户核实日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=lambda: timezone.localdate().isoformat(),
    )
    visited_by = forms.CharField(label=gettext_lazy("核实人"), max_length=100)
    authorisation_signed = forms.BooleanField(label=gettext_lazy("农户已签署数据授权书"), required=False)
    note = forms.CharField(
        label=gettext_lazy("核实情况"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


@require(Capability.READ)
def alert_open_case(request: HttpRequest, alert_id: int) -> HttpResponse:
    """From a verified alert to a monitoring case (or back under monitoring, for an eliminated one)."""
    user = signed_in_user(request)
    alert = get_in_scope_or_404(request, lambda: alert_for(user, alert_id), what="alert", key=str(alert_id))
    if alert.household is None:
        messages.error(request, _("该人员尚未建档：请先作为一般农户登记，再纳入监测。"))
        return redirect("monitoring:alert", alert_id=alert.pk)
    form = CaseForm(request.POST or None, initial={"risk_types": RULE_RISKS.get(alert.rule, [])})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        verification = Verification(
            data["visited_on"], data["visited_by"], data["authorisation_signed"], data["note"]
        )
        try:
            case = case_open(
                actor=user,
                household=alert.household,
                type=data["type"],
                risk_types=data["risk_types"],
                verification=verification,
                alert=alert,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已纳入监测。"))
            return redirect("monitoring:case", case_id=case.pk)
    return render(
        request,
        "monitoring/case_open.html",
        {"alert": alert, "form": form},
        status=400 if form.errors else 200,
    )


# The risk type an alert of each rule usually points to (pre-ticked on the form).
RULE_RISKS = {
    "medical": ["illness"],
    "disability": ["disability"],
    "dropout": ["schooling"],
    "disaster": ["disaster"],
    "unemployment": ["employment"],
    "housing": ["other"],
}


@require(Capability.READ)
def case_board(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    state = request.GET.get("state", CaseState.MONITORING)
    state = state if state in CaseState.values or state == "" else CaseState.MONITORING
    kind = request.GET.get("type", "")
    kind = kind if kind in CaseType.values else ""
    page = Paginator(cases_listed(user, state=state, type=kind), 50).get_page(request.GET.get("page"))
    board = case_board_for(user)
    risk_labels, type_labels = dict(RiskType.choices), dict(CaseType.choices)
    charts = {
        "risk": [
            {"label": str(risk_labels.get(k, k)), "households": n}
            for k, n in sorted(board["by_risk"].items())
        ],
        "type": [
            {"label": str(type_labels.get(k, k)), "households": n}
            for k, n in sorted(board["by_type"].items())
        ],
    }
    context = {
        "page": page,
        "board": board,
        "charts": charts,
        "state": state,
        "type": kind,
        "states": [(value, label, board["by_state"].get(value, 0)) for value, label in CaseState.choices],
        "types": CaseType.choices,
    }
    return render(request, "monitoring/cases.html", context)


class MeasureForm(TextCheckedForm):
    type = forms.ChoiceField(label=gettext_lazy("措施类型"), choices=MEASURE_CHOICES)
    on = forms.DateField(
        label=gettext_lazy("日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=lambda: timezone.localdate().isoformat(),
    )
    text = forms.CharField(label=gettext_lazy("说明"), max_length=400, required=False)
    amount = forms.DecimalField(
        label=gettext_lazy("金额（元）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )


@require(Capability.READ)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    user = signed_in_user(request)
    case = get_in_scope_or_404(request, lambda: case_for(user, case_id), what="case", key=str(case_id))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    measure = MeasureForm(request.POST if action == "measure" else None)
    works = user.role in OFFICES and user.can(Capability.WRITE) and case.state == CaseState.MONITORING
    if action == "measure" and measure.is_valid():
        try:
            measure_record(
                actor=user,
                case=case,
                on=measure.cleaned_data["on"],
                type=measure.cleaned_data["type"],
                text=measure.cleaned_data["text"],
                amount=measure.cleaned_data["amount"],
            )
        except ValidationError as error:
            add_service_errors(measure, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("monitoring:case", case_id=case.pk)
    proposal_error = ""
    if action == "eliminate":
        try:
            procedure = procedure_propose(
                actor=user,
                proposal=Proposal(Kind.RISK_ELIMINATION, timezone.localdate().year, household=case.household),
            )
        except ValidationError as error:
            proposal_error = "；".join(error.messages)
        else:
            return redirect("procedures:detail", procedure_id=procedure.pk)
    check = elimination_check(case) if case.state == CaseState.MONITORING else None
    procedures = elimination_procedures_for(user, case)
    context = {
        "case": case,
        "events": case.events.all(),
        "measure": measure,
        "works": works,
        "check": check,
        "procedures": procedures,
        "proposal_error": proposal_error,
        "may_propose": works and user.role == "village",
        "risk_labels": [dict(RiskType.choices).get(r, r) for r in case.risk_types],
    }
    failed = bool(measure.errors or proposal_error)
    return render(request, "monitoring/case.html", context, status=400 if failed else 200)
