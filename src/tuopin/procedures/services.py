"""Writes on procedures: propose, do the current step, start a notice, record and resolve objections, withdraw; and
the same over a village's list, all or nothing.

Each write checks that the actor is the office of the step (its role and the area in scope), refuses a stale edit
(optimistic locking on `version`), keeps the step row (who, when, what) and an audit row in the same transaction.
A proposal is checked against the rules of tuopin.assessment (the same definitions as every assessment run): a
household may be proposed for exit only when it meets every exit check of the year, a village or county only when
its incidence is below the threshold. The announcement applies the effect; nothing else changes a household's
status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.accounts.permissions import write_required
from tuopin.accounts.roles import Role
from tuopin.areas.codes import code_at
from tuopin.areas.models import Area
from tuopin.audit.services import audit_record
from tuopin.core.errors import StaleEdit
from tuopin.policy.selectors import policy_for
from tuopin.procedures.flows import (
    HOUSEHOLD_KINDS,
    NOTICE_KEYS,
    PROPOSER,
    SUBJECT_LEVEL,
    Kind,
    State,
    StepType,
)
from tuopin.procedures.flows import Step as StepDef
from tuopin.procedures.models import Objection, Procedure, Step
from tuopin.procedures.selectors import may_act
from tuopin.registry.models import Household
from tuopin.registry.services import household_status_record
from tuopin.registry.vocab import PopulationType, Status

STALE = _("该记录已被他人修改，请刷新后重试。")

# Procedures of other apps (monitoring's risk elimination) register here, from their AppConfig.ready: how a
# proposal is checked (returns the evidence or raises ValidationError) and what the announcement does.
PROPOSAL_CHECKS: dict[str, Callable[[Household, int], dict[str, Any]]] = {}
EFFECTS: dict[str, Callable[[User | None, Procedure, str], None]] = {}


def _name(actor: User | None) -> str:
    return actor.get_username() if actor else "system"


def _require_office(actor: User | None, level: str, code: str, action: str, object_id: str) -> None:
    """Refuse (one denial row) unless the actor is that office; before the write's transaction opens."""
    write_required(
        actor,
        allowed=may_act(actor, level, code),
        action=f"procedure.{action}",
        object_type="procedure",
        object_id=object_id,
        message=_("此步骤由%(office)s办理，且须在您的管辖区划内。") % {"office": Role(level).label},
    )


def _check_date(on: date, *, after: date | None = None) -> None:
    if on > timezone.localdate():
        raise ValidationError({"on": [_("日期不能晚于今天。")]})
    if after is not None and on < after:
        raise ValidationError({"on": [_("日期不能早于上一步骤（%(date)s）。") % {"date": after.isoformat()}]})


def _lock(procedure: Procedure, version: int) -> None:
    """Claim the procedure for this change: refused if anybody changed it since `version`."""
    if not Procedure.objects.filter(pk=procedure.pk, version=version).update(version=F("version") + 1):
        raise StaleEdit(STALE)
    procedure.version = version + 1


def _last_date(procedure: Procedure) -> date:
    last = procedure.steps.order_by("-id").values_list("on", flat=True).first()
    return last or procedure.started_on


# --- proposing -------------------------------------------------------------------------------------------------


@dataclass
class Proposal:
    """What a proposal needs: the subject (a household, or the code of a village or county) and the year."""

    kind: str
    year: int
    household: Household | None = None
    area_code: str = ""


def _household_evidence(kind: str, household: Household, year: int) -> dict[str, Any]:
    from tuopin.assessment.services import assess_household

    if household.merged_into_id is not None:
        raise ValidationError(_("该户已并入他户。"))
    if kind in PROPOSAL_CHECKS:
        return PROPOSAL_CHECKS[kind](household, year)
    if kind == Kind.HOUSEHOLD_EXIT:
        if household.population_type != PopulationType.REGISTERED or household.status not in (
            Status.POOR,
            Status.RELAPSED,
        ):
            raise ValidationError(_("只有未脱贫或返贫的建档立卡户可以提出退出。"))
    elif household.population_type == PopulationType.REGISTERED:
        raise ValidationError(_("该户已是建档立卡户。"))
    decision = assess_household(household, year)
    if kind == Kind.HOUSEHOLD_EXIT and not decision.may_exit:
        failing = "；".join(r["detail"] for r in decision.reasons if not r["ok"])
        raise ValidationError(
            _("%(year)s 年不符合退出条件：%(reasons)s") % {"year": year, "reasons": failing}
        )
    if kind == Kind.HOUSEHOLD_IDENTIFICATION and not decision.meets_identification:
        raise ValidationError(
            _(
                "%(year)s 年不符合识别条件：人均纯收入高于标准且“两不愁三保障”和饮水安全均有保障，或没有收入记录。"
            )
            % {"year": year}
        )
    return decision.as_dict()


