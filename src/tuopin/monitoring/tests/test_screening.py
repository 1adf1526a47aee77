"""Screening rules at and around their thresholds, the evidence they leave, dedup across runs, and deadlines in
working days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.test import override_settings

from tuopin.administration.policy_services import policy_set
from tuopin.conftest import RegisterHousehold
from tuopin.core.crypto import blind_index, index_key
from tuopin.core.errors import StaleEdit
from tuopin.feeds.importer import write_totals
from tuopin.feeds.sources import SOURCES
from tuopin.monitoring.calendar import add_working_days, working_days_between
from tuopin.monitoring.models import Alert, AlertStatus
from tuopin.monitoring.rules import FEED_SCHEMAS
from tuopin.monitoring.services import alert_check, alert_dismiss, screening_run
from tuopin.registry.idnumbers import make_id, mask_id
from tuopin.registry.models import Household, Income, Member
from tuopin.registry.services import income_set

pytestmark = pytest.mark.django_db
AS_OF = date(2024, 6, 28)  # a Friday
ARROW = {
    "string": pa.string(),
    "date": pa.date32(),
    "decimal(14, 2)": pa.decimal128(14, 2),
    "int64": pa.int64(),
}


@pytest.fixture
def data_dir(tmp_path: Path) -> Any:
    with override_settings(DATA_DIR=tmp_path):
        policy_set(
            actor=None,
            key="rural_disposable_income",
            year=2023,
            value="20000",
            province="13",
            source="河北省2023年统计公报（测试值）",
        )
        yield tmp_path


def _feed(folder: Path, source: str, rows: list[dict[str, Any]]) -> None:
    """An accepted batch of a feed as tuopin.feeds leaves it: its Parquet file and its batch row."""
    from tuopin.feeds.models import FeedBatch

    schema = FEED_SCHEMAS[f"feed_{source}"]
    batch = FeedBatch.objects.create(
        source=source,
        file_name=f"{source}.csv",
        checksum=f"{source}-{len(rows)}",
        rows=len(rows),
        accepted=len(rows),
        rejected=0,
        path="",
    )
    rows = [{**row, "batch_id": batch.pk, "row": n} for n, row in enumerate(rows, start=2)]
    path = Path("feeds") / source / f"{batch.pk}.parquet"
    (folder / path).parent.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {name: pa.array([r.get(name) for r in rows], ARROW[kind]) for name, kind in schema.items()}
    )
    pq.write_table(table, folder / path)
    if SOURCES[source].summed:
        write_totals(SOURCES[source], folder / path, (folder / path).with_suffix(".totals.parquet"))
    FeedBatch.objects.filter(pk=batch.pk).update(path=path.as_posix())


def _person(member: Member | None = None, id_number: str = "") -> dict[str, str]:
    if member is not None:
        return {
            "id_index": member.id_index,
            "id_masked": member.id_masked,
            "id_key": index_key(member.id_index),
        }
    index = blind_index(id_number)
    return {"id_index": index, "id_masked": mask_id(id_number), "id_key": index_key(index)}


def _exited(register: RegisterHousehold, number: str, **values: Any) -> Household:
    return register(number, status="exited_policy", exit_year=2019, **values)


def _run(as_of: date = AS_OF) -> dict[str, Any]:
    return screening_run(actor=None, as_of=as_of)[1].as_dict()


def test_medical_costs_over_half_last_years_rural_income_flag_an_exited_household(
    register: RegisterHousehold, data_dir: Path
) -> None:
    over, at = _exited(register, "H001"), _exited(register, "H002")
    head_over = Member.objects.get(household=over, relation="head")
    head_at = Member.objects.get(household=at, relation="head")
    _feed(
        data_dir,
        "medical",
        [
            {
                **_person(head_over),
                "settled_on": date(2024, 3, 1),
                "visit_type": "inpatient",
                "total_cost": Decimal("30000"),
                "reimbursed": Decimal("19999.99"),
                "out_of_pocket": Decimal("10000.01"),
            },
            {
                **_person(head_at),
                "settled_on": date(2024, 3, 1),
                "visit_type": "inpatient",
                "total_cost": Decimal("30000"),
                "reimbursed": Decimal("20000"),
                "out_of_pocket": Decimal("6000"),
            },
            {
                **_person(head_at),
                "settled_on": date(2024, 5, 1),
                "visit_type": "outpatient",
                "total_cost": Decimal("4000"),
                "reimbursed": Decimal("0"),
                "out_of_pocket": Decimal("4000"),
            },
            {
                **_person(head_at),
                "settled_on": date(2023, 6, 28),
                "visit_type": "inpatient",  # before the 12 months
                "total_cost": Decimal("9000"),
                "reimbursed": Decimal("0"),
                "out_of_pocket": Decimal("9000"),
            },
        ],
    )
    result = _run()
    assert result["alerts"] == {"new": 1, "repeat": 0} and result["by_rule"]["medical"] == 1
    alert = Alert.objects.get()
    assert alert.household == over and alert.area_id == over.village_id
    assert (
        alert.evidence["amount"] == "10000.01" and alert.evidence["threshold"] == "10000.00"
    )  # 0.5 × 20,000
    assert alert.evidence["person"] == head_over.id_masked and alert.evidence["rows"] == 1
    assert alert.evidence["policy"]["rural_disposable_income"]["source"] == "河北省2023年统计公报（测试值）"
    assert "阳原" in alert.evidence["policy"]["medical_oop_ratio_exited"]["source"]


def test_costs_spread_over_monthly_batches_add_up_and_rows_outside_the_months_do_not(
    register: RegisterHousehold, data_dir: Path
) -> None:
    """The per-person totals only choose whom to sum: a person under the limit in every batch but over it in the
    twelve months is flagged; one over it only with a batch's rows from before the twelve months is not."""
    spread, old = _exited(register, "H001"), _exited(register, "H002")
    head_spread = Member.objects.get(household=spread, relation="head")
    head_old = Member.objects.get(household=old, relation="head")

    def claim(member: Member, on: date, cost: str) -> dict[str, Any]:
        return {
            **_person(member),
            "settled_on": on,
            "visit_type": "inpatient",
            "total_cost": Decimal(cost),
            "reimbursed": Decimal(0),
            "out_of_pocket": Decimal(cost),
        }

    _feed(
        data_dir,
        "medical",
        [
            claim(head_spread, date(2024, 1, 10), "3400"),
            claim(head_old, date(2023, 6, 28), "9000"),  # the day before the twelve months
            claim(head_old, date(2023, 7, 1), "1000.01"),
        ],
    )
    _feed(data_dir, "medical", [claim(head_spread, date(2024, 2, 10), "3300")])
    _feed(
        data_dir,
        "medical",
        [claim(head_spread, date(2024, 3, 10), "3300.01"), claim(head_old, date(2024, 3, 10), "4000")],
    )
    result = _run()
    assert result["by_rule"]["medical"] == 1
    alert = Alert.objects.get()
    assert (
        alert.household == spread and alert.evidence["amount"] == "10000.01" and alert.evidence["rows"] == 3
    )


