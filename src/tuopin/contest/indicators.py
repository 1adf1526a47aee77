"""THE registry of computed indicators: what an indicator system may name as `computed`.

Each indicator is a function `(areas, year, as_of) -> {area code: (value, details)}` computed from Tuopin's own
data through the apps' engines and selectors, with aggregate queries grouped by area (never a query per household);
`details` holds what the value was computed from (`numerator`, `denominator`, `source`, and what else explains it),
JSON-ready. `value` is a Decimal rounded to four places, or None when the area has no data for it (nothing to divide
by). Areas are given by the caller, who has checked them against the user's scope. Each function's docstring states
its formula; the unit and direction are the registry's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tuopin.areas.codes import area_q

Value = tuple[Decimal | None, dict[str, Any]]
Values = dict[str, Value]
Compute = Callable[[Sequence[str], int, date], Values]
PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Computed:
    key: str
    label: str | Promise
    unit: str | Promise
    direction: str  # higher | lower
    compute: Compute
    source: str  # where it comes from, in a word (the app and module)


REGISTRY: dict[str, Computed] = {}


def indicator(
    key: str, label: str | Promise, unit: str | Promise, direction: str, source: str
) -> Callable[[Compute], Compute]:
    def register(compute: Compute) -> Compute:
        REGISTRY[key] = Computed(key, label, unit, direction, compute, source)
        return compute

    return register


def _q4(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def percent(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    """100 × numerator / denominator to four places; None without a denominator."""
    return _q4(Decimal(numerator) * 100 / Decimal(denominator)) if denominator else None


def _rate(numerator: int | Decimal, denominator: int | Decimal, source: str, **more: Any) -> Value:
    return percent(numerator, denominator), {
        "numerator": _plain(numerator),
        "denominator": _plain(denominator),
        "source": source,
        **more,
    }


def _plain(number: int | Decimal) -> int | str:
    return number if isinstance(number, int) else format(number, "f")


def _in_areas(field: str, areas: Sequence[str]) -> Q:
    query = Q(pk__in=[])
    for code in areas:
        query |= area_q(field, code)
    return query


def grouped(
    rows: QuerySet[Any], field: str, areas: Sequence[str], **aggregates: Any
) -> dict[str, dict[str, Any]]:
    """The aggregates of `rows` per area of `areas` (the rows whose `field` lies at or below it), one query per
    length of code among the areas; every area is present (aggregates of no rows: counts 0, sums None)."""
    result: dict[str, dict[str, Any]] = {}
    for length in sorted({len(code) for code in areas}):
        codes = [code for code in areas if len(code) == length]
        found = (
            rows.filter(_in_areas(field, codes))
            .order_by()
            .annotate(part=Substr(field, 1, length))
            .values("part")
            .annotate(**aggregates)
        )
        for row in found:
            result[row.pop("part")] = row
    empty = {name: (0 if isinstance(agg, Count) else None) for name, agg in aggregates.items()}
    return {code: result.get(code, dict(empty)) for code in areas}


def _year_start(year: int) -> date:
    return date(year, 1, 1)


# ------------------------------------------------------------------------------------- registry and assessment


_SHARED: ContextVar[dict[Any, Any] | None] = ContextVar("tuopin_contest_shared", default=None)


@contextmanager
def computing() -> Iterator[None]:
    """Within it, indicators that read the same thing (the assessment of a year) read it once: a run computes
    incidence and its reduction from two assessments, not three."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _incidence_rows(areas: Sequence[str], year: int) -> dict[str, dict[str, Any]]:
    """The assessment's result of `year` (assessment.services.assess_areas on the database of record: THE rule of
    exit and incidence) for each of the areas, each assessed within itself: eight counties across a province cost
    eight counties' work, not the province's (226,848 area rows four times took the demo four minutes)."""
    from tuopin.assessment.services import assess_areas

    shared = _SHARED.get()
    rows: dict[str, dict[str, Any]] = {}
    for code in dict.fromkeys(areas):
        key = ("assessment", code, year)
        if shared is not None and key in shared:
            result = shared[key]
        else:
            result = assess_areas(year, area=code, engine="db")
            if shared is not None:
                shared[key] = result
        rows.update({row["code"]: row for row in result.areas if row["code"] == code})
    return rows


def _incidence_value(row: dict[str, Any] | None, year: int) -> Value:
    if row is None or not row.get("rural_population"):
        return None, {
            "numerator": row["poor_persons"] if row else 0,
            "denominator": None,
            "year": year,
            "source": "assessment.rules.area_incidence",
        }
    return _rate(row["poor_persons"], row["rural_population"], "assessment.rules.area_incidence", year=year)


