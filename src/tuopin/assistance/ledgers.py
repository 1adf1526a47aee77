"""The assistance ledgers' Excel sheets (tuopin.ledgers.framework): duties, visits, pairings, projects, funds and loans.

Each `apply` checks what only it can see (an unknown household or project, a row the user may not write, what the
services refuse) for every row, raises ImportFailed with all of it, and otherwise writes each row through the
service that owns it (append-only, audited). A row identical to one already in the ledger is skipped, so importing
the same file twice adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.models import User
from tuopin.accounts.roles import Role
from tuopin.assistance import periods, selectors
from tuopin.assistance.funds import (
    acceptance_record,
    fund_entry_record,
    fund_source_get,
    loan_record,
    project_record,
    repayment_record,
)
from tuopin.assistance.models import (
    AcceptanceResult,
    Duty,
    FundEntry,
    FundKind,
    FundLevel,
    Loan,
    Pairing,
    PairingKind,
    Project,
    TargetType,
    Visit,
)
from tuopin.assistance.services import (
    may_write,
    pairing_end,
    pairing_start,
    target_area,
    unit_ensure,
)
from tuopin.assistance.visits import duty_record, person_key, unit_named, visit_record
from tuopin.ledgers.framework import Ledger, LedgerColumn, LedgerRow, SheetProblems, ledger_register
from tuopin.registry.models import Household


def _choices(pairs: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(code), str(label)) for code, label in pairs)


FREQUENCY = _choices(periods.FREQUENCIES)


class Rows(SheetProblems):
    """Collects a sheet's problems (core.ledgers.SheetProblems) and writes its clean rows through a service, turning
    refusals into problems."""

    def __init__(self, sheet: str, actor: User | None, columns: tuple[LedgerColumn, ...] = ()) -> None:
        super().__init__(sheet, columns)
        self.actor = actor
        self.created = 0

    def problem(self, row: LedgerRow, column: str, value: Any, message: str) -> None:
        self.add(row, column, value or "", message)

    def may(
        self,
        row: LedgerRow,
        column: str,
        value: Any,
        *,
        area: str,
        unit_id: int | None = None,
        unit_may: bool = False,
    ) -> bool:
        if may_write(self.actor, area=area, unit_id=unit_id, unit_may=unit_may):
            return True
        self.problem(row, column, value, _("您无权录入该区划或单位的记录。"))
        return False

    def write(self, row: LedgerRow, column: str, action: Callable[..., Any], **arguments: Any) -> Any:
        try:
            made = action(**arguments)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, messages in error.message_dict.items():
                    where = self.headers.get(field, column)
                    value = arguments.get(field, "") if where != column else ""
                    self.problem(row, where, value, "；".join(messages))
            else:
                self.problem(row, column, "", "；".join(error.messages))
            return None
        except PermissionDenied as error:
            self.problem(row, column, "", str(error))
            return None
        self.created += 1
        return made

    def done(self) -> int:
        self.raise_found()
        return self.created


def _target(rows: Rows, row: LedgerRow) -> str | None:
    values = row.values
    try:
        return target_area(values["target_type"], values["target_code"])
    except ValidationError as error:
        rows.problem(row, "对象代码", values["target_code"], "；".join(error.messages))
        return None


# --------------------------------------------------------------------------------------------------- duties

DUTY_SHEET = "走访职责"
DUTY_COLUMNS = (
    LedgerColumn("责任人", "who", required=True, aliases=("who", "person")),
    LedgerColumn("职务", "role", aliases=("role", "title")),
    LedgerColumn("单位", "unit_name", aliases=("unit",)),
    LedgerColumn(
        "对象类型", "target_type", "choice", required=True, aliases=("target_type",), vocabulary=TargetType
    ),
    LedgerColumn("对象代码", "target_code", required=True, aliases=("target_code", "target")),
    LedgerColumn("频次", "frequency", "choice", required=True, aliases=("frequency",), choices=FREQUENCY),
    LedgerColumn("每期次数", "per_period", "integer", aliases=("per_period", "times")),
    LedgerColumn("起始日期", "valid_from", "date", required=True, aliases=("valid_from", "from")),
    LedgerColumn("终止日期", "valid_to", "date", aliases=("valid_to", "to")),
)


def duties_apply(rows_in: list[LedgerRow], *, actor: User | None) -> int:
    rows = Rows(DUTY_SHEET, actor, DUTY_COLUMNS)
    for row in rows_in:
        v = row.values
        area = _target(rows, row)
        if area is None or not rows.may(row, "对象代码", v["target_code"], area=area):
            continue
        if Duty.objects.filter(
            who=person_key(v["who"]),
            target_type=v["target_type"],
            target_code=v["target_code"],
            frequency=v["frequency"],
            valid_from=v["valid_from"],
            valid_to=v.get("valid_to"),
            per_period=v.get("per_period", 1),
            successor__isnull=True,
        ).exists():
            continue
        rows.write(
            row,
            "责任人",
            duty_record,
            actor=actor,
            who=v["who"],
            role=v.get("role", ""),
            unit_name=v.get("unit_name", ""),
            target_type=v["target_type"],
            target_code=v["target_code"],
            frequency=v["frequency"],
            per_period=v.get("per_period", 1),
            valid_from=v["valid_from"],
            valid_to=v.get("valid_to"),
        )
    return rows.done()


def duties_export(user: User) -> Iterator[dict[str, Any]]:
    for d in selectors.duties_for(user).order_by("who", "target_code", "id").iterator(chunk_size=2000):
        yield {
            "who": d.who,
            "role": d.role,
            "unit_name": d.unit_name,
            "target_type": d.target_type,
            "target_code": d.target_code,
            "frequency": d.frequency,
            "per_period": d.per_period,
            "valid_from": d.valid_from,
            "valid_to": d.valid_to,
        }


# --------------------------------------------------------------------------------------------------- visits

VISIT_SHEET = "走访记录"
VISIT_COLUMNS = (
    LedgerColumn("走访人", "who", required=True, aliases=("who", "visitor")),
    LedgerColumn("职务", "role", aliases=("role", "title")),
    LedgerColumn("单位", "unit_name", aliases=("unit",)),
    LedgerColumn("走访日期", "on", "date", required=True, aliases=("on", "date")),
    LedgerColumn(
        "对象类型", "target_type", "choice", required=True, aliases=("target_type",), vocabulary=TargetType
    ),
    LedgerColumn("对象代码", "target_code", required=True, aliases=("target_code", "target")),
    LedgerColumn("事由", "purpose", required=True, aliases=("purpose",)),
    LedgerColumn("发现问题", "findings", aliases=("findings",)),
)


def visits_apply(rows_in: list[LedgerRow], *, actor: User | None) -> int:
    rows = Rows(VISIT_SHEET, actor, VISIT_COLUMNS)
    for row in rows_in:
        v = row.values
        area = _target(rows, row)
        unit = unit_named(v.get("unit_name", ""))
        if area is None or not rows.may(
            row, "单位", v.get("unit_name", ""), area=area, unit_id=unit.pk if unit else None, unit_may=True
        ):
            continue
        if Visit.objects.filter(
            who=person_key(v["who"]),
            on=v["on"],
            target_type=v["target_type"],
            target_code=v["target_code"],
            purpose=v["purpose"].strip(),
            successor__isnull=True,
        ).exists():
            continue
        rows.write(
            row,
            "走访人",
            visit_record,
            actor=actor,
            who=v["who"],
            on=v["on"],
            target_type=v["target_type"],
            target_code=v["target_code"],
            purpose=v["purpose"],
            findings=v.get("findings", ""),
            role=v.get("role", ""),
            unit_name=v.get("unit_name", ""),
        )
    return rows.done()


def visits_export(user: User) -> Iterator[dict[str, Any]]:
    for visit in selectors.visits_for(user).order_by("on", "id").iterator(chunk_size=2000):
        yield {
            "who": visit.who,
            "role": visit.role,
            "unit_name": visit.unit_name,
            "on": visit.on,
            "target_type": visit.target_type,
            "target_code": visit.target_code,
            "purpose": visit.purpose,
            "findings": visit.findings,
        }


# ------------------------------------------------------------------------------------------------- pairings

PAIRING_SHEET = "结对帮扶"
PAIRING_COLUMNS = (
    LedgerColumn("结对类型", "kind", "choice", required=True, aliases=("kind",), vocabulary=PairingKind),
    LedgerColumn("帮扶单位", "unit", aliases=("unit",)),
    LedgerColumn("扶贫工作小组", "group", aliases=("group", "工作小组")),
    LedgerColumn("帮扶人", "helper_name", aliases=("helper", "帮扶责任人")),
    LedgerColumn("职务", "helper_role", aliases=("role",)),
    LedgerColumn("联系电话", "phone", aliases=("phone",)),
    LedgerColumn("帮扶县代码", "helper_area", aliases=("helper_area",)),
    LedgerColumn("户编号", "household", aliases=("household",)),
    LedgerColumn("受援区划代码", "area", aliases=("area", "区划代码")),
    LedgerColumn("起始日期", "valid_from", "date", required=True, aliases=("valid_from", "from")),
    LedgerColumn("终止日期", "valid_to", "date", aliases=("valid_to", "to")),
    LedgerColumn("结对原因", "reason", aliases=("reason",)),
)


def pairings_apply(rows_in: list[LedgerRow], *, actor: User | None) -> int:
    rows = Rows(PAIRING_SHEET, actor, PAIRING_COLUMNS)
    numbers = [r.values["household"] for r in rows_in if r.values.get("household")]
    households = {h.number: h for h in Household.objects.filter(number__in=numbers)}
    for row in rows_in:
        v = row.values
        household = households.get(v.get("household", ""))
        if v.get("household") and household is None:
            rows.problem(row, "户编号", v["household"], _("户编号不存在。"))
            continue
        area = household.village_id if household else v.get("area", "")
        if not area:
            rows.problem(row, "受援区划代码", "", _("请填写受援区划代码或户编号。"))
            continue
        if not rows.may(row, "受援区划代码", area, area=area):
            continue
        unit = (
            unit_ensure(actor=actor, name=v["unit"], group_name=v.get("group", "")) if v.get("unit") else None
        )
        if Pairing.objects.filter(
            kind=v["kind"],
            area_id=area,
            household=household,
            unit=unit,
            helper_name=v.get("helper_name", ""),
            valid_from=v["valid_from"],
        ).exists():
            continue

        def start(
            v: dict[str, Any] = v, area: str = area, household: Household | None = household, unit: Any = unit
        ) -> Pairing:
            pairing = pairing_start(
                actor=actor,
                kind=v["kind"],
                area_code=area,
                valid_from=v["valid_from"],
                reason=v.get("reason", ""),
                helper_name=v.get("helper_name", ""),
                helper_role=v.get("helper_role", ""),
                phone=v.get("phone", ""),
                unit=unit,
                helper_area_code=v.get("helper_area", ""),
                household=household,
            )
            if v.get("valid_to"):
                pairing_end(
                    actor=actor, pairing=pairing, valid_to=v["valid_to"], reason=v.get("reason") or _("到期")
                )
            return pairing

        rows.write(row, "结对类型", start)
    return rows.done()


def pairings_export(user: User) -> Iterator[dict[str, Any]]:
    for p in selectors.pairings_for(user).order_by("area_id", "kind", "id").iterator(chunk_size=2000):
        end = getattr(p, "end", None)
        yield {
            "kind": p.kind,
            "unit": p.unit.name if p.unit else "",
            "group": p.group.name if p.group else "",
            "helper_name": p.helper_name,
            "helper_role": p.helper_role,
            "helper_area": p.helper_area_id or "",
            "household": p.household.number if p.household else "",
            "area": p.area_id,
            "valid_from": p.valid_from,
            "valid_to": end.valid_to if end else None,
            "reason": p.reason,
        }


# ------------------------------------------------------------------------------------------------- projects

PROJECT_SHEET = "帮扶项目"
PROJECT_COLUMNS = (
    LedgerColumn("年度", "year", "integer", required=True, aliases=("year",)),
    LedgerColumn("扶贫工作小组", "group", aliases=("group", "小组")),
    LedgerColumn("帮扶单位", "unit", aliases=("unit", "单位")),
    LedgerColumn("结对帮扶村", "area", "text", required=True, aliases=("area", "村代码")),
    LedgerColumn("项目名称", "name", required=True, aliases=("name", "project")),
    LedgerColumn("项目内容", "content", aliases=("content", "内容")),
    LedgerColumn("实施单位", "implementer", aliases=("implementer",)),
    LedgerColumn("扶贫对象", "beneficiaries", aliases=("beneficiaries",)),
    LedgerColumn("经费", "funds", "money", required=True, aliases=("funds", "经费（元）")),
    LedgerColumn("预期扶贫效果", "expected_effect", aliases=("expected_effect",)),
    LedgerColumn("验收结果", "result", "choice", aliases=("result",), vocabulary=AcceptanceResult),
    LedgerColumn("验收意见", "notes", aliases=("notes",)),
)


def projects_apply(rows_in: list[LedgerRow], *, actor: User | None) -> int:
    rows = Rows(PROJECT_SHEET, actor, PROJECT_COLUMNS)
    # A unit's user names its own units and never registers one (offices and the command line do).
    registers = actor is None or actor.role != Role.UNIT
    for row in rows_in:
        v = row.values
        if not v.get("unit"):
            unit = None
        elif registers:
            unit = unit_ensure(actor=actor, name=v["unit"], group_name=v.get("group", ""))
        else:
            unit = unit_named(v["unit"])
        if not rows.may(
            row, "结对帮扶村", v["area"], area=v["area"], unit_id=unit.pk if unit else None, unit_may=True
        ):
            continue
        if Project.objects.filter(
            year=v["year"], area_id=v["area"], name=v["name"].strip(), unit=unit, successor__isnull=True
        ).exists():
            continue

        def record(v: dict[str, Any] = v, unit: Any = unit) -> Project:
            project = project_record(
                actor=actor,
                year=v["year"],
                area_code=v["area"],
                name=v["name"],
                funds=v["funds"],
                unit=unit,
                content=v.get("content", ""),
                implementer=v.get("implementer", ""),
                beneficiaries=v.get("beneficiaries", ""),
                expected_effect=v.get("expected_effect", ""),
            )
            if v.get("result"):
                acceptance_record(
                    actor=actor,
                    project=project,
                    year=v["year"],
                    result=v["result"],
                    on=date(v["year"], 12, 31),
                    notes=v.get("notes", ""),
                )
            return project

        rows.write(row, "项目名称", record)
    return rows.done()


def projects_export(user: User) -> Iterator[dict[str, Any]]:
    for p in selectors.projects_for(user).prefetch_related("acceptances").order_by("-year", "area_id", "id"):
        last = max(p.acceptances.all(), key=lambda a: (a.year, a.pk), default=None)
        yield {
            "year": p.year,
            "group": p.group.name if p.group else "",
            "unit": p.unit.name if p.unit else "",
            "area": p.area_id,
            "name": p.name,
            "content": p.content,
            "implementer": p.implementer,
            "beneficiaries": p.beneficiaries,
            "funds": p.funds,
            "expected_effect": p.expected_effect,
            "result": last.result if last else "",
            "notes": last.notes if last else "",
        }


# ---------------------------------------------------------------------------------------------------- funds

FUND_SHEET = "资金台账"
FUND_COLUMNS = (
    LedgerColumn("年度", "year", "integer", required=True, aliases=("year",)),
    LedgerColumn("结对帮扶村", "area", required=True, aliases=("area", "村代码")),
    LedgerColumn("项目名称", "project", required=True, aliases=("project",)),
    LedgerColumn("资金来源", "source", required=True, aliases=("source",)),
    LedgerColumn("资金级别", "level", "choice", required=True, aliases=("level",), vocabulary=FundLevel),
    LedgerColumn("类型", "kind", "choice", required=True, aliases=("kind",), vocabulary=FundKind),
    LedgerColumn("日期", "on", "date", required=True, aliases=("on", "date")),
    LedgerColumn("金额", "amount", "money", required=True, aliases=("amount", "金额（元）")),
    LedgerColumn("说明", "note", aliases=("note",)),
)


def funds_apply(rows_in: list[LedgerRow], *, actor: User | None) -> int:
    rows = Rows(FUND_SHEET, actor, FUND_COLUMNS)
    for row in rows_in:
        v = row.values
        project = Project.objects.filter(
            year=v["year"], area_id=v["area"], name=v["project"].strip(), successor__isnull=True
        ).first()
        if project is None:
            rows.problem(row, "项目名称", v["project"], _("该村该年度没有这个项目。"))
            continue
        if not rows.may(row, "结对帮扶村", v["area"], area=v["area"]):
            continue
        if FundEntry.objects.filter(
            project=project, kind=v["kind"], on=v["on"], amount=v["amount"], source__name=v["source"].strip()
        ).exists():
            continue
        rows.write(
            row,
            "金额",
            fund_entry_record,
            actor=actor,
            project=project,
            source=fund_source_get(name=v["source"], level=v["level"]),
            kind=v["kind"],
            on=v["on"],
            amount=v["amount"],
            note=v.get("note", ""),
        )
    return rows.done()


def funds_export(user: User) -> Iterator[dict[str, Any]]:
    projects = selectors.projects_for(user)
    entries = (
        FundEntry.objects.filter(project__in=projects)
        .select_related("project", "source")
        .order_by("project_id", "on", "id")
    )
    for e in entries.iterator(chunk_size=2000):
        yield {
            "year": e.project.year,
            "area": e.area_id,
            "project": e.project.name,
            "source": e.source.name,
            "level": e.source.level,
            "kind": e.kind,
            "on": e.on,
            "amount": e.amount,
            "note": e.note,
        }


# ---------------------------------------------------------------------------------------------------- loans

LOAN_SHEET = "扶贫小额信贷"
LOAN_COLUMNS = (
    LedgerColumn("户编号", "household", required=True, aliases=("household",)),
    LedgerColumn("借款人", "borrower", required=True, aliases=("borrower",)),
    LedgerColumn("放贷机构", "lender", required=True, aliases=("lender", "bank")),
    LedgerColumn("贷款金额", "amount", "money", required=True, aliases=("amount", "贷款金额（元）")),
    LedgerColumn("期限（月）", "term_months", "integer", required=True, aliases=("term_months", "期限")),
    LedgerColumn("放款日期", "issued_on", "date", required=True, aliases=("issued_on",)),
    LedgerColumn("用途", "purpose", aliases=("purpose",)),
    LedgerColumn("还款日期", "repaid_on", "date", aliases=("repaid_on",)),
    LedgerColumn("归还本金", "repaid", "money", aliases=("repaid",)),
)


def loans_apply(rows_in: list[LedgerRow], *, actor: User | None) -> int:
    rows = Rows(LOAN_SHEET, actor, LOAN_COLUMNS)
    numbers = [r.values["household"] for r in rows_in]
    households = {h.number: h for h in Household.objects.filter(number__in=numbers)}
    for row in rows_in:
        v = row.values
        household = households.get(v["household"])
        if household is None:
            rows.problem(row, "户编号", v["household"], _("户编号不存在。"))
            continue
        if not rows.may(row, "户编号", v["household"], area=household.village_id):
            continue
        if bool(v.get("repaid_on")) != bool(v.get("repaid")):
            rows.problem(row, "归还本金", v.get("repaid", ""), _("还款日期和归还本金应同时填写。"))
            continue
        if Loan.objects.filter(
            household=household, issued_on=v["issued_on"], amount=v["amount"], successor__isnull=True
        ).exists():
            continue

        def record(v: dict[str, Any] = v, household: Household = household) -> Loan:
            loan = loan_record(
                actor=actor,
                household=household,
                borrower=v["borrower"],
                lender=v["lender"],
                amount=v["amount"],
                term_months=v["term_months"],
                issued_on=v["issued_on"],
                purpose=v.get("purpose", ""),
            )
            if v.get("repaid"):
                repayment_record(actor=actor, loan=loan, on=v["repaid_on"], principal=v["repaid"])
            return loan

        rows.write(row, "贷款金额", record)
    return rows.done()


def loans_export(user: User) -> Iterator[dict[str, Any]]:
    for loan in selectors.loans_for(user).order_by("area_id", "issued_on", "id"):
        yield {
            "household": loan.household.number,
            "borrower": loan.borrower,
            "lender": loan.lender,
            "amount": loan.amount,
            "term_months": loan.term_months,
            "issued_on": loan.issued_on,
            "purpose": loan.purpose,
        }


# A `unit` user imports the ledgers whose services take a unit's own writes (`unit_may=True`: visits and projects);
# their `apply` checks every row through may_write against the user's units.
LEDGERS = (
    Ledger(
        "duties",
        DUTY_SHEET,
        gettext_lazy("走访职责"),
        DUTY_COLUMNS,
        duties_apply,
        duties_export,
        "assistance:duties",
    ),
    Ledger(
        "visits",
        VISIT_SHEET,
        gettext_lazy("走访记录"),
        VISIT_COLUMNS,
        visits_apply,
        visits_export,
        "assistance:visits",
        units_may_import=True,
    ),
    Ledger(
        "pairings",
        PAIRING_SHEET,
        gettext_lazy("结对帮扶"),
        PAIRING_COLUMNS,
        pairings_apply,
        pairings_export,
        "assistance:pairings",
    ),
    Ledger(
        "projects",
        PROJECT_SHEET,
        gettext_lazy("帮扶项目"),
        PROJECT_COLUMNS,
        projects_apply,
        projects_export,
        "assistance:projects",
        units_may_import=True,
    ),
    Ledger(
        "funds",
        FUND_SHEET,
        gettext_lazy("资金台账"),
        FUND_COLUMNS,
        funds_apply,
        funds_export,
        "assistance:projects",
    ),
    Ledger(
        "loans",
        LOAN_SHEET,
        gettext_lazy("扶贫小额信贷"),
        LOAN_COLUMNS,
        loans_apply,
        loans_export,
        "assistance:loans",
    ),
)


def register_ledgers() -> None:
    for ledger in LEDGERS:
        ledger_register(ledger)
