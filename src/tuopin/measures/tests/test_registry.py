"""The measures on the registry: hand-computed cases, the JSON contract of `tuopin measures --year Y`, and the
registry's measures equal to the file measures (`tuopin measures fgt|mpi`) on the same persons."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tuopin.assessment.engine import run_db
from tuopin.assessment.rules import household_exit
from tuopin.assessment.services import params_for
from tuopin.conftest import RegisterHousehold
from tuopin.measures.registry import PolicyMissing, UnknownArea, registry_measures
from tuopin.measures.specs import UnknownSpec, spec_named, specs
from tuopin.policy.keys import KEYS
from tuopin.policy.selectors import policy_for
from tuopin.registry.models import Household, Income, Member

pytestmark = pytest.mark.django_db
YEAR = 2020  # poverty line 4,000 and monitoring line 6,000 in the seeded national profile
TOWNSHIP = "130126100"
EAST, WEST = "130126100201", "130126100202"  # 城东村, 城西村
INDICATORS = ("income", "education", "medical", "housing", "water")
NOISE = 2e-12  # both sides are rounded to 12 decimals: equal values may round one unit apart


def income(household: Household, net: str, year: int = YEAR) -> None:
    Income.objects.create(
        household=household, year=year, wage=Decimal(net), business=0, property_income=0, transfer=0, costs=0
    )


def households(register: RegisterHousehold) -> dict[str, Household]:
    """Five households of three (one with a member gone in 2019) in the township's two villages, one beside it:

    A 城东村 general  12,000 → 4,000 a head: at the poverty line (poor, no gap)  deprived: income         score 1/3
    B 城东村 dibao    15,000 → 5,000         below the monitoring line          water, one uninsured   score 1/3
    C 城西村 general  30,000 → 10,000                                           housing C              score 1/6
    D 城西村 (blank)   3,000 over two → 1,500                                   income, water          score 1/2
    E 城西村 general  no income record for 2020: left out, counted as missing
    F 高邑县 (another county) 3,000 → 1,000: outside the township
    """
    made = {
        "A": register("A", village=EAST, water_safe=True),
        "B": register("B", village=EAST, category="dibao", water_safe=False),
        "C": register("C", village=WEST, water_safe=True, housing_safety="C"),
        "D": register("D", village=WEST, category="", water_safe=False),
        "E": register("E", village=WEST, water_safe=True),
        "F": register("F", village="130127100201", water_safe=True),
    }
    Member.objects.filter(household=made["B"], relation="spouse").update(medical_insurance=False)
    Member.objects.filter(household=made["D"], relation="son").update(left_on=date(2019, 6, 1))
    for name, net in (("A", "12000"), ("B", "15000"), ("C", "30000"), ("D", "3000"), ("F", "3000")):
        income(made[name], net)
    income(made["E"], "30000", year=2019)  # another year's record does not count for 2020
    return made


def run(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("measures", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def refused(*args: str) -> str:
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("measures", *args, "--json", stdout=out)
    assert out.getvalue() == ""
    return str(error.value)


def test_the_shipped_specification_is_policy_data_with_sources() -> None:
    spec = spec_named("guarantees")
    assert [i.name for i in spec.indicators] == list(INDICATORS)
    assert [i.label for i in spec.indicators] == ["收入", "义务教育", "基本医疗", "住房安全", "饮水安全"]
    assert all(KEYS[key].group == "多维贫困测量" for key in spec.policy_keys)
    profile = policy_for(2014)
    assert [profile.value(i.weight_key) for i in spec.indicators] == [2, 1, 1, 1, 1]
    assert abs(float(profile.value(spec.k_key)) - 1 / 3) < 1e-9
    assert all(
        "Alkire" in profile[key].source and "两不愁三保障" in profile[key].source for key in spec.policy_keys
    )
    assert policy_for(2013).value(spec.k_key) is None  # the specification holds from 2014
    with pytest.raises(UnknownSpec, match="known: guarantees"):
        spec_named("global")
    assert set(specs()) == {"guarantees"}


def test_it_measures_a_township_by_hand(register: RegisterHousehold) -> None:
    households(register)
    data = run("--year", str(YEAR), "--area", TOWNSHIP)
    assert data["population"] == {"households": 4, "persons": 11}  # A, B, C of three and D of two
    assert data["missing_income"] == {"households": 1, "persons": 3}  # E
    # Incomes a head 4,000 ×3, 5,000 ×3, 10,000 ×3, 1,500 ×2. At 4,000: A (equal to the line: poor, no gap) and D.
    assert data["fgt"]["poverty_line"] == {
        "line": 4000,
        "n": 11,
        "P0": pytest.approx(5 / 11),
        "P1": pytest.approx(2 * 0.625 / 11),
        "P2": pytest.approx(2 * 0.625**2 / 11),
        "poor": 5,
        "income_gap": pytest.approx(2 * 2500),
    }
    # At 6,000: A (gap 1/3), B (1/6), D (3/4).
    assert data["fgt"]["monitoring_line"] == {
        "line": 6000,
        "n": 11,
        "P0": pytest.approx(8 / 11),
        "P1": pytest.approx((3 / 3 + 3 / 6 + 2 * 0.75) / 11),
        "P2": pytest.approx((3 / 9 + 3 / 36 + 2 * 0.75**2) / 11),
        "poor": 8,
        "income_gap": pytest.approx(3 * 2000 + 3 * 1000 + 2 * 4500),
    }
    # Scores: A 1/3 and B 1/6 + 1/6 meet k = 1/3 exactly; C 1/6 does not; D 1/3 + 1/6. Σ censored scores = 3.
    mpi = data["mpi"]
    assert mpi["k"] == pytest.approx(1 / 3) and mpi["n"] == 11
    assert mpi["weights"] == pytest.approx(
        {"income": 1 / 3, "education": 1 / 6, "medical": 1 / 6, "housing": 1 / 6, "water": 1 / 6}
    )
    assert list(mpi["weights"]) == list(INDICATORS)
    assert (mpi["H"], mpi["M0"], mpi["A"]) == (
        pytest.approx(8 / 11),
        pytest.approx(3 / 11),
        pytest.approx(3 / 8),
    )
    assert mpi["censored_headcounts"] == pytest.approx(
        {"income": 5 / 11, "education": 0, "medical": 3 / 11, "housing": 0, "water": 5 / 11}
    )  # C's housing is censored: C is not poor
    assert mpi["contributions"] == pytest.approx(
        {"income": 5 / 9, "education": 0, "medical": 1 / 6, "housing": 0, "water": 5 / 18}
    )
    assert data["by_area"] == {
        EAST: {
            "name": "城东村",
            "persons": 6,
            "P0": 0.5,
            "H": 1.0,
            "A": pytest.approx(1 / 3),
            "M0": pytest.approx(1 / 3),
            "population_share": pytest.approx(6 / 11),
            "contribution": pytest.approx(2 / 3),
        },
        WEST: {
            "name": "城西村",
            "persons": 5,
            "P0": pytest.approx(2 / 5),
            "H": pytest.approx(2 / 5),
            "A": 0.5,
            "M0": pytest.approx(1 / 5),
            "population_share": pytest.approx(5 / 11),
            "contribution": pytest.approx(1 / 3),
        },
    }
    categories = data["by_category"]
    assert list(categories) == ["general", "dibao", "tekun", "none"]
    assert categories["general"] == {
        "name": "一般贫困户",
        "persons": 6,
        "P0": 0.5,
        "H": 0.5,
        "A": pytest.approx(1 / 3),
        "M0": pytest.approx(1 / 6),
        "population_share": pytest.approx(6 / 11),
        "contribution": pytest.approx(1 / 3),
    }
    assert (categories["dibao"]["P0"], categories["dibao"]["H"], categories["dibao"]["persons"]) == (0, 1, 3)
    assert categories["tekun"] == {"name": "特困供养贫困户", "persons": 0} | dict.fromkeys(
        ("P0", "H", "A", "M0", "population_share", "contribution"), 0.0
    )
    assert categories["none"]["name"] == "不适用"
    assert (categories["none"]["persons"], categories["none"]["M0"]) == (2, 0.5)
    assert sum(g["contribution"] for g in categories.values()) == pytest.approx(1)


def test_it_prints_the_contract_in_order_and_measures_the_whole_registry(register: RegisterHousehold) -> None:
    households(register)
    data = run("--year", str(YEAR))
    assert list(data) == [
        "year",
        "area",
        "spec",
        "population",
        "missing_income",
        "fgt",
        "mpi",
        "by_area",
        "by_category",
    ]
    assert (data["year"], data["area"], data["spec"]) == (YEAR, "", "guarantees")
    assert data["population"] == {"households": 5, "persons": 14}  # F of 高邑县 too
    assert list(data["fgt"]) == ["poverty_line", "monitoring_line"]
    assert list(data["fgt"]["poverty_line"]) == ["line", "n", "P0", "P1", "P2", "poor", "income_gap"]
    assert list(data["mpi"]) == [
        "k",
        "weights",
        "n",
        "H",
        "A",
        "M0",
        "censored_headcounts",
        "contributions",
    ]
    assert list(data["by_area"]) == ["13"]  # the whole registry's children: its provinces
    assert list(data["by_area"]["13"]) == [
        "name",
        "persons",
        "P0",
        "H",
        "A",
        "M0",
        "population_share",
        "contribution",
    ]
    assert data["by_area"]["13"]["persons"] == 14
    city = run("--year", str(YEAR), "--area", "1301")
    assert {code: g["persons"] for code, g in city["by_area"].items()} == {"130126": 11, "130127": 3}


def test_it_says_when_a_year_has_no_monitoring_line(register: RegisterHousehold) -> None:
    made = households(register)
    for name in "ABCD":  # E has 30,000 for 2019 already
        income(made[name], "9654", year=2019)  # 3,218 a head for three: the 2019 line itself
    data = run("--year", "2019", "--area", TOWNSHIP)
    assert data["fgt"]["monitoring_line"] == {
        "line": None,
        "n": 14,
        "P0": None,
        "P1": None,
        "P2": None,
        "poor": None,
        "income_gap": None,
    }
    assert data["fgt"]["poverty_line"]["line"] == 3218
    # A, B and C are at the line (poor); D's two (its son left in June 2019) and E are above it.
    assert (data["fgt"]["poverty_line"]["poor"], data["fgt"]["poverty_line"]["P0"]) == (
        9,
        pytest.approx(9 / 14),
    )
    out = StringIO()
    call_command("measures", "--year", "2019", "--area", TOWNSHIP, stdout=out)
    assert "monitoring_line  no value for 2019" in out.getvalue()
    assert "P0 0.6429" in out.getvalue()


def test_a_village_has_no_child_areas(register: RegisterHousehold) -> None:
    households(register)
    data = run("--year", str(YEAR), "--area", EAST)
    assert data["population"] == {"households": 2, "persons": 6}
    assert data["by_area"] == {}


def test_it_refuses_an_unknown_area_spec_or_year_with_nothing_on_stdout(register: RegisterHousehold) -> None:
    households(register)
    assert "no area has the code '139999'" in refused("--year", str(YEAR), "--area", "139999")
    assert "unknown specification 'global' (known: guarantees)" in refused(
        "--year", str(YEAR), "--spec", "global"
    )
    assert "no household measured has members and an income record for 2023" in refused("--year", "2023")
    assert "the policy profile of 2010 has no value for poverty_line, school_age_min" in refused(
        "--year", "2010"
    )
    assert "mpi_weight_income" in refused("--year", "2013")  # the specification's values start in 2014
    assert "--year" in refused()
    assert "not with fgt|mpi" in refused("--year", "2020", "fgt", "--input", "x.csv", "--line", "1")
    with pytest.raises(UnknownArea):
        registry_measures(YEAR, spec_named("guarantees"), within=("99",))
    with pytest.raises(PolicyMissing) as missing:
        registry_measures(2013, spec_named("guarantees"), within=(TOWNSHIP,))
    assert set(missing.value.keys) >= set(spec_named("guarantees").policy_keys)


# --- the registry equals the file measures on the same persons -------------------------------------------------------


def varied(register: RegisterHousehold) -> None:
    """Eighteen households across both villages with every check failing somewhere, incomes around both lines
    (one exactly at each), sizes 1 to 3, every category and a blank one, and two without an income record."""
    categories = ["general", "dibao", "tekun", ""]
    nets = ["12000", "11999.99", "12000.01", "18000", "2400.50", "0", "-300", "30000", "6000"]
    for i in range(18):
        household = register(
            f"V{i:03d}",
            village=(EAST, WEST)[i % 2],
            category=categories[i % 4],
            water_safe=i % 3 != 0,
            housing_safety="ABCD"[i % 4],
            relocated=i % 8 == 3,
        )
        members = Member.objects.filter(household=household)
        if i % 5 == 0:
            members.filter(relation="son").update(school_status="dropout")
        if i % 7 == 1:
            members.filter(relation="head").update(medical_insurance=False)
        if i % 6 == 4:
            members.filter(relation="spouse").update(left_on=date(2020, 1, 5))
        if i % 9 != 8:
            income(household, nets[i % len(nets)])


def person_files(tmp_path: Path) -> tuple[Path, Path]:
    """One row a person of the township's households with an income record, from the rule's rows as the household
    page reads them (one dict a row): the household's per-capita income (incomes.csv) and its 0/1 deprivations and
    village (deprivations.csv)."""
    params = params_for(YEAR, TOWNSHIP)
    incomes, deprivations = tmp_path / "incomes.csv", tmp_path / "deprivations.csv"
    with (
        incomes.open("w", newline="", encoding="utf-8") as one,
        deprivations.open("w", newline="", encoding="utf-8") as other,
    ):
        income_rows, deprivation_rows = csv.writer(one), csv.writer(other)
        income_rows.writerow(["id", "income"])
        deprivation_rows.writerow(["id", *INDICATORS, "village"])
        for row in run_db(household_exit(params)):
            if not row["village_id"].startswith(TOWNSHIP) or row["net_cents"] is None:
                continue
            per_capita = max(row["net_cents"], 0) / 100 / row["persons"]
            deprived = [0 if row[f"{name}_ok"] else 1 for name in INDICATORS]
            for member in range(row["persons"]):
                person = f"{row['household_id']}-{member}"
                income_rows.writerow([person, repr(per_capita)])
                deprivation_rows.writerow([person, *deprived, row["village_id"]])
    return incomes, deprivations


def test_the_registry_measures_equal_the_file_measures_on_the_same_persons(
    register: RegisterHousehold, tmp_path: Path
) -> None:
    varied(register)
    registry = run("--year", str(YEAR), "--area", TOWNSHIP)
    incomes, deprivations = person_files(tmp_path)
    assert registry["population"]["persons"] == sum(1 for _ in incomes.open(encoding="utf-8")) - 1
    for key in ("poverty_line", "monitoring_line"):
        line = registry["fgt"][key]
        file = run("fgt", "--input", str(incomes), "--line", str(line["line"]))
        assert file == pytest.approx({k: line[k] for k in ("n", "P0", "P1", "P2")}, abs=NOISE)
    mpi = registry["mpi"]
    weights = ",".join(f"{name}={w!r}" for name, w in mpi["weights"].items())
    file = run(
        "mpi",
        "--input",
        str(deprivations),
        "--weights",
        weights,
        "--k",
        repr(mpi["k"]),
        "--group-column",
        "village",
    )
    assert file["n"] == mpi["n"]
    for figure in ("H", "A", "M0"):
        assert file[figure] == pytest.approx(mpi[figure], abs=NOISE)
    assert file["censored_headcounts"] == pytest.approx(mpi["censored_headcounts"], abs=NOISE)
    assert file["contributions"] == pytest.approx(mpi["contributions"], abs=NOISE)
    assert list(file["groups"]) == list(registry["by_area"])
    for code, group in file["groups"].items():
        assert group == pytest.approx({k: registry["by_area"][code][k] for k in group}, abs=NOISE)
    assert 0 < mpi["H"] < 1 and 0 < registry["fgt"]["poverty_line"]["P0"] < 1  # the case is not degenerate
    assert registry["missing_income"]["households"] == 2


def test_the_rows_fetched_once_measure_each_area_below_as_a_query_of_its_own(
    register: RegisterHousehold,
) -> None:
    from tuopin.measures.registry import registry_rows

    households(register)
    spec = spec_named("guarantees")
    fetched = registry_rows(YEAR, spec, "13")
    for code in ("13", "130126", "130126100", "130126100201"):
        assert (
            registry_measures(YEAR, spec, within=(code,), fetched=fetched).as_dict()
            == registry_measures(YEAR, spec, within=(code,)).as_dict()
        )