@indicator("incidence", _("贫困发生率"), "%", "lower", "assessment")
def incidence(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Incidence of Y = 100 × poor persons of Y / rural population of Y (AreaYear), where poor persons are the
    members of registered-poor households not exited before Y that do not meet the exit rule in Y (THE rule of
    assessment.rules.area_incidence, run on the database of record). No rural population: no value."""
    rows = _incidence_rows(areas, year)
    return {code: _incidence_value(rows.get(code), year) for code in areas}


@indicator("incidence_reduction", _("贫困发生率下降"), _("百分点"), "higher", "assessment")
def incidence_reduction(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Reduction = incidence of Y−1 − incidence of Y, in percentage points (each as in `incidence`); no value when
    either year lacks a rural population."""
    now, before = _incidence_rows(areas, year), _incidence_rows(areas, year - 1)
    values: Values = {}
    for code in areas:
        current, _d1 = _incidence_value(now.get(code), year)
        previous, _d2 = _incidence_value(before.get(code), year - 1)
        value = None if current is None or previous is None else previous - current
        values[code] = (
            value,
            {
                "previous": None if previous is None else format(previous, "f"),
                "current": None if current is None else format(current, "f"),
                "previous_year": year - 1,
                "source": "assessment.rules.area_incidence",
            },
        )
    return values


# --------------------------------------------------------------------------------------------------- procedures


@indicator("exit_as_planned", _("贫困户按计划退出率"), "%", "higher", "procedures")
def exit_as_planned(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Households exited as planned = 100 × household-exit procedures of year Y announced (closed) on or before the
    as-of date / household-exit procedures of Y proposed on or before it, withdrawn ones not counted (the plan is
    what the villages proposed for the year)."""
    from tuopin.procedures.flows import Kind, State
    from tuopin.procedures.models import Procedure

    rows = Procedure.objects.filter(kind=Kind.HOUSEHOLD_EXIT, year=year, started_on__lte=as_of).exclude(
        state=State.WITHDRAWN
    )
    counts = grouped(
        rows,
        "area_id",
        areas,
        planned=Count("id"),
        exited=Count("id", filter=Q(state=State.ANNOUNCED, closed_on__lte=as_of)),
    )
    return {code: _rate(c["exited"], c["planned"], "procedures.household_exit") for code, c in counts.items()}


# ------------------------------------------------------------------------------------ county exit evaluations


def _evaluations(areas: Sequence[str], year: int) -> dict[str, dict[str, Any]]:
    from tuopin.assessment.models import CountyEvaluation

    return grouped(
        CountyEvaluation.objects.filter(year=year),
        "county_id",
        areas,
        evaluations=Count("id"),
        sampled_exited=Sum("sampled_exited"),
        wrong_exits=Sum("wrong_exits"),
        sampled_unregistered=Sum("sampled_unregistered"),
        missed=Sum("missed"),
        surveyed=Sum("surveyed_households"),
        approving=Sum("approving_households"),
    )


SOURCE_EVALUATION = "assessment.CountyEvaluation"


@indicator("wrong_exit_rate", _("错退率"), "%", "lower", "assessment")
def wrong_exit_rate(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Wrong-exit rate = 100 × Σ wrong exits / Σ sampled exited persons of the county exit evaluations of Y of the
    counties at or below the area (POLICY.md §4)."""
    rows = _evaluations(areas, year)
    return {
        code: _rate(r["wrong_exits"] or 0, r["sampled_exited"] or 0, SOURCE_EVALUATION)
        for code, r in rows.items()
    }


@indicator("missed_rate", _("漏评率"), "%", "lower", "assessment")
def missed_rate(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Missed rate = 100 × Σ missed persons / Σ sampled unregistered rural persons of the evaluations of Y."""
    rows = _evaluations(areas, year)
    return {
        code: _rate(r["missed"] or 0, r["sampled_unregistered"] or 0, SOURCE_EVALUATION)
        for code, r in rows.items()
    }


@indicator("approval_rate", _("群众认可度"), "%", "higher", "assessment")
def approval_rate(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Approval = 100 × Σ approving households / Σ surveyed households of the evaluations of Y."""
    rows = _evaluations(areas, year)
    return {
        code: _rate(r["approving"] or 0, r["surveyed"] or 0, SOURCE_EVALUATION) for code, r in rows.items()
    }


# -------------------------------------------------------------------------------------------------- supervision


def _closed_by(as_of: date) -> Exists:
    from tuopin.supervision.models import ItemStep, Status

    return Exists(ItemStep.objects.filter(item=OuterRef("pk"), after=Status.CLOSED, on__lte=as_of))


@indicator("rectification_closure", _("问题整改销号率"), "%", "higher", "supervision")
def rectification_closure(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Closure rate = 100 × rectification items found in Y on or before the as-of date that were closed (销号: a
    step to "closed" dated on or before it) / those items. Closed is final (supervision.services), so the steps
    give the state on any past date."""
    from tuopin.supervision.models import Item

    rows = Item.objects.filter(found_on__gte=_year_start(year), found_on__lte=as_of).annotate(
        closed_then=_closed_by(as_of)
    )
    counts = grouped(
        rows, "area_id", areas, found=Count("id"), closed=Count("id", filter=Q(closed_then=True))
    )
    return {code: _rate(c["closed"], c["found"], "supervision.Item") for code, c in counts.items()}


@indicator("rectification_overdue", _("逾期未整改问题"), _("个"), "lower", "supervision")
def rectification_overdue(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Overdue items = rectification items found on or before the as-of date (of any year) whose deadline is before
    it and that were not closed by then (supervision.selectors.overdue_q, on the as-of date)."""
    from tuopin.supervision.models import Item

    rows = Item.objects.filter(found_on__lte=as_of).annotate(closed_then=_closed_by(as_of))
    counts = grouped(
        rows,
        "area_id",
        areas,
        found=Count("id"),
        overdue=Count("id", filter=Q(deadline__lt=as_of, closed_then=False)),
    )
    return {
        code: (
            Decimal(c["overdue"]),
            {"numerator": c["overdue"], "denominator": c["found"], "source": "supervision.Item"},
        )
        for code, c in counts.items()
    }


# ------------------------------------------------------------------------------------------------- assistance


@dataclass
class _Funds:
    projects: int = 0
    allocated: Decimal = Decimal(0)
    disbursed: Decimal = Decimal(0)
    idle: Decimal = Decimal(0)
    idle_projects: int = 0
    policy: dict[str, Any] = field(default_factory=dict)


def _positions(areas: Sequence[str], year: int, as_of: date) -> dict[str, _Funds]:
    """Per area: the projects of Y (rows nobody superseded) and their fund positions on the as-of date
    (assistance.selectors.positions_for: THE rule of idle funds, with the policy values of each province)."""
    from tuopin.assistance.models import Project
    from tuopin.assistance.selectors import positions_for
    from tuopin.policy.selectors import policy_for

    projects = list(
        Project.objects.filter(_in_areas("area_id", areas), year=year, successor__isnull=True).only(
            "id", "area_id"
        )
    )
    positions = positions_for(projects, as_of=as_of)
    totals = {code: _Funds() for code in areas}
    for project in projects:
        position = positions[project.pk]
        for code in areas:
            if project.area_id.startswith(code):
                total = totals[code]
                total.projects += 1
                total.allocated += position.allocated
                total.disbursed += position.disbursed
                total.idle += position.idle_amount
                total.idle_projects += position.idle
    profiles = {p: policy_for(as_of.year, p) for p in {code[:2] for code in areas}}
    for code, total in totals.items():
        profile = profiles[code[:2]]
        total.policy = {
            key: _policy_text(profile.value(key)) for key in ("idle_months", "idle_disbursed_ratio")
        }
    return totals


def _policy_text(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value


@indicator("fund_disbursement", _("资金支出率"), "%", "higher", "assistance")
def fund_disbursement(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Disbursement rate = 100 × Σ disbursed / Σ allocated on the as-of date over the projects of Y (current rows;
    reversals count with their negative amounts)."""
    return {
        code: _rate(t.disbursed, t.allocated, "assistance.funds.fund_position", projects=t.projects)
        for code, t in _positions(areas, year, as_of).items()
    }


@indicator("idle_funds", _("闲置资金"), _("元"), "lower", "assistance")
def idle_funds(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Idle funds = Σ over the projects of Y whose funds are idle on the as-of date of (money allocated at least
    `idle_months` before it − money disbursed), a project being idle when it disbursed less than
    `idle_disbursed_ratio` of that money (assistance.funds.fund_position); 0 where no project is idle."""
    return {
        code: (
            t.idle.quantize(Decimal("0.01")),
            {
                "numerator": format(t.idle, "f"),
                "denominator": format(t.allocated, "f"),
                "idle_projects": t.idle_projects,
                "projects": t.projects,
                "policy": t.policy,
                "source": "assistance.funds.fund_position",
            },
        )
        for code, t in _positions(areas, year, as_of).items()
    }


@indicator("visit_compliance", _("帮扶走访履职率"), "%", "higher", "assistance")
def visit_compliance(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Visit compliance = 100 × duty periods met / duty periods judged in year Y on the as-of date
    (assistance.visits.compliance over the duties of the area: a period is judged once it has ended and lies wholly
    within the duty's dates; it is met when the same person's visits to the target reach the duty's number)."""
    from tuopin.assistance import periods
    from tuopin.assistance.selectors import compliance_for

    values: Values = {}
    for code in areas:  # two queries per area: the duties and their people's visits
        report = compliance_for(None, periods.year(year), as_of=as_of, within=code)
        values[code] = _rate(report.met, report.duties, "assistance.visits.compliance")
    return values


# ------------------------------------------------------------------------------------------------- monitoring


@indicator("monitoring_coverage", _("监测对象帮扶措施覆盖率"), "%", "higher", "monitoring")
def monitoring_coverage(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Coverage = 100 × monitored households with at least one measure recorded since (re)opening and on or before
    the as-of date / households under monitoring on the as-of date (cases opened by then and not eliminated by
    then): the measure condition of risk elimination (monitoring.cases.elimination_check)."""
    from tuopin.monitoring.models import Case, CaseEvent

    measured = Exists(
        CaseEvent.objects.filter(
            case=OuterRef("pk"), kind="measure", on__gte=OuterRef("opened_on"), on__lte=as_of
        )
    )
    rows = Case.objects.filter(
        Q(eliminated_on__isnull=True) | Q(eliminated_on__gt=as_of), opened_on__lte=as_of
    ).annotate(measured=measured)
    counts = grouped(
        rows, "area_id", areas, monitored=Count("id"), measured=Count("id", filter=Q(measured=True))
    )
    return {code: _rate(c["measured"], c["monitored"], "monitoring.Case") for code, c in counts.items()}


@indicator("alert_response_days", _("预警平均响应时间"), _("工作日"), "lower", "monitoring")
def alert_response_days(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Response time = Σ working days from first seen to the first check (to the as-of date for an alert not
    checked by then) / alerts first seen in Y on or before the as-of date, in working days
    (monitoring.calendar.working_days_between, with the State Council's holidays). The alerts are counted per
    (first seen, checked) pair in one query, not one by one; `within_deadline` counts those checked by their
    first-check deadline."""
    from tuopin.monitoring.calendar import working_days_between
    from tuopin.monitoring.models import Alert

    alerts = Alert.objects.filter(
        _in_areas("area_id", areas), first_seen__gte=_year_start(year), first_seen__lte=as_of
    )
    pairs = (
        alerts.order_by()
        .values_list("area_id", "first_seen", "checked_on", "first_check_due")
        .annotate(n=Count("id"))
    )
    totals = {code: {"alerts": 0, "days": 0, "pending": 0, "within_deadline": 0} for code in areas}
    for area_id, first_seen, checked_on, due, n in pairs:
        checked = checked_on if checked_on is not None and checked_on <= as_of else None
        days = working_days_between(first_seen, checked or as_of)
        for code in areas:
            if area_id.startswith(code):
                total = totals[code]
                total["alerts"] += n
                total["days"] += days * n
                total["pending"] += n if checked is None else 0
                total["within_deadline"] += n if checked is not None and checked <= due else 0
    values: Values = {}
    for code, t in totals.items():
        value = _q4(Decimal(t["days"]) / t["alerts"]) if t["alerts"] else None
        values[code] = (
            value,
            {
                "numerator": t["days"],
                "denominator": t["alerts"],
                "pending": t["pending"],
                "within_deadline": t["within_deadline"],
                "source": "monitoring.Alert",
            },
        )
    return values


@indicator("cases_eliminated", _("监测对象风险消除率"), "%", "higher", "monitoring")
def cases_eliminated(areas: Sequence[str], year: int, as_of: date) -> Values:
    """Elimination rate = 100 × cases whose risk was eliminated in Y on or before the as-of date / cases under
    monitoring at some time in Y up to it (opened by the as-of date and not eliminated before Y)."""
    from tuopin.monitoring.models import Case

    start = _year_start(year)
    rows = Case.objects.filter(
        Q(eliminated_on__isnull=True) | Q(eliminated_on__gte=start), opened_on__lte=as_of
    )
    counts = grouped(
        rows,
        "area_id",
        areas,
        monitored=Count("id"),
        eliminated=Count("id", filter=Q(eliminated_on__gte=start, eliminated_on__lte=as_of)),
    )
    return {code: _rate(c["eliminated"], c["monitored"], "monitoring.Case") for code, c in counts.items()}


# What a value's `source` names, in words for the pages and the report.
SOURCES: dict[str, str | Promise] = {
    "assessment.rules.area_incidence": _("退出评估规则：贫困发生率（建档立卡数据）"),
    "procedures.household_exit": _("贫困户退出程序"),
    "assessment.CountyEvaluation": _("贫困县退出专项评估"),
    "supervision.Item": _("督查整改台账"),
    "assistance.funds.fund_position": _("项目资金台账（拨付、支出、闲置）"),
    "assistance.visits.compliance": _("帮扶责任与走访台账"),
    "monitoring.Case": _("防止返贫监测对象"),
    "monitoring.Alert": _("返贫预警"),
    "contest.EnteredValue": _("导入的录入指标"),
}


def directions() -> dict[str, str]:
    return {key: spec.direction for key, spec in REGISTRY.items()}