def test_other_rural_residents_have_the_higher_limit_and_strangers_become_candidates(
    register: RegisterHousehold, data_dir: Path
) -> None:
    ordinary = register("H001", population_type="ordinary", status="", identification_year=None)
    member = Member.objects.get(household=ordinary, relation="head")
    stranger = make_id("130126", date(1960, 1, 1), 501, female=False)
    unknown_county = make_id(
        "130181", date(1960, 1, 1), 502, female=True
    )  # a county of Hebei not loaded in the test tree
    rows = [
        {**_person(member), "out_of_pocket": Decimal("15000")},  # over 0.5 × but not over 1.0 × 20,000
        {**_person(id_number=stranger), "out_of_pocket": Decimal("20000.01")},
        {**_person(id_number=unknown_county), "out_of_pocket": Decimal("25000")},
    ]
    _feed(
        data_dir,
        "medical",
        [
            {
                **r,
                "settled_on": date(2024, 1, 5),
                "visit_type": "inpatient",
                "total_cost": r["out_of_pocket"],
                "reimbursed": Decimal(0),
            }
            for r in rows
        ],
    )
    result = _run()
    alert = Alert.objects.get()
    assert alert.household is None and alert.person_masked == mask_id(stranger) and alert.area_id == "130126"
    assert result["unplaced"] == 1