def _area_evidence(kind: str, code: str, year: int) -> dict[str, Any]:
    from tuopin.assessment.services import assess_areas

    level = SUBJECT_LEVEL[kind]
    if not Area.objects.filter(code=code, level=level).exists():
        raise ValidationError(_("区划代码不存在或级别不符：%(code)s") % {"code": code})
    row = next(a for a in assess_areas(year, area=code, engine="db").areas if a["code"] == code)
    # A county is proposed before its special evaluation (the province checks that later): awaiting is fine here.
    blocked = row["may_exit"] is False or (kind == Kind.VILLAGE_EXIT and row["may_exit"] is not True)
    if blocked:
        raise ValidationError(
            _("%(year)s 年不符合退出条件：%(reasons)s") % {"year": year, "reasons": "；".join(row["reasons"])}
        )
    return {key: row[key] for key in ("rural_population", "poor_persons", "incidence", "may_exit", "reasons")}


def procedure_propose(*, actor: User | None, proposal: Proposal, on: date | None = None) -> Procedure:
    """Open a procedure. Refused when the subject does not meet the rule of the year, or has an open one."""
    on = on or timezone.localdate()
    kind = proposal.kind
    household = proposal.household
    code = household.village_id if household is not None else proposal.area_code
    if (household is None) == (kind in HOUSEHOLD_KINDS):
        raise ValidationError("a household procedure needs a household, an area procedure an area code")
    _require_office(actor, PROPOSER[kind], code, "propose", code)
    _check_date(on)
    if proposal.year > timezone.localdate().year:
        raise ValidationError({"year": [_("年度不能晚于今年。")]})
    open_ones = Procedure.objects.filter(state=State.OPEN)
    if household is not None:
        if open_ones.filter(household=household).exists():
            raise ValidationError(_("户 %(number)s 已有办理中的程序。") % {"number": household.number})
        evidence = _household_evidence(kind, household, proposal.year)
    else:
        if open_ones.filter(kind=kind, area_id=code, household__isnull=True).exists():
            raise ValidationError(_("%(code)s 已有办理中的同类程序。") % {"code": code})
        evidence = _area_evidence(kind, code, proposal.year)
    try:
        with transaction.atomic():
            procedure = Procedure.objects.create(
                kind=kind,
                year=proposal.year,
                area_id=code,
                household=household,
                started_on=on,
                started_by=_name(actor),
                evidence=evidence,
            )
            audit_record(
                action="procedure.propose",
                actor=actor,
                object_type="procedure",
                object_id=str(procedure.pk),
                area=code,
                details={
                    "kind": kind,
                    "year": proposal.year,
                    "household": household.number if household else "",
                },
            )
    except IntegrityError as error:  # a concurrent proposal for the same subject won
        raise ValidationError(_("已有办理中的程序。")) from error
    return procedure


# --- steps -----------------------------------------------------------------------------------------------------


def _current(procedure: Procedure) -> StepDef:
    step = procedure.current
    if step is None:
        raise ValidationError(_("该程序已办结。"))
    return step


def _int(data: dict[str, Any], name: str, problems: dict[str, list[str]]) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        problems[name] = [_("请填写不小于 0 的整数。")]
        return 0
    return value


def _appraisal(data: dict[str, Any]) -> tuple[bool, dict[str, Any], str]:
    problems: dict[str, list[str]] = {}
    attendance = _int(data, "attendance", problems)
    votes_for = _int(data, "votes_for", problems)
    votes_against = _int(data, "votes_against", problems)
    if not problems and attendance == 0:
        problems["attendance"] = [_("参会人数至少为 1。")]
    if not problems and votes_for + votes_against > attendance:
        problems["votes_for"] = [_("赞成与反对票数之和不能超过参会人数。")]
    if problems:
        raise ValidationError(problems)
    passed = votes_for * 2 > attendance
    note = (
        ""
        if passed
        else _("赞成票未过参会人数半数（%(votes)s/%(attendance)s）。")
        % {"votes": votes_for, "attendance": attendance}
    )
    return passed, {"attendance": attendance, "votes_for": votes_for, "votes_against": votes_against}, note


def _consent(data: dict[str, Any]) -> tuple[bool, dict[str, Any], str]:
    if not isinstance(data.get("agreed"), bool):
        raise ValidationError({"agreed": [_("请选择农户是否认可。")]})
    signed_by = str(data.get("signed_by", "")).strip()
    if data["agreed"] and not signed_by:
        raise ValidationError({"signed_by": [_("请填写签字人。")]})
    return (
        data["agreed"],
        {"agreed": data["agreed"], "signed_by": signed_by},
        "" if data["agreed"] else _("农户不认可退出。"),
    )


