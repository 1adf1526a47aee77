"""Monitoring cases: opened after a home check with the household's signed data authorisation, helped with measures,
checked against the risk-elimination conditions, eliminated through the procedure (village appraisal, notice,
township review, county approval: tuopin.procedures, kind risk_elimination), reopened when the risk returns.

Risk elimination (POLICY.md §5) holds when all hold, each failing one named:
- months: monitored for at least `risk_elimination_months` since (re)opening;
- measure: at least one measure recorded since then;
- income: the latest per-capita net income is not below the monitoring line (the screening's own income rule, run on
  the database of record for the household's village);
- guarantees: compulsory education, basic medical insurance, safe housing and water (the exit rule's own checks);
- labour: some member has labour capacity (households without any are not marked eliminated).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.areas.codes import code_at
from tuopin.audit.services import audit_record
from tuopin.core.errors import StaleEdit
from tuopin.monitoring.models import (
    OPEN_STATUSES,
    Alert,
    AlertStatus,
    Case,
    CaseEvent,
    CaseState,
    CaseType,
    RiskType,
)
from tuopin.monitoring.services import may_work
from tuopin.policy.selectors import policy_for
from tuopin.registry.models import Household
from tuopin.registry.services import household_status_record
from tuopin.registry.vocab import Labour, PopulationType

WITH_LABOUR = (Labour.NORMAL, Labour.SKILLED, Labour.WEAK)


def _name(actor: User | None) -> str:
    return actor.get_username() if actor else "system"


@dataclass
class Verification:
    visited_on: date
    visited_by: str
    authorisation_signed: bool
    note: str


def case_open(
    *,
    actor: User | None,
    household: Household,
    type: str,
    risk_types: list[str],
    verification: Verification,
    alert: Alert | None = None,
) -> Case:
    """Put a household under monitoring (or back under it, reopening its eliminated case); the household's open
    alerts are concluded into the case; an ordinary household becomes a monitored one."""
    area = household.village_id
    may_work(actor, area, what="case", object_id=household.number)
    problems: dict[str, list[str]] = {}
    if type not in CaseType.values:
        problems["type"] = [_("请选择监测对象类型。")]
    if not risk_types or set(risk_types) - set(RiskType.values):
        problems["risk_types"] = [_("请选择风险类型。")]
    if not verification.authorisation_signed:
        problems["authorisation_signed"] = [_("纳入监测须有农户签署的数据授权书。")]
    if not verification.visited_by.strip() or not verification.note.strip():
        problems["note"] = [_("请填写入户核实人和核实情况。")]
    if verification.visited_on > timezone.localdate():
        problems["visited_on"] = [_("日期不能晚于今天。")]
    if household.merged_into_id is not None:
        problems["household"] = [_("该户已并入他户。")]
    if problems:
        raise ValidationError(problems)
    if Case.objects.filter(household=household, state=CaseState.MONITORING).exists():
        raise ValidationError(_("该户已在监测中。"))
    fields = {
        "type": type,
        "risk_types": sorted(set(risk_types)),
        "visited_on": verification.visited_on,
        "visited_by": verification.visited_by.strip()[:100],
        "authorisation_signed": True,
        "verification": verification.note.strip()[:500],
        "opened_on": verification.visited_on,
        "opened_by": _name(actor),
    }
    with transaction.atomic():
        case = Case.objects.filter(household=household, state=CaseState.ELIMINATED).order_by("-id").first()
        if case is None:
            case = Case.objects.create(household=household, area_id=area, **fields)
            kind, text = "opened", _("纳入监测：%(type)s") % {"type": CaseType(type).label}
        else:
            for name, value in fields.items():
                setattr(case, name, value)
            case.state, case.eliminated_on, case.reopened = CaseState.MONITORING, None, case.reopened + 1
            case.version += 1
            case.save()
            kind, text = "reopened", _("风险再现，重新纳入监测：%(type)s") % {"type": CaseType(type).label}
        CaseEvent.objects.create(
            case=case,
            kind=kind,
            on=verification.visited_on,
            text=text,
            actor=_name(actor),
            data={"risk_types": fields["risk_types"]},
        )
        Alert.objects.filter(household=household, status__in=OPEN_STATUSES).update(
            status=AlertStatus.CASE, concluded_on=verification.visited_on, case=case, version=F("version") + 1
        )
        if household.population_type == PopulationType.ORDINARY:
            household_status_record(
                actor=actor,
                household=Household.objects.get(pk=household.pk),
                values={"population_type": PopulationType.MONITORED},
                reason=_("纳入防止返贫监测（监测对象 #%(id)s）") % {"id": case.pk},
            )
        audit_record(
            action=f"monitoring.case_{kind}",
            actor=actor,
            object_type="case",
            object_id=str(case.pk),
            area=area,
            details={"alert": alert.pk if alert else None},
        )
    return case


def measure_record(
    *,
    actor: User | None,
    case: Case,
    on: date,
    type: str | None = None,
    text: str = "",
    amount: Decimal | None = None,
) -> CaseEvent:
    """A measure taken for the household: its type from the assistance catalogue (tuopin.assistance.catalogue),
    the free text as its note. It is also written to the household's measure ledger (assistance.MeasureRecord),
    so the household's "one household, one policy" page lists it. A caller that names no type (written before the
    catalogue) gets the type its note points to (catalogue.measure_guess, "other" when none)."""
    from tuopin.assistance.catalogue import MEASURES, measure_guess
    from tuopin.assistance.services import measure_add

    may_work(actor, case.area_id, what="case", object_id=str(case.pk))
    if case.state != CaseState.MONITORING:
        raise ValidationError(_("风险已消除的监测对象不能再记录帮扶措施；如风险再现请重新纳入。"))
    code = measure_guess(text) if type is None else type
    if code not in MEASURES:
        raise ValidationError({"type": [_("请从措施目录中选择措施类型。")]})
    if on > timezone.localdate() or on < case.opened_on:
        raise ValidationError({"on": [_("日期应在纳入监测日期与今天之间。")]})
    if amount is not None and amount < 0:
        raise ValidationError({"amount": [_("金额不能为负数。")]})
    note = text.strip()[:400]
    label = str(MEASURES[code].label)
    with transaction.atomic():
        record = measure_add(
            actor=actor,
            household=case.household,
            type=code,
            on=on,
            amount=amount,
            note=note,
            provider=_("监测帮扶"),
        )
        event = CaseEvent.objects.create(
            case=case,
            kind="measure",
            on=on,
            text=f"{label}：{note}" if note else label,
            amount=amount,
            actor=_name(actor),
            data={"measure": code, "record": record.pk},
        )
        audit_record(
            action="monitoring.measure",
            actor=actor,
            object_type="case",
            object_id=str(case.pk),
            area=case.area_id,
            details={"measure": code},
        )
    return event


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def elimination_check(case: Case, as_of: date | None = None) -> dict[str, Any]:
    """Each condition of risk elimination with its detail, and whether all hold."""
    from tuopin.assessment.engine import run_db
    from tuopin.assessment.services import assess_household
    from tuopin.monitoring.rules import income, tables
    from tuopin.monitoring.services import params_for

    as_of = as_of or timezone.localdate()
    household = case.household
    province = code_at(household.village_id, "province")
    needed = policy_for(as_of.year, province).value("risk_elimination_months") or 6
    months = _months(case.opened_on, as_of)
    measures = case.events.filter(kind="measure", on__gte=case.opened_on).count()
    expr = income(tables(household_ids=[household.pk]), params_for(as_of, province), household.village_id)
    below = expr is not None and any(r["household_id"] == household.pk for r in run_db(expr))
    latest = (
        household.incomes.filter(year__lte=as_of.year)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    guarantees = [
        r for r in assess_household(household, latest or as_of.year - 1).reasons if r["rule"] != "income"
    ]
    labour = household.members.filter(left_on__isnull=True, labour__in=WITH_LABOUR).exists()
    checks = [
        {
            "check": "months",
            "ok": months >= needed,
            "detail": _("已监测 %(n)s 个月（至少 %(needed)s 个月）") % {"n": months, "needed": needed},
        },
        {"check": "measure", "ok": measures > 0, "detail": _("帮扶措施 %(n)s 项") % {"n": measures}},
        {
            "check": "income",
            "ok": latest is not None and not below,
            "detail": _("%(year)s 年人均纯收入%(state)s监测线")
            % {"year": latest or "—", "state": _("低于") if below or latest is None else _("不低于")},
        },
        *({"check": r["rule"], "ok": r["ok"], "detail": r["detail"]} for r in guarantees),
        {
            "check": "labour",
            "ok": labour,
            "detail": _("有劳动能力的成员") if labour else _("无劳动能力：不标注风险消除，继续帮扶"),
        },
    ]
    return {"as_of": as_of.isoformat(), "ok": all(c["ok"] for c in checks), "checks": checks}


def _proposal_check(household: Household, year: int) -> dict[str, Any]:
    case = Case.objects.filter(household=household, state=CaseState.MONITORING).first()
    if case is None:
        raise ValidationError(_("该户不在监测中。"))
    result = elimination_check(case)
    if not result["ok"]:
        failing = "；".join(c["detail"] for c in result["checks"] if not c["ok"])
        raise ValidationError(_("不符合风险消除条件：%(reasons)s") % {"reasons": failing})
    return {
        "case": case.pk,
        **result,
        "reasons": [{"rule": c["check"], "ok": c["ok"], "detail": c["detail"]} for c in result["checks"]],
    }


def _eliminate(actor: User | None, procedure: Any, document: str) -> None:
    case = Case.objects.select_for_update().get(
        household_id=procedure.household_id, state=CaseState.MONITORING
    )
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(
        state=CaseState.ELIMINATED, eliminated_on=procedure.closed_on, version=F("version") + 1
    )
    if not updated:
        raise StaleEdit(_("该记录已被他人修改，请刷新后重试。"))
    CaseEvent.objects.create(
        case=case,
        kind="eliminated",
        on=procedure.closed_on,
        actor=_name(actor),
        text=_("风险消除：%(document)s（程序 #%(id)s）") % {"document": document, "id": procedure.pk},
    )


def register_procedure() -> None:
    """Called by MonitoringConfig.ready: the risk-elimination procedure's proposal check and effect."""
    from tuopin.procedures.flows import Kind
    from tuopin.procedures.services import EFFECTS, PROPOSAL_CHECKS

    PROPOSAL_CHECKS[Kind.RISK_ELIMINATION] = _proposal_check
    EFFECTS[Kind.RISK_ELIMINATION] = _eliminate
