"""The exit rules at their edges, each case run on the database of record and on DuckDB over a snapshot: the same
definition must give the same decision on both."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tuopin.areas.models import Area, AreaYear
from tuopin.assessment.engine import run_db, run_duckdb
from tuopin.assessment.rules import Params, area_incidence, household_exit
from tuopin.assessment.services import assess_areas, assess_household, decision_from, params_for
from tuopin.assessment.snapshot import snapshot_write
from tuopin.conftest import RegisterHousehold
from tuopin.registry.models import Household, Income, Member

pytestmark = pytest.mark.django_db
ENGINES = ["db", "duckdb"]
YEAR = 2019  # poverty line 3,218 in the seeded national profile; cutoff 31 August; ages 6 to 15


def _rows(expr: Any, engine: str, tmp_path: Path) -> list[dict[str, Any]]:
    if engine == "db":
        return run_db(expr)
    snapshot_write(tmp_path)
    return list(run_duckdb(expr, tmp_path).to_pylist())


def _decide(household: Household, engine: str, tmp_path: Path) -> dict[str, bool]:
    params = params_for(YEAR, household.village_id)
    rows = [r for r in _rows(household_exit(params), engine, tmp_path) if r["household_id"] == household.pk]
    decision = decision_from(rows[0], params)
    return {"may_exit": decision.may_exit, **{r["rule"]: r["ok"] for r in decision.reasons}}


def _ready(
    register: RegisterHousehold, number: str = "H001", net: str = "9654.01", **values: Any
) -> Household:
    """A household of three that meets every check in 2019 unless a test changes one thing."""
    household = register(number, **{"water_safe": True, **values})
    if net:
        Income.objects.create(
            household=household,
            year=YEAR,
            wage=Decimal(net),
            business=0,
            property_income=0,
            transfer=0,
            costs=0,
        )
    return household


def _child(household: Household, **values: Any) -> None:
    Member.objects.filter(household=household, relation="son").update(**values)


@pytest.mark.parametrize("engine", ENGINES)
def test_income_must_be_strictly_above_the_line(
    register: RegisterHousehold, engine: str, tmp_path: Path
) -> None:
    above = _ready(register, "H001", net="9654.01")  # 3 × 3,218 + 0.01
    equal = _ready(register, "H002", net="9654.00")
    assert _decide(above, engine, tmp_path) == dict.fromkeys(
        ("may_exit", "income", "education", "medical", "housing", "water"), True
    )
    decided = _decide(equal, engine, tmp_path)
    assert (decided["may_exit"], decided["income"], decided["water"]) == (False, False, True)


@pytest.mark.parametrize("engine", ENGINES)
def test_net_income_is_after_costs_and_over_the_members_of_the_year(
    register: RegisterHousehold, engine: str, tmp_path: Path
) -> None:
    household = _ready(register, net="")
    Income.objects.create(
        household=household,
        year=YEAR,
        wage=Decimal("5000"),
        business=Decimal("3000"),
        property_income=Decimal("100"),
        transfer=Decimal("1600"),
        costs=Decimal("45.99"),
    )
    assert _decide(household, engine, tmp_path)["income"] is True  # 9,654.01 net over 3 members
    Income.objects.filter(household=household).update(costs=Decimal("46"))
    assert _decide(household, engine, tmp_path)["income"] is False  # 9,654 over 3 is the line itself
    # A member removed during 2019 does not count for 2019: 9,654 over two members is well above the line.
    Member.objects.filter(household=household, relation="son").update(left_on=date(2019, 6, 1))
    assert _decide(household, engine, tmp_path)["income"] is True


@pytest.mark.parametrize("engine", ENGINES)
def test_no_income_record_fails_income_with_that_reason(
    register: RegisterHousehold, engine: str, tmp_path: Path
) -> None:
    household = _ready(register, net="")
    assert _decide(household, engine, tmp_path)["income"] is False
    decision = assess_household(household, YEAR)
    assert decision.reasons[0] == {"rule": "income", "ok": False, "detail": "2019 年没有收入记录"}
    assert decision.per_capita_net_income is None


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("born", "school_status", "grade", "ok"),
    [
        (date(2013, 8, 31), "not_in_school", None, False),  # turns 6 on the cutoff date: of school age
        (date(2013, 9, 1), "not_in_school", None, True),  # turns 6 a day later: not yet
        (date(2003, 9, 1), "dropout", None, False),  # still 15 on the cutoff date
        (date(2003, 8, 31), "dropout", None, True),  # turns 16 on the cutoff date: past school age
        (date(2010, 9, 1), "dropout", 2, True),  # severely disabled child out of school: not counted
        (date(2010, 9, 1), "dropout", 3, False),
        (date(2010, 9, 1), "primary", None, True),
    ],
)
def test_compulsory_education_by_age_on_the_cutoff_date(
    register: RegisterHousehold,
    engine: str,
    tmp_path: Path,
    born: date,
    school_status: str,
    grade: int | None,
    ok: bool,
) -> None:
    household = _ready(register)
    _child(household, birth_date=born, school_status=school_status, disability_grade=grade)
    decided = _decide(household, engine, tmp_path)
    assert (decided["education"], decided["may_exit"]) == (ok, ok)


@pytest.mark.parametrize("engine", ENGINES)
def test_medical_housing_and_water(register: RegisterHousehold, engine: str, tmp_path: Path) -> None:
    uninsured = _ready(register, "H001")
    _child(uninsured, medical_insurance=False)
    relocated = _ready(register, "H002", housing_safety="D", relocated=True)
    unsafe = _ready(register, "H003", housing_safety="C")
    no_water = _ready(register, "H004", water_safe=None)
    assert _decide(uninsured, engine, tmp_path)["medical"] is False
    assert _decide(relocated, engine, tmp_path)["housing"] is True
    assert _decide(unsafe, engine, tmp_path)["housing"] is False
    assert _decide(no_water, engine, tmp_path)["water"] is False


def test_the_policy_profile_drives_the_rules(register: RegisterHousehold) -> None:
    from tuopin.administration.policy_services import policy_set

    household = _ready(register, net="9654.01")
    assert assess_household(household, YEAR).may_exit is True
    policy_set(actor=None, key="poverty_line", year=YEAR, value="3300", source="what if", province="13")
    decision = assess_household(household, YEAR)
    assert (decision.may_exit, decision.line) == (False, Decimal("3300"))


@pytest.mark.parametrize("engine", ENGINES)
def test_village_incidence_threshold_is_exact_and_missing_population_is_reported(
    register: RegisterHousehold, tree: dict[str, Area], engine: str, tmp_path: Path
) -> None:
    # Two households of three: one may exit, one remains poor (3 poor persons) in 城东村.
    _ready(register, "H001")
    _ready(register, "H002", net="100")
    AreaYear.objects.create(
        area=tree["130126100201"], year=YEAR, rural_population=150
    )  # 3/150 = 2%: not below
    AreaYear.objects.create(area=tree["130126100"], year=YEAR, rural_population=151)
    result = assess_areas(YEAR, area="130126", engine=engine, snapshot=tmp_path)
    areas = {a["code"]: a for a in result.areas}
    assert result.as_dict()["households"] == {"assessed": 2, "may_exit": 1, "remain_poor": 1}
    village = areas["130126100201"]
    assert (village["poor_persons"], village["incidence"], village["may_exit"]) == (3, 0.02, False)
    assert areas["130126100"]["poor_persons"] == 3 and areas["130126100"]["may_exit"] is None  # a township
    county = areas["130126"]
    assert (county["incidence"], county["may_exit"]) == (None, None)
    assert "没有农村人口数" in county["reasons"][0]
    AreaYear.objects.filter(area_id="130126100201").update(rural_population=151)
    village = {
        a["code"]: a for a in assess_areas(YEAR, area="130126", engine=engine, snapshot=tmp_path).areas
    }["130126100201"]
    assert village["may_exit"] is True


def test_both_engines_agree_on_a_mixed_registry(register: RegisterHousehold, tmp_path: Path) -> None:
    for i in range(8):
        household = _ready(register, f"M{i:03}", net=str(9000 + 200 * i), housing_safety="ABCD"[i % 4])
        if i % 3 == 0:
            _child(household, birth_date=date(2012, 1, 1), school_status="dropout")
    params: Params = params_for(YEAR, "13")
    expr = area_incidence(params, household_exit(params), within="13")
    assert _rows(expr, "db", tmp_path) == _rows(expr, "duckdb", tmp_path)
    decisions = household_exit(params)
    by_db = sorted(_rows(decisions, "db", tmp_path), key=lambda r: r["household_id"])
    by_duckdb = sorted(_rows(decisions, "duckdb", tmp_path), key=lambda r: r["household_id"])
    assert [(r["may_exit"], r["income_ok"], r["education_ok"]) for r in by_db] == [
        (r["may_exit"], r["income_ok"], r["education_ok"]) for r in by_duckdb
    ]
    assert any(r["may_exit"] for r in by_db) and not all(r["may_exit"] for r in by_db)