def _review(data: dict[str, Any], note: str) -> tuple[bool, dict[str, Any], str]:
    if not isinstance(data.get("approve"), bool):
        raise ValidationError({"approve": [_("请选择审核结论。")]})
    if not data["approve"] and not note:
        raise ValidationError({"note": [_("不通过时请填写意见。")]})
    return data["approve"], {"approve": data["approve"]}, note


def _evaluation(procedure: Procedure, data: dict[str, Any], note: str) -> tuple[bool, dict[str, Any], str]:
    """The province's check of a county: incidence and the three rates of the recorded special evaluation."""
    from tuopin.assessment.services import assess_areas

    approve, recorded, note = _review(data, note)
    row = next(
        a
        for a in assess_areas(procedure.year, area=procedure.area_id, engine="db").areas
        if a["code"] == procedure.area_id
    )
    recorded |= {"incidence": row["incidence"], "may_exit": row["may_exit"], "reasons": row["reasons"]}
    if approve and row["may_exit"] is not True:
        raise ValidationError(_("不符合摘帽条件：%(reasons)s") % {"reasons": "；".join(row["reasons"])})
    return approve, recorded, note


def _announcement(data: dict[str, Any]) -> tuple[bool, dict[str, Any], str]:
    document = str(data.get("document", "")).strip()
    if not document:
        raise ValidationError({"document": [_("请填写公告文号。")]})
    return True, {"document": document[:100]}, ""


def _close_notice(procedure: Procedure, on: date) -> tuple[bool, dict[str, Any], str]:
    if procedure.notice_started_on is None or procedure.notice_ends_on is None:
        raise ValidationError(_("请先开始公示。"))
    if on < procedure.notice_ends_on:
        raise ValidationError(
            {
                "on": [
                    _("公示期至 %(date)s 届满，不能提前结束。")
                    % {"date": (procedure.notice_ends_on - timedelta(days=1)).isoformat()}
                ]
            }
        )
    if procedure.objections.filter(upheld__isnull=True).exists():
        raise ValidationError(_("公示期间的异议尚未核实，不能结束公示。"))
    recorded = {
        "started_on": procedure.notice_started_on.isoformat(),
        "ends_on": procedure.notice_ends_on.isoformat(),
        "objections": procedure.objections.filter(step=_current(procedure).code).count(),
    }
    return True, recorded, ""


def _effect(actor: User | None, procedure: Procedure, document: str) -> None:
    """What an announcement changes: the household's status (identification or exit); a village's or county's exit
    is the announced procedure itself."""
    if procedure.kind in EFFECTS:
        EFFECTS[procedure.kind](actor, procedure, document)
        return
    if procedure.household is None:
        return
    reason = _("%(kind)s公告 %(document)s（程序 #%(id)s）") % {
        "kind": procedure.get_kind_display(),
        "document": document,
        "id": procedure.pk,
    }
    if procedure.kind == Kind.HOUSEHOLD_EXIT:
        values: dict[str, Any] = {"status": Status.EXITED_POLICY, "exit_year": procedure.year}
    else:
        values = {
            "population_type": PopulationType.REGISTERED,
            "status": Status.POOR,
            "identification_year": procedure.year,
            "exit_year": None,
        }
    household = Household.objects.get(pk=procedure.household.pk)  # as it is now, not as the page read it
    household_status_record(actor=actor, household=household, values=values, reason=reason)


