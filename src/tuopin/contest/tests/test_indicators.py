"""Each computed indicator on a small dataset of 灵寿县 (130126) and 高邑县 (130127) in 2019, as of 10 January 2020,
compared with a count done here by hand from the rows the test wrote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuopin.areas.models import Area, AreaYear
from tuopin.assessment.services import evaluation_record
from tuopin.assistance.funds import fund_entry_record, fund_source_get, project_record
from tuopin.assistance.visits import duty_record, visit_record
from tuopin.conftest import RegisterHousehold
from tuopin.contest.indicators import REGISTRY, percent
from tuopin.monitoring.models import Alert, Case, CaseEvent
from tuopin.procedures.models import Procedure
from tuopin.registry.models import Household, Income
from tuopin.supervision.models import ItemStep, Status
from tuopin.supervision.services import ItemData, item_create

pytestmark = pytest.mark.django_db

OWN, OTHER = "130126", "130127"
AREAS = [OWN, OTHER]
EAST, WEST, OTHER_VILLAGE = "130126100201", "130126100202", "130127100201"
YEAR, AS_OF = 2019, date(2020, 1, 10)


def value(key: str, areas: list[str] | None = None) -> dict[str, Decimal | None]:
    return {code: v for code, (v, _details) in REGISTRY[key].compute(areas or AREAS, YEAR, AS_OF).items()}


def details(key: str, area: str = OWN) -> dict[str, object]:
    return REGISTRY[key].compute(AREAS, YEAR, AS_OF)[area][1]


@dataclass
class Data:
    households: dict[str, Household]


def _income(household: Household, year: int, wage: str) -> None:
    Income.objects.create(
        household=household, year=year, wage=Decimal(wage), business=0, property_income=0, transfer=0, costs=0
    )


@pytest.fixture
def data(tree: dict[str, Area], register: RegisterHousehold) -> Data:
    households = {
        "H001": register("H001", village=EAST, water_safe=True),
        "H002": register("H002", village=EAST, water_safe=True),
        "H003": register("H003", village=WEST, water_safe=True),
        "H900": register("H900", village=OTHER_VILLAGE, water_safe=True),
    }
    # 2019 per-capita net incomes (3 persons each) against the line of 3,218: H001 3,000 poor, H002 4,000 and H003
    # 5,000 may exit, H900 3,000 poor. No incomes of 2018: every registered household is poor in 2018.
    for number, wage in (("H001", "9000"), ("H002", "12000"), ("H003", "15000"), ("H900", "9000")):
        _income(households[number], YEAR, wage)
    for code, people in ((OWN, 900), (OTHER, 300)):
        AreaYear.objects.create(area=tree[code], year=YEAR, rural_population=people)
    AreaYear.objects.create(area=tree[OWN], year=YEAR - 1, rural_population=1000)
    return Data(households)


# ----------------------------------------------------------------------------------------- incidence (assessment)


def test_incidence_is_poor_persons_over_rural_population(data: Data) -> None:
    # 灵寿: H001's three members of 900; 高邑: H900's three of 300.
    assert value("incidence") == {OWN: percent(3, 900), OTHER: percent(3, 300)}
    assert value("incidence")[OWN] == Decimal("0.3333")
    assert details("incidence") == {
        "numerator": 3,
        "denominator": 900,
        "source": "assessment.rules.area_incidence",
        "year": YEAR,
    }


def test_incidence_reduction_is_last_years_incidence_less_this_years(data: Data) -> None:
    # 2018: all nine members of 灵寿's three households of 1,000 (0.9 %); 2019: 0.3333 %. 高邑 has no 2018 population.
    assert value("incidence_reduction") == {OWN: Decimal("0.9000") - Decimal("0.3333"), OTHER: None}


# ---------------------------------------------------------------------------------------------------- procedures


def test_exit_as_planned_counts_announced_exits_of_the_year_by_the_as_of_date(data: Data) -> None:
    h = data.households

    def procedure(household: Household, state: str, closed_on: date | None, year: int = YEAR) -> None:
        Procedure.objects.create(
            kind="household_exit",
            year=year,
            area_id=household.village_id,
            household=household,
            state=state,
            started_on=date(2019, 9, 1),
            started_by="x",
            closed_on=closed_on,
        )

    procedure(h["H001"], "announced", date(2019, 11, 1))  # exited as planned
    procedure(h["H002"], "announced", date(2020, 2, 1))  # announced after the as-of date: not yet
    procedure(h["H003"], "withdrawn", date(2019, 10, 1))  # withdrawn: not in the plan
    procedure(h["H003"], "open", None)  # planned, still open
    procedure(h["H900"], "announced", date(2018, 11, 1), year=2018)  # another year
    assert value("exit_as_planned") == {OWN: percent(1, 3), OTHER: None}
    assert details("exit_as_planned")["numerator"] == 1 and details("exit_as_planned")["denominator"] == 3


# -------------------------------------------------------------------------------------- county exit evaluation


def test_the_county_evaluations_rates(data: Data) -> None:
    evaluation_record(
        actor=None,
        county=OWN,
        year=YEAR,
        counts={
            "sampled_exited": 200,
            "wrong_exits": 3,
            "sampled_unregistered": 500,
            "missed": 4,
            "surveyed_households": 300,
            "approving_households": 285,
        },
        evaluated_on=date(2019, 12, 1),
        evaluator="第三方评估机构",
    )
    assert value("wrong_exit_rate") == {OWN: Decimal("1.5000"), OTHER: None}
    assert value("missed_rate") == {OWN: Decimal("0.8000"), OTHER: None}
    assert value("approval_rate") == {OWN: Decimal("95.0000"), OTHER: None}
    # A city sums its counties' samples.
    assert value("approval_rate", ["1301"]) == {"1301": Decimal("95.0000")}


# --------------------------------------------------------------------------------------------------- supervision


def _item(number: str, found: date, deadline: date, closed: date | None = None) -> None:
    item = item_create(
        actor=None,
        data=ItemData(
            number=number,
            source="national",
            category="idle_funds",
            area_code=EAST,
            description="扶贫资金闲置",
            unit="灵寿镇政府",
            person="张三",
            found_on=found,
            deadline=deadline,
        ),
    )
    if closed is not None:
        ItemStep.objects.create(
            item=item, before=Status.VERIFIED, after=Status.CLOSED, action="close", on=closed, actor="x"
        )
        item.status = Status.CLOSED
        item.save(update_fields=["status"])


def test_rectification_closure_and_overdue_items_on_the_as_of_date(data: Data) -> None:
    _item("ZG-1", date(2019, 3, 1), date(2019, 6, 30), closed=date(2019, 5, 1))  # closed in time
    _item("ZG-2", date(2019, 4, 1), date(2019, 5, 31))  # open past its deadline
    _item(
        "ZG-3", date(2019, 6, 1), date(2019, 12, 31), closed=date(2020, 3, 1)
    )  # closed only after the as-of date
    _item("ZG-4", date(2018, 5, 1), date(2018, 8, 1))  # last year's, still open
    _item("ZG-5", date(2019, 12, 1), date(2020, 6, 30))  # open, not yet due
    # Found in 2019: ZG-1, 2, 3, 5, of which ZG-1 closed by the as-of date.
    assert value("rectification_closure") == {OWN: percent(1, 4), OTHER: None}
    # Overdue on the as-of date: ZG-2, ZG-3 (not closed then), ZG-4.
    assert value("rectification_overdue") == {OWN: Decimal(3), OTHER: Decimal(0)}


# ---------------------------------------------------------------------------------------------------- assistance


def test_fund_disbursement_and_idle_funds(data: Data) -> None:
    source = fund_source_get(name="财政专项扶贫资金", level="central")
    for name, allocated, disbursed in (("甲", "100000", "30000"), ("乙", "50000", "50000")):
        project = project_record(actor=None, year=YEAR, area_code=EAST, name=name, funds=Decimal(allocated))
        fund_entry_record(
            actor=None,
            project=project,
            source=source,
            kind="allocation",
            on=date(2019, 1, 10),
            amount=Decimal(allocated),
        )
        fund_entry_record(
            actor=None,
            project=project,
            source=source,
            kind="disbursement",
            on=date(2019, 3, 1),
            amount=Decimal(disbursed),
        )
    late = project_record(actor=None, year=YEAR, area_code=EAST, name="丙", funds=Decimal(10000))
    fund_entry_record(
        actor=None, project=late, source=source, kind="allocation", on=date(2020, 2, 1), amount=Decimal(9)
    )
    # 80,000 of 150,000 by the as-of date (丙's allocation comes after it).
    assert value("fund_disbursement") == {OWN: percent(80000, 150000), OTHER: None}
    # 甲: allocated 12 months before the as-of date (idle_months 12) and under half (idle_disbursed_ratio 0.5) spent.
    assert value("idle_funds") == {OWN: Decimal("70000.00"), OTHER: Decimal("0.00")}
    assert details("idle_funds")["idle_projects"] == 1
    assert details("idle_funds")["policy"] == {"idle_months": 12, "idle_disbursed_ratio": "0.5"}


def test_visit_compliance_is_duty_periods_met_over_judged(data: Data) -> None:
    duty_record(
        actor=None,
        who="赵帮扶",
        target_type="village",
        target_code=EAST,
        frequency="quarter",
        valid_from=date(2019, 1, 1),
    )
    duty_record(
        actor=None,
        who="钱帮扶",
        target_type="village",
        target_code=OTHER_VILLAGE,
        frequency="year",
        valid_from=date(2019, 1, 1),
    )
    for who, village, day in (
        ("赵帮扶", EAST, date(2019, 2, 10)),
        ("赵帮扶", EAST, date(2019, 5, 10)),
        ("赵帮扶", EAST, date(2019, 8, 10)),  # nothing in the fourth quarter
        ("钱帮扶", OTHER_VILLAGE, date(2019, 6, 1)),
    ):
        visit_record(actor=None, who=who, on=day, target_type="village", target_code=village, purpose="走访")
    assert value("visit_compliance") == {OWN: percent(3, 4), OTHER: percent(1, 1)}


# ---------------------------------------------------------------------------------------------------- monitoring


def _working_days(start: date, end: date) -> int:
    """Monday to Friday after `start` up to `end` (the shipped calendar lists no holidays of 2019 or 2020)."""
    return sum(1 for n in range(1, (end - start).days + 1) if (start + timedelta(days=n)).weekday() < 5)


def test_alert_response_time_in_working_days(data: Data) -> None:
    alerts = (
        (date(2019, 3, 4), date(2019, 3, 6), date(2019, 3, 8)),  # checked within its deadline
        (date(2019, 11, 4), date(2019, 11, 12), date(2019, 11, 8)),  # checked late
        (date(2019, 12, 30), None, date(2020, 1, 3)),  # not checked: counted to the as-of date
        (date(2018, 12, 3), date(2018, 12, 4), date(2018, 12, 7)),  # last year's
    )
    for n, (seen, checked, due) in enumerate(alerts):
        Alert.objects.create(
            rule="income",
            person_index=f"p{n}",
            area_id=EAST,
            first_seen=seen,
            last_seen=seen,
            first_check_due=due,
            conclusion_due=due + timedelta(days=14),
            checked_on=checked,
            status="checking" if checked else "new",
        )
    days = (
        _working_days(date(2019, 3, 4), date(2019, 3, 6))
        + _working_days(date(2019, 11, 4), date(2019, 11, 12))
        + _working_days(date(2019, 12, 30), AS_OF)
    )
    assert days == 2 + 6 + 9
    assert value("alert_response_days") == {OWN: (Decimal(days) / 3).quantize(Decimal("0.0001")), OTHER: None}
    assert details("alert_response_days") | {"source": ""} == {
        "numerator": days,
        "denominator": 3,
        "pending": 1,
        "within_deadline": 1,
        "source": "",
    }


def test_monitoring_coverage_and_cases_eliminated(data: Data) -> None:
    h = data.households

    def case(household: Household, opened: date, eliminated: date | None, measures: list[date]) -> None:
        found = Case.objects.create(
            household=household,
            area_id=household.village_id,
            type="unstable",
            state="eliminated" if eliminated else "monitoring",
            visited_on=opened,
            visited_by="x",
            authorisation_signed=True,
            verification="入户核实",
            opened_on=opened,
            opened_by="x",
            eliminated_on=eliminated,
        )
        for on in measures:
            CaseEvent.objects.create(case=found, kind="measure", on=on, text="产业帮扶", actor="x")

    case(h["H001"], date(2019, 5, 1), date(2019, 12, 1), [date(2019, 6, 1)])  # eliminated in 2019
    case(h["H002"], date(2019, 8, 1), None, [])  # monitored, no measure yet
    case(h["H003"], date(2019, 10, 1), None, [date(2019, 10, 15), date(2019, 11, 1)])  # monitored, helped
    case(h["H900"], date(2018, 1, 1), date(2018, 6, 1), [date(2018, 2, 1)])  # eliminated before 2019
    # Under monitoring on the as-of date: H002 and H003, of which H003 has a measure.
    assert value("monitoring_coverage") == {OWN: percent(1, 2), OTHER: None}
    # Monitored during 2019: H001, H002, H003; eliminated in 2019: H001.
    assert value("cases_eliminated") == {OWN: percent(1, 3), OTHER: None}


def test_the_aggregate_indicators_take_a_few_queries_whatever_the_rows(data: Data) -> None:
    for n in range(30):
        Alert.objects.create(
            rule="income",
            person_index=f"q{n}",
            area_id=EAST,
            first_seen=date(2019, 3, 4),
            last_seen=date(2019, 3, 4),
            first_check_due=date(2019, 3, 8),
            conclusion_due=date(2019, 3, 22),
        )
    for key in (
        "exit_as_planned",
        "wrong_exit_rate",
        "rectification_closure",
        "rectification_overdue",
        "monitoring_coverage",
        "alert_response_days",
        "cases_eliminated",
    ):
        with CaptureQueriesContext(connection) as queries:
            REGISTRY[key].compute(AREAS, YEAR, AS_OF)
        assert len(queries) == 1, key
    with CaptureQueriesContext(connection) as queries:
        REGISTRY["fund_disbursement"].compute(AREAS, YEAR, AS_OF)
    assert len(queries) <= 4  # projects, entries, and the policy profile