def test_income_below_the_monitoring_line_and_a_sharp_drop(
    register: RegisterHousehold, data_dir: Path
) -> None:
    policy_set(
        actor=None, key="monitoring_line", year=2024, value="7000", province="13", source="冀2024监测线"
    )
    policy_set(actor=None, key="income_drop_ratio", year=2024, value="0.3", province="13", source="测试")
    low, equal, dropped = _exited(register, "H001"), _exited(register, "H002"), _exited(register, "H003")
    for household, amounts in (
        (low, {2023: "20999.97"}),
        (equal, {2023: "21000"}),
        (dropped, {2022: "40000", 2023: "27999.99"}),
    ):
        for year, wage in amounts.items():
            Income.objects.create(
                household=household,
                year=year,
                wage=Decimal(wage),
                business=0,
                property_income=0,
                transfer=0,
                costs=0,
            )
    _run()
    flagged = {(a.household.number, a.rule) for a in Alert.objects.select_related("household")}
    assert flagged == {("H001", "income"), ("H003", "income_drop")}  # 6,999.99 a head; 9,333 is -30.0000x%
    drop = Alert.objects.get(rule="income_drop")
    assert drop.evidence["amount"] == "9333.33" and drop.evidence["threshold"] == "13333.33"


def test_a_rule_without_its_policy_value_is_reported_not_run(
    register: RegisterHousehold, data_dir: Path
) -> None:
    result = _run()
    assert "income_drop" in result["skipped"]["13"] and "disaster" in result["skipped"]["13"]


def test_feed_rules_for_school_housing_disability_support_and_work(
    register: RegisterHousehold, data_dir: Path
) -> None:
    households = {n: _exited(register, n) for n in ("H001", "H002", "H003", "H004", "H005", "H006")}
    child = Member.objects.get(
        household=households["H001"], relation="son"
    )  # born 1 September 2010: 13 in 2024
    grown = Member.objects.get(household=households["H002"], relation="son")
    Member.objects.filter(pk=grown.pk).update(birth_date=date(2008, 8, 31))  # 16 on 31 August 2024
    heads = {n: Member.objects.get(household=h, relation="head") for n, h in households.items()}
    Member.objects.filter(household=households["H006"]).update(work_status="none")
    Member.objects.filter(pk=heads["H006"].pk).update(work_status="province")
    Household.objects.filter(pk=households["H005"].pk).update(population_type="monitored")
    _feed(
        data_dir,
        "education",
        [
            {**_person(child), "occurred_on": date(2024, 3, 1), "status": "dropout"},
            {**_person(grown), "occurred_on": date(2024, 3, 1), "status": "dropout"},
        ],
    )
    _feed(
        data_dir,
        "housing",
        [
            {**_person(heads["H003"]), "appraised_on": date(2023, 5, 1), "rating": "D"},
            {**_person(heads["H003"]), "appraised_on": date(2024, 5, 1), "rating": "B"},
            {**_person(heads["H004"]), "appraised_on": date(2024, 5, 1), "rating": "C"},
        ],
    )
    _feed(
        data_dir,
        "disability",
        [
            {**_person(heads["H001"]), "issued_on": date(2024, 2, 1), "grade": 2},
            {**_person(heads["H002"]), "issued_on": date(2024, 2, 1), "grade": 3},
        ],
    )
    _feed(
        data_dir,
        "civil",
        [
            {**_person(heads["H005"]), "occurred_on": date(2024, 4, 1), "item": "dibao_out"},
            {**_person(heads["H004"]), "occurred_on": date(2024, 4, 1), "item": "dibao_in"},
        ],
    )
    _feed(
        data_dir,
        "employment",
        [
            {**_person(heads["H006"]), "occurred_on": date(2024, 4, 1), "status": "unemployed"},
            {**_person(heads["H005"]), "occurred_on": date(2024, 4, 1), "status": "unemployed"},
        ],
    )
    _run()
    flagged = {(a.household.number, a.rule) for a in Alert.objects.select_related("household")}
    assert flagged == {
        ("H001", "dropout"),
        ("H004", "housing"),
        ("H001", "disability"),
        ("H005", "civil"),
        ("H006", "unemployment"),
    }


