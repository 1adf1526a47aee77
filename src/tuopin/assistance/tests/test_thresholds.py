"""Idle funds and loan overdue status at their thresholds, the interest subsidy, and the policy values behind them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tuopin.assistance.funds import LoanStatus, add_months, fund_position, loan_status
from tuopin.policy.selectors import policy_for

ALLOCATED = date(2018, 3, 31)
HALF = Decimal("0.5")


def position(disbursed: str, as_of: date) -> tuple[bool, Decimal]:
    entries = [
        ("allocation", ALLOCATED, Decimal("1000000")),
        ("disbursement", date(2018, 6, 1), Decimal(disbursed)),
    ]
    result = fund_position(entries, as_of=as_of, months=12, ratio=HALF)
    return result.idle, result.idle_amount


def test_funds_are_idle_from_the_day_the_months_are_up_while_under_the_ratio_is_disbursed() -> None:
    assert position("499999.99", date(2019, 3, 30)) == (False, Decimal(0))  # a day short of twelve months
    assert position("499999.99", date(2019, 3, 31)) == (True, Decimal("500000.01"))
    assert position("500000.00", date(2019, 3, 31)) == (False, Decimal(0))  # exactly half is not under half


def test_a_reversed_disbursement_no_longer_counts() -> None:
    entries = [
        ("allocation", ALLOCATED, Decimal("100")),
        ("disbursement", date(2018, 4, 1), Decimal("80")),
        ("disbursement", date(2018, 5, 1), Decimal("-80")),
    ]
    assert fund_position(entries, as_of=date(2019, 4, 1), months=12, ratio=HALF).idle


def test_without_policy_values_nothing_is_idle() -> None:
    entries = [("allocation", ALLOCATED, Decimal("100"))]
    assert not fund_position(entries, as_of=date(2025, 1, 1), months=None, ratio=HALF).idle


def test_months_are_added_to_the_last_day_of_a_shorter_month() -> None:
    assert add_months(date(2019, 1, 31), 1) == date(2019, 2, 28)
    assert add_months(date(2019, 11, 30), 36) == date(2022, 11, 30)


def status(
    as_of: date, repayments: list[tuple[date, Decimal]] | None = None, rate: str | None = "0.0475"
) -> LoanStatus:
    return loan_status(
        amount=Decimal("50000"),
        issued_on=date(2017, 3, 1),
        term_months=36,
        repayments=repayments or [],
        as_of=as_of,
        rate=Decimal(rate) if rate else None,
    )


def test_a_loan_is_overdue_from_the_day_after_it_is_due_while_principal_is_outstanding() -> None:
    on_due = status(date(2020, 3, 1))
    assert on_due.due_on == date(2020, 3, 1) and not on_due.overdue
    after = status(date(2020, 3, 2))
    assert after.overdue and after.days_overdue == 1 and after.outstanding == Decimal("50000")
    repaid = status(date(2020, 3, 2), [(date(2020, 2, 1), Decimal("50000"))])
    assert not repaid.overdue and repaid.outstanding == 0


def test_the_subsidy_is_the_base_rate_on_the_principal_outstanding_until_due() -> None:
    one_year = status(date(2018, 3, 1))  # 365 days on 50,000 at 4.75%
    assert one_year.subsidy == Decimal("2375.00")
    halfway = status(
        date(2018, 3, 1), [(date(2017, 8, 30), Decimal("25000"))]
    )  # 182 days on all, 183 on half
    expected = (Decimal(50000) * 182 + Decimal(25000) * 183) * Decimal("0.0475") / 365
    assert halfway.subsidy == expected.quantize(Decimal("0.01"))
    assert status(date(2024, 1, 1)).subsidy == status(date(2020, 3, 1)).subsidy
    assert status(date(2018, 3, 1), rate=None).subsidy == 0


@pytest.mark.django_db
def test_the_thresholds_are_policy_data_with_sources() -> None:
    profile = policy_for(2017, "13")
    assert profile.value("microcredit_max_amount") == Decimal("50000")
    assert profile.value("microcredit_max_months") == 36
    assert profile.value("microcredit_subsidy_rate") == Decimal("0.0475")
    assert profile.value("idle_months") == 12 and profile.value("idle_disbursed_ratio") == HALF
    assert "78号" in profile["microcredit_max_amount"].source
