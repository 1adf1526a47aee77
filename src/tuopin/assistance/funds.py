"""Projects of the designated-help ledger, their year-end acceptance and fund entries, idle funds, microcredit loans
and their repayments, overdue status and interest subsidy.

The thresholds are policy data (policy/keys.py, read for the year and province): a project's funds are idle when
money allocated at least `idle_months` ago has been disbursed at less than `idle_disbursed_ratio` of it; a loan may
not exceed `microcredit_max_amount` and `microcredit_max_months`, and its interest is subsidised at
`microcredit_subsidy_rate` (the base rate of the loan's year) on the principal outstanding each day until it is due.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.areas.codes import code_at
from tuopin.assistance.models import (
    Acceptance,
    AcceptanceResult,
    FundEntry,
    FundKind,
    FundSource,
    HelpingUnit,
    Loan,
    Project,
    Repayment,
    WorkingGroup,
)
from tuopin.assistance.services import actor_name, area_of, check_write
from tuopin.audit.services import audit_record
from tuopin.policy.selectors import policy_for
from tuopin.registry.models import Household

CENT = Decimal("0.01")


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day: 31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# ------------------------------------------------------------------------------------------------- projects


def project_record(
    *,
    actor: User | None,
    year: int,
    area_code: str,
    name: str,
    funds: Decimal,
    group: WorkingGroup | None = None,
    unit: HelpingUnit | None = None,
    content: str = "",
    implementer: str = "",
    beneficiaries: str = "",
    expected_effect: str = "",
    supersedes: Project | None = None,
) -> Project:
    """A project of the ledger; a helping unit's user may record its own unit's projects. A correction supersedes
    the earlier row (its fund entries and acceptance stay with the row they were made on)."""
    area = area_of(area_code)
    check_write(
        actor,
        area=area.code,
        what="project",
        object_id=name[:64],
        unit_id=unit.pk if unit else None,
        unit_may=True,
    )
    problems: dict[str, list[str]] = {}
    if not name.strip():
        problems["name"] = [_("请填写项目名称。")]
    if funds < 0:
        problems["funds"] = [_("金额不能为负数。")]
    if supersedes is not None and hasattr(supersedes, "successor"):
        problems["supersedes"] = [_("该项目已被更正过。")]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        project = Project.objects.create(
            year=year,
            group=group or (unit.group if unit else None),
            unit=unit,
            area=area,
            name=name.strip()[:200],
            content=content.strip()[:500],
            implementer=implementer.strip()[:100],
            beneficiaries=beneficiaries.strip()[:200],
            funds=funds,
            expected_effect=expected_effect.strip()[:500],
            supersedes=supersedes,
            actor=actor_name(actor),
        )
        audit_record(
            action="assistance.project",
            actor=actor,
            object_type="project",
            object_id=str(project.pk),
            area=area.code,
            details={"year": year, "funds": f"{funds:.2f}"},
        )
    return project


def acceptance_record(
    *, actor: User | None, project: Project, year: int, result: str, on: date, notes: str = ""
) -> Acceptance:
    """The year-end acceptance (by the office of the project's area; a later one supersedes it)."""
    check_write(actor, area=project.area_id, what="acceptance", object_id=str(project.pk))
    if result not in AcceptanceResult.values:
        raise ValidationError({"result": [_("请选择验收结果。")]})
    if result == AcceptanceResult.REJECTED and not notes.strip():
        raise ValidationError({"notes": [_("验收未通过时请写明意见。")]})
    with transaction.atomic():
        acceptance = Acceptance.objects.create(
            project=project,
            year=year,
            result=result,
            on=on,
            notes=notes.strip()[:500],
            actor=actor_name(actor),
        )
        audit_record(
            action="assistance.acceptance",
            actor=actor,
            object_type="project",
            object_id=str(project.pk),
            area=project.area_id,
            details={"year": year, "result": result},
        )
    return acceptance


def fund_source_get(*, name: str, level: str) -> FundSource:
    source, _created = FundSource.objects.get_or_create(name=name.strip()[:100], defaults={"level": level})
    return source


def fund_entry_record(
    *,
    actor: User | None,
    project: Project,
    source: FundSource,
    kind: str,
    on: date,
    amount: Decimal,
    note: str = "",
) -> FundEntry:
    """An allocation to or a disbursement from a project (offices only)."""
    check_write(actor, area=project.area_id, what="fund", object_id=str(project.pk))
    if kind not in FundKind.values:
        raise ValidationError({"kind": [_("请选择拨付或支出。")]})
    if amount <= 0:
        raise ValidationError({"amount": [_("金额应大于0；更正请冲销原记录。")]})
    with transaction.atomic():
        entry = FundEntry.objects.create(
            project=project,
            area_id=project.area_id,
            source=source,
            kind=kind,
            on=on,
            amount=amount,
            note=note.strip()[:300],
            actor=actor_name(actor),
        )
        audit_record(
            action="assistance.fund",
            actor=actor,
            object_type="fund",
            object_id=str(entry.pk),
            area=project.area_id,
            details={"kind": kind, "amount": f"{amount:.2f}"},
        )
    return entry


def fund_entry_reverse(*, actor: User | None, entry: FundEntry, on: date, note: str) -> FundEntry:
    """Reverse a wrong entry with one of the opposite amount (an entry is reversed at most once)."""
    check_write(actor, area=entry.area_id, what="fund", object_id=str(entry.pk))
    if entry.reverses_id is not None or hasattr(entry, "reversal"):
        raise ValidationError(_("冲销记录不能再冲销，原记录也只能冲销一次。"))
    if not note.strip():
        raise ValidationError({"note": [_("请写明冲销原因。")]})
    with transaction.atomic():
        reversal = FundEntry.objects.create(
            project_id=entry.project_id,
            area_id=entry.area_id,
            source=entry.source,
            kind=entry.kind,
            on=on,
            amount=-entry.amount,
            note=note.strip()[:300],
            reverses=entry,
            actor=actor_name(actor),
        )
        audit_record(
            action="assistance.fund_reverse",
            actor=actor,
            object_type="fund",
            object_id=str(entry.pk),
            area=entry.area_id,
        )
    return reversal


@dataclass(frozen=True)
class FundPosition:
    allocated: Decimal
    disbursed: Decimal
    allocated_due: Decimal  # allocated at least `months` before the as-of date
    idle: bool
    idle_amount: Decimal

    @property
    def ratio(self) -> Decimal | None:
        return (self.disbursed / self.allocated).quantize(Decimal("0.0001")) if self.allocated else None


def fund_position(
    entries: Iterable[tuple[str, date, Decimal]], *, as_of: date, months: int | None, ratio: Decimal | None
) -> FundPosition:
    """Totals of a project's entries (kind, date, amount) on `as_of`, and whether its funds are idle: money allocated
    at least `months` months ago (on the same day of the month or earlier) of which less than `ratio` has been
    disbursed. Without both policy values nothing is idle."""
    allocated = disbursed = due = Decimal(0)
    for kind, on, amount in entries:
        if on > as_of:
            continue
        if kind == FundKind.ALLOCATION:
            allocated += amount
            if months is not None and add_months(on, months) <= as_of:
                due += amount
        else:
            disbursed += amount
    idle = months is not None and ratio is not None and due > 0 and disbursed < ratio * due
    return FundPosition(allocated, disbursed, due, idle, (due - disbursed) if idle else Decimal(0))


def idle_policy(as_of: date, province: str) -> tuple[int | None, Decimal | None]:
    profile = policy_for(as_of.year, province)
    return profile.value("idle_months"), profile.value("idle_disbursed_ratio")


# ---------------------------------------------------------------------------------------------------- loans


def loan_record(
    *,
    actor: User | None,
    household: Household,
    borrower: str,
    lender: str,
    amount: Decimal,
    term_months: int,
    issued_on: date,
    purpose: str = "",
    supersedes: Loan | None = None,
) -> Loan:
    """A microcredit loan within the policy's limits for the year it was issued."""
    check_write(actor, area=household.village_id, what="loan", object_id=household.number)
    profile = policy_for(issued_on.year, code_at(household.village_id, "province"))
    most, longest = profile.value("microcredit_max_amount"), profile.value("microcredit_max_months")
    problems: dict[str, list[str]] = {}
    if most is None or longest is None:
        problems["issued_on"] = [_("%(year)s 年没有扶贫小额信贷政策参数。") % {"year": issued_on.year}]
    else:
        if not Decimal(0) < amount <= most:
            problems["amount"] = [_("贷款金额应大于0且不超过 %(most)s 元。") % {"most": most}]
        if not 0 < term_months <= longest:
            problems["term_months"] = [_("贷款期限应在 %(longest)s 个月以内。") % {"longest": longest}]
    if not borrower.strip() or not lender.strip():
        problems["borrower"] = [_("请填写借款人和放贷机构。")]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        loan = Loan.objects.create(
            household=household,
            area_id=household.village_id,
            borrower=borrower.strip()[:60],
            lender=lender.strip()[:100],
            amount=amount,
            term_months=term_months,
            issued_on=issued_on,
            purpose=purpose.strip()[:200],
            supersedes=supersedes,
            actor=actor_name(actor),
        )
        audit_record(
            action="assistance.loan",
            actor=actor,
            object_type="loan",
            object_id=str(loan.pk),
            area=household.village_id,
            details={"household": household.number},
        )
    return loan


def repayment_record(*, actor: User | None, loan: Loan, on: date, principal: Decimal) -> Repayment:
    check_write(actor, area=loan.area_id, what="loan", object_id=str(loan.pk))
    if principal <= 0:
        raise ValidationError({"principal": [_("金额应大于0；更正请冲销原记录。")]})
    if on < loan.issued_on:
        raise ValidationError({"on": [_("还款日期不能早于放款日期。")]})
    with transaction.atomic():
        repaid = sum(
            (r.principal for r in Repayment.objects.select_for_update().filter(loan=loan)), Decimal(0)
        )
        if repaid + principal > loan.amount:
            raise ValidationError({"principal": [_("还款超过未还本金。")]})
        repayment = Repayment.objects.create(loan=loan, on=on, principal=principal, actor=actor_name(actor))
        audit_record(
            action="assistance.repayment",
            actor=actor,
            object_type="loan",
            object_id=str(loan.pk),
            area=loan.area_id,
        )
    return repayment


def repayment_reverse(*, actor: User | None, repayment: Repayment) -> Repayment:
    loan = repayment.loan
    check_write(actor, area=loan.area_id, what="loan", object_id=str(loan.pk))
    if repayment.reverses_id is not None or hasattr(repayment, "reversal"):
        raise ValidationError(_("冲销记录不能再冲销，原记录也只能冲销一次。"))
    with transaction.atomic():
        reversal = Repayment.objects.create(
            loan=loan,
            on=repayment.on,
            principal=-repayment.principal,
            reverses=repayment,
            actor=actor_name(actor),
        )
        audit_record(
            action="assistance.repayment_reverse",
            actor=actor,
            object_type="loan",
            object_id=str(loan.pk),
            area=loan.area_id,
        )
    return reversal


@dataclass(frozen=True)
class LoanStatus:
    due_on: date
    repaid: Decimal
    outstanding: Decimal
    overdue: bool
    days_overdue: int
    subsidy: Decimal  # interest subsidy accrued up to the as-of date (never past the due date)


def loan_status(
    *,
    amount: Decimal,
    issued_on: date,
    term_months: int,
    repayments: Iterable[tuple[date, Decimal]],
    as_of: date,
    rate: Decimal | None,
) -> LoanStatus:
    """A loan on `as_of`: due on the same day `term_months` later; overdue from the day after that while principal
    is outstanding; the subsidy is `rate` a year (actual days / 365) on the principal outstanding each day from the
    issue to the as-of date or the due date, whichever is first (a repayment reduces it from its own day)."""
    due_on = add_months(issued_on, term_months)
    paid = sorted((on, principal) for on, principal in repayments if on <= as_of)
    repaid = sum((p for _on, p in paid), Decimal(0))
    outstanding = amount - repaid
    overdue = as_of > due_on and outstanding > 0
    end = min(as_of, due_on)
    interest = Decimal(0)
    if rate is not None and end > issued_on:
        balance, since = amount, issued_on
        for on, principal in paid:
            if on >= end:
                break
            if on > since:
                interest += balance * (on - since).days
                since = on
            balance -= principal
        interest += balance * (end - since).days
        interest = interest * rate / 365
    return LoanStatus(
        due_on,
        repaid,
        outstanding,
        overdue,
        (as_of - due_on).days if overdue else 0,
        interest.quantize(CENT, rounding=ROUND_HALF_UP),
    )


def loan_rate(loan: Loan) -> Decimal | None:
    profile = policy_for(loan.issued_on.year, code_at(loan.area_id, "province"))
    return profile.value("microcredit_subsidy_rate")  # type: ignore[no-any-return]