def procedure_act(
    *,
    actor: User | None,
    procedure: Procedure,
    version: int,
    on: date,
    data: dict[str, Any] | None = None,
    note: str = "",
) -> Procedure:
    """Do the current step: record what happened on `on` and move on (or end the procedure when the step failed;
    apply the effect when it was the announcement)."""
    data = data or {}
    note = note.strip()[:300]
    step = _current(procedure)
    _require_office(actor, step.level, procedure.area_id, "act", str(procedure.pk))
    _check_date(on, after=_last_date(procedure))
    handlers: dict[str, Callable[[], tuple[bool, dict[str, Any], str]]] = {
        StepType.APPRAISAL: lambda: _appraisal(data),
        StepType.CONSENT: lambda: _consent(data),
        StepType.NOTICE: lambda: _close_notice(procedure, on),
        StepType.REVIEW: lambda: _review(data, note),
        StepType.EVALUATION: lambda: _evaluation(procedure, data, note),
        StepType.ANNOUNCEMENT: lambda: _announcement(data),
    }
    passed, recorded, note = handlers[step.type]()
    with transaction.atomic():
        _lock(procedure, version)
        Step.objects.create(
            procedure=procedure,
            code=step.code,
            passed=passed,
            on=on,
            data=recorded,
            note=note,
            actor=_name(actor),
        )
        procedure.position += 1
        procedure.notice_started_on = procedure.notice_ends_on = None
        if not passed:
            procedure.state, procedure.closed_on, procedure.outcome = State.REJECTED, on, note
        elif step.type == StepType.ANNOUNCEMENT:
            procedure.state, procedure.closed_on = State.ANNOUNCED, on
            procedure.outcome = recorded["document"]
            _effect(actor, procedure, recorded["document"])
        procedure.save(
            update_fields=["position", "notice_started_on", "notice_ends_on", "state", "closed_on", "outcome"]
        )
        audit_record(
            action="procedure.act",
            actor=actor,
            object_type="procedure",
            object_id=str(procedure.pk),
            area=procedure.area_id,
            details={"step": step.code, "passed": passed, "on": on.isoformat()},
        )
    return procedure


def notice_days(procedure: Procedure) -> int:
    days = policy_for(procedure.year, code_at(procedure.area_id, "province")).value(
        NOTICE_KEYS.get(procedure.kind, "notice_days")
    )
    if not days:
        raise ValidationError(_("%(year)s 年的政策参数没有公示天数。") % {"year": procedure.year})
    return int(days)


def notice_start(*, actor: User | None, procedure: Procedure, version: int, on: date) -> Procedure:
    """Post the notice: it lasts the policy's notice_days from `on` and cannot be closed before it ends."""
    step = _current(procedure)
    if step.type != StepType.NOTICE:
        raise ValidationError(_("当前步骤不是公示。"))
    if procedure.notice_started_on is not None:
        raise ValidationError(_("公示已经开始。"))
    _require_office(actor, step.level, procedure.area_id, "notice", str(procedure.pk))
    _check_date(on, after=_last_date(procedure))
    days = notice_days(procedure)
    with transaction.atomic():
        _lock(procedure, version)
        procedure.notice_started_on, procedure.notice_ends_on = on, on + timedelta(days=days)
        procedure.save(update_fields=["notice_started_on", "notice_ends_on"])
        audit_record(
            action="procedure.notice",
            actor=actor,
            object_type="procedure",
            object_id=str(procedure.pk),
            area=procedure.area_id,
            details={"step": step.code, "on": on.isoformat(), "days": days},
        )
    return procedure


def procedure_withdraw(*, actor: User | None, procedure: Procedure, version: int, reason: str) -> Procedure:
    """The proposing office takes an open procedure back, with a reason."""
    _current(procedure)
    _require_office(actor, PROPOSER[procedure.kind], procedure.area_id, "withdraw", str(procedure.pk))
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写撤回原因。")]})
    with transaction.atomic():
        _lock(procedure, version)
        procedure.state, procedure.closed_on = State.WITHDRAWN, timezone.localdate()
        procedure.outcome = reason.strip()[:300]
        procedure.save(update_fields=["state", "closed_on", "outcome"])
        audit_record(
            action="procedure.withdraw",
            actor=actor,
            object_type="procedure",
            object_id=str(procedure.pk),
            area=procedure.area_id,
            details={"reason": procedure.outcome},
        )
    return procedure


# --- objections ------------------------------------------------------------------------------------------------


def _in_notice(procedure: Procedure) -> StepDef:
    step = _current(procedure)
    if step.type != StepType.NOTICE or procedure.notice_started_on is None:
        raise ValidationError(_("只能在公示期间登记异议。"))
    return step


def objection_record(
    *, actor: User | None, procedure: Procedure, raised_on: date, content: str, raised_by: str = ""
) -> Objection:
    """An objection raised during a notice; the notice cannot close until it is resolved."""
    step = _in_notice(procedure)
    _require_office(actor, step.level, procedure.area_id, "objection", str(procedure.pk))
    assert procedure.notice_started_on is not None
    _check_date(raised_on, after=procedure.notice_started_on)
    if not content.strip():
        raise ValidationError({"content": [_("请填写异议内容。")]})
    with transaction.atomic():
        objection = Objection.objects.create(
            procedure=procedure,
            step=step.code,
            raised_on=raised_on,
            raised_by=raised_by.strip()[:100],
            content=content.strip()[:500],
            recorded_by=_name(actor),
        )
        audit_record(
            action="procedure.objection",
            actor=actor,
            object_type="procedure",
            object_id=str(procedure.pk),
            area=procedure.area_id,
            details={"objection": objection.pk},
        )
    return objection