def test_a_second_screening_repeats_instead_of_duplicating(
    register: RegisterHousehold, data_dir: Path
) -> None:
    policy_set(
        actor=None, key="monitoring_line", year=2024, value="7000", province="13", source="冀2024监测线"
    )
    household = _exited(register, "H001")
    Income.objects.create(
        household=household,
        year=2023,
        wage=Decimal("9000"),
        business=0,
        property_income=0,
        transfer=0,
        costs=0,
    )
    assert _run()["alerts"] == {"new": 1, "repeat": 0}
    assert _run(date(2024, 7, 10))["alerts"] == {"new": 0, "repeat": 1}
    alert = Alert.objects.get()
    assert (alert.times_seen, alert.first_seen, alert.last_seen) == (2, AS_OF, date(2024, 7, 10))
    alert_dismiss(
        actor=None,
        alert=alert,
        version=alert.version,
        concluded_on=date(2024, 7, 11),
        finding="入户核实：已外出务工，月收入 4000 元",
    )
    assert _run(date(2024, 7, 12))["alerts"] == {"new": 0, "repeat": 0}  # dismissed, and nothing new since
    income_set(
        actor=None,
        household=household,
        year=2023,
        reason="更正",
        amounts={  # lower: new evidence
            "wage": Decimal("8000"),
            "business": Decimal(0),
            "property_income": Decimal(0),
            "transfer": Decimal(0),
            "costs": Decimal(0),
        },
    )
    assert _run(date(2024, 7, 15))["alerts"] == {"new": 1, "repeat": 0}
    assert Alert.objects.count() == 2


def test_new_evidence_of_a_household_under_monitoring_goes_into_its_case(
    register: RegisterHousehold, data_dir: Path
) -> None:
    from tuopin.monitoring.cases import Verification, case_open

    policy_set(
        actor=None, key="monitoring_line", year=2024, value="7000", province="13", source="冀2024监测线"
    )
    household = _exited(register, "H001")
    case = case_open(
        actor=None,
        household=household,
        type="unstable",
        risk_types=["illness"],
        verification=Verification(date(2024, 5, 1), "王五", True, "户主患病"),
    )
    Income.objects.create(
        household=household,
        year=2023,
        wage=Decimal("9000"),
        business=0,
        property_income=0,
        transfer=0,
        costs=0,
    )
    _run()
    alert = Alert.objects.get()
    assert (alert.status, alert.case, alert.concluded_on) == (AlertStatus.CASE, case, AS_OF)


def test_deadlines_count_working_days_over_weekends_holidays_and_months() -> None:
    assert add_working_days(date(2024, 6, 28), 2) == date(2024, 7, 2)  # Friday → Tuesday
    assert add_working_days(date(2024, 6, 28), 20) == date(2024, 7, 26)
    assert add_working_days(date(2025, 9, 30), 2) == date(2025, 10, 10)  # National Day; 11 October is worked
    assert add_working_days(date(2025, 10, 10), 1) == date(2025, 10, 11)
    assert working_days_between(date(2024, 6, 28), date(2024, 7, 2)) == 2
    # 2024 and 2026 from their notices: Mid-Autumn 2024 with Saturday 14 September worked; Spring Festival 2026
    # (15–23 February) with Saturdays 14 and 28 February worked.
    assert add_working_days(date(2024, 9, 13), 1) == date(2024, 9, 14)
    assert add_working_days(date(2024, 9, 14), 1) == date(2024, 9, 18)
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert working_days_between(date(2026, 2, 23), date(2026, 2, 28)) == 5


def test_the_screening_sets_deadlines_from_the_policy(register: RegisterHousehold, data_dir: Path) -> None:
    policy_set(
        actor=None, key="monitoring_line", year=2024, value="7000", province="13", source="冀2024监测线"
    )
    Income.objects.create(
        household=_exited(register, "H001"),
        year=2023,
        wage=Decimal("9000"),
        business=0,
        property_income=0,
        transfer=0,
        costs=0,
    )
    _run()
    alert = Alert.objects.get()
    assert (alert.first_check_due, alert.conclusion_due) == (date(2024, 7, 2), date(2024, 7, 26))
    alert_check(actor=None, alert=alert, version=alert.version, checked_on=date(2024, 7, 1), finding="已入户")
    assert alert.status == AlertStatus.CHECKING
    with pytest.raises(StaleEdit):
        alert_dismiss(
            actor=None,
            alert=alert,
            version=alert.version - 1,
            concluded_on=date(2024, 7, 3),
            finding="无风险",
        )