def objection_resolve(
    *,
    actor: User | None,
    objection: Objection,
    version: int,
    resolved_on: date,
    upheld: bool,
    resolution: str,
) -> Objection:
    """The verified answer to an objection. An upheld objection ends the procedure as rejected."""
    procedure = objection.procedure
    step = _in_notice(procedure)
    _require_office(actor, step.level, procedure.area_id, "objection", str(procedure.pk))
    if objection.upheld is not None:
        raise ValidationError(_("该异议已核实。"))
    _check_date(resolved_on, after=objection.raised_on)
    if not resolution.strip():
        raise ValidationError({"resolution": [_("请填写核实结论。")]})
    with transaction.atomic():
        _lock(procedure, version)
        objection.resolved_on, objection.upheld = resolved_on, upheld
        objection.resolution, objection.resolved_by = resolution.strip()[:500], _name(actor)
        objection.save()
        if upheld:
            note = _("公示异议成立：%(resolution)s") % {"resolution": objection.resolution}
            Step.objects.create(
                procedure=procedure,
                code=step.code,
                passed=False,
                on=resolved_on,
                data={"objection": objection.pk},
                note=note[:300],
                actor=_name(actor),
            )
            procedure.state, procedure.closed_on, procedure.outcome = State.REJECTED, resolved_on, note[:300]
            procedure.save(update_fields=["state", "closed_on", "outcome"])
        audit_record(
            action="procedure.objection_resolve",
            actor=actor,
            object_type="procedure",
            object_id=str(procedure.pk),
            area=procedure.area_id,
            details={"objection": objection.pk, "upheld": upheld},
        )
    return objection


# --- a village's list, all or nothing --------------------------------------------------------------------------


def _all_or_nothing(items: Iterable[Any], label: Callable[[Any], str], do: Callable[[Any], Any]) -> list[Any]:
    """Do `do` for every item in one transaction; if any is refused, nothing is kept and every refusal is reported
    as {label: [messages]}."""
    problems: dict[str, list[str]] = {}
    done = []
    with transaction.atomic():
        for item in items:
            try:
                with transaction.atomic():
                    done.append(do(item))
            except (ValidationError, PermissionDenied) as error:
                messages = error.messages if isinstance(error, ValidationError) else [str(error)]
                problems.setdefault(label(item), []).extend(messages)
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise ValidationError(problems)
    return done


def procedures_propose(
    *, actor: User | None, kind: str, year: int, households: list[Household], on: date | None = None
) -> list[Procedure]:
    """Propose many households at once (a village's list). A list holding a household outside the actor's office is
    refused before anything is written (so the denial's audit row is kept)."""
    if not households:
        raise ValidationError(_("请选择至少一户。"))
    if kind in HOUSEHOLD_KINDS:
        for household in households:
            _require_office(actor, PROPOSER[kind], household.village_id, "propose", household.village_id)
    return _all_or_nothing(
        households,
        lambda h: h.number,
        lambda h: procedure_propose(actor=actor, proposal=Proposal(kind, year, household=h), on=on),
    )


def _label(procedure: Procedure) -> str:
    return procedure.household.number if procedure.household else f"#{procedure.pk}"


def _offices_first(actor: User | None, procedures: list[tuple[Procedure, int]]) -> None:
    """Refuse a list holding a step that is not the actor's before anything is written (so the denial's audit row
    is kept, not rolled back with the rest)."""
    if not procedures:
        raise ValidationError(_("请选择至少一户。"))
    for procedure, _version in procedures:
        step = procedure.current
        if step is not None:
            _require_office(actor, step.level, procedure.area_id, "act", str(procedure.pk))


def procedures_act(
    *,
    actor: User | None,
    procedures: list[tuple[Procedure, int]],
    on: date,
    data: dict[str, Any] | None = None,
    note: str = "",
) -> list[Procedure]:
    """Do the same step, with the same record, for many procedures (each with the version it was read at)."""
    _offices_first(actor, procedures)
    return _all_or_nothing(
        procedures,
        lambda pv: _label(pv[0]),
        lambda pv: procedure_act(actor=actor, procedure=pv[0], version=pv[1], on=on, data=data, note=note),
    )


def notices_start(
    *, actor: User | None, procedures: list[tuple[Procedure, int]], on: date
) -> list[Procedure]:
    _offices_first(actor, procedures)
    return _all_or_nothing(
        procedures,
        lambda pv: _label(pv[0]),
        lambda pv: notice_start(actor=actor, procedure=pv[0], version=pv[1], on=on),
    )
