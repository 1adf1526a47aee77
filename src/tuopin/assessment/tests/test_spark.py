"""The Spark engine (the optional extra `tuopin[spark]`, local mode): the same rule definitions, compiled to Spark SQL
over the Parquet snapshot, must decide every household and every area exactly as the database of record and DuckDB
do. Skipped where pyspark or Java is missing; one SparkSession serves the whole module."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("the Spark engine needs Java", allow_module_level=True)

import pyarrow.parquet as pq
from django.core.management import call_command
from django.core.management.base import CommandError

from tuopin.areas.models import Area, AreaYear
from tuopin.assessment import engine
from tuopin.assessment.engine import EngineUnavailable, run_db, run_duckdb, run_spark
from tuopin.assessment.models import CountyEvaluation
from tuopin.assessment.rules import area_incidence, household_exit
from tuopin.assessment.services import assess_areas, params_for
from tuopin.assessment.snapshot import snapshot_write
from tuopin.conftest import RegisterHousehold
from tuopin.registry.models import Household, Income, Member

pytestmark = pytest.mark.django_db
YEAR = 2019  # poverty line 3,218 in the seeded national profile; cutoff 31 August; ages 6 to 15


@pytest.fixture(scope="module", autouse=True)
def _spark() -> Iterator[None]:
    """Start the process's SparkSession once for the module (it takes seconds) and stop it afterwards."""
    engine.spark_session()
    yield
    engine.spark_session().stop()
    engine.spark_session.cache_clear()


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path


def _household(
    register: RegisterHousehold,
    number: str,
    net: str | None = "9654.01",
    *,
    costs: str = "0",
    village: str = "130126100201",
    **values: Any,
) -> Household:
    """A household of three that meets every check in 2019 unless `values` or a later change breaks one."""
    household = register(number, village=village, **{"water_safe": True, **values})
    if net is not None:
        Income.objects.create(
            household=household,
            year=YEAR,
            wage=Decimal(net),
            business=Decimal("0"),
            property_income=Decimal("0"),
            transfer=Decimal("0"),
            costs=Decimal(costs),
        )
    return household


def _child(household: Household, **values: Any) -> None:
    Member.objects.filter(household=household, relation="son").update(**values)


def _registry(register: RegisterHousehold, tree: dict[str, Area]) -> None:
    """Every edge of the rules at least once, over two counties of two cities."""
    _household(register, "H001")  # meets everything: 3 × 3,218 + 0.01
    _household(register, "H002", "9654.00")  # exactly on the line
    _household(register, "H003", "12000", costs="2345.99")  # 9,654.01 after costs
    _household(register, "H004", None)  # no income record for the year
    _household(register, "H005", "-100", costs="50.50")  # a loss
    _child(
        _household(register, "H006"), birth_date=date(2013, 8, 31), school_status="not_in_school"
    )  # turns 6
    _child(
        _household(register, "H007"), birth_date=date(2013, 9, 1), school_status="not_in_school"
    )  # not yet
    _child(_household(register, "H008"), birth_date=date(2003, 9, 1), school_status="dropout")  # still 15
    _child(_household(register, "H009"), birth_date=date(2003, 8, 31), school_status="dropout")  # turns 16
    _child(
        _household(register, "H010"), birth_date=date(2010, 9, 1), school_status="dropout", disability_grade=2
    )
    _child(
        _household(register, "H011"), birth_date=date(2010, 9, 1), school_status="dropout", disability_grade=3
    )
    _child(_household(register, "H012"), medical_insurance=False)
    _household(register, "H013", housing_safety="D", relocated=True)  # relocated from a D-rated house
    _household(register, "H014", housing_safety="C")
    _household(register, "H015", water_safe=None)
    _household(register, "H016", water_safe=False, village="130126100202")
    left = _household(register, "H017", "6436.01", village="130126100202")  # two members in 2019: above
    _child(left, left_on=date(2019, 6, 1))
    late = _household(register, "H018", "6436.01", village="130126100202")  # the son leaves after 2019
    _child(late, left_on=date(2020, 1, 1))
    unborn = _household(register, "H019", "6436.01", village="130126100202")  # born after 2019: not counted
    _child(unborn, birth_date=date(2020, 2, 1))
    _household(register, "H020", "100", exit_year=2018, status="exited")  # exited before 2019: not assessed
    _household(register, "H021", "100", exit_year=2019, status="exited")
    _household(register, "H022", "100", population_type="monitored")  # monitored: decided, not counted
    merged = _household(register, "H023", "100")
    Household.objects.filter(pk=merged.pk).update(merged_into=_household(register, "H024", "20000"))
    # 高邑县 has households but no rural population for 2019; a western county in the other city.
    _household(register, "H100", "100", village="130127100201")
    _household(register, "H101", village="130127100202")
    _household(register, "H200", "100", village="130722100201")
    _household(register, "H201", village="130722100202")
    for code, rural, western in (
        ("130126100201", 150, None),
        ("130126100202", 2000, False),
        ("130126", 9000, False),
        ("130722100201", 60, True),
        ("130722", 3000, True),
        ("1307", 0, True),
        ("130127100201", None, None),
    ):
        AreaYear.objects.create(area=tree[code], year=YEAR, rural_population=rural, western=western)
    for county, counts in (("130126", (100, 1, 200, 1, 300, 290)), ("130722", (100, 2, 200, 0, 50, 40))):
        CountyEvaluation.objects.create(
            county=tree[county],
            year=YEAR,
            evaluated_on=date(2019, 11, 1),
            evaluator="第三方",
            recorded_by="test",
            **dict(
                zip(
                    (
                        "sampled_exited",
                        "wrong_exits",
                        "sampled_unregistered",
                        "missed",
                        "surveyed_households",
                        "approving_households",
                    ),
                    counts,
                    strict=True,
                )
            ),
        )


def _on_every_engine(expr: Any, snapshot: Path, key: str) -> dict[str, list[dict[str, Any]]]:
    rows = {
        "db": run_db(expr),
        "duckdb": run_duckdb(expr, snapshot).to_pylist(),
        "spark": run_spark(expr, snapshot).to_pylist(),
    }
    return {name: sorted(found, key=lambda row: row[key]) for name, found in rows.items()}


def test_it_decides_every_household_and_area_as_the_other_engines(
    register: RegisterHousehold, tree: dict[str, Area], tmp_path: Path
) -> None:
    _registry(register, tree)
    snapshot = tmp_path / "snapshot"
    snapshot_write(snapshot)
    params = params_for(YEAR, "13")
    decisions = household_exit(params)
    households = _on_every_engine(decisions, snapshot, "household_id")
    assert households["spark"] == households["db"] == households["duckdb"]
    decided = {row["number"]: row for row in households["spark"]}
    assert len(decided) == 27 and "H023" not in decided  # the merged household is not decided
    assert [n for n, row in decided.items() if row["may_exit"]] == [
        "H001",
        "H003",
        "H007",
        "H009",
        "H010",
        "H013",
        "H017",
        "H019",
        "H024",
        "H101",
        "H201",
    ]
    assert (decided["H002"]["net_cents"], decided["H002"]["income_ok"]) == (965400, False)
    assert (decided["H004"]["has_income"], decided["H004"]["net_cents"]) == (False, None)
    assert decided["H005"]["net_cents"] == -15050
    assert (decided["H017"]["persons"], decided["H018"]["persons"], decided["H019"]["persons"]) == (2, 3, 2)
    assert decided["H015"]["water_ok"] is False and decided["H013"]["housing_ok"] is True
    only = household_exit(
        params, household_ids=[decided["H006"]["household_id"], decided["H013"]["household_id"]]
    )
    some = _on_every_engine(only, snapshot, "household_id")
    assert some["spark"] == some["db"] == some["duckdb"] and len(some["spark"]) == 2

    for within in ("13", "130126", "1307"):
        areas = _on_every_engine(area_incidence(params, decisions, within=within), snapshot, "code")
        assert areas["spark"] == areas["db"] == areas["duckdb"], within
    by_code = {row["code"]: row for row in areas["spark"]}  # 张家口市 (1307)
    assert (by_code["1307"]["incidence"], by_code["1307"]["below_threshold"]) == (None, None)  # no population
    assert by_code["130722100201"]["western"] is True and by_code["130722"]["evaluated"] is True
    assert by_code["130722"]["approval_rate"] == 0.8


def test_it_runs_the_assessment_and_the_command_as_duckdb_does(
    register: RegisterHousehold, tree: dict[str, Area], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _registry(register, tree)
    printed = {}
    for name in ("duckdb", "spark"):
        call_command("assess", "--year", str(YEAR), "--engine", name, "--json")
        printed[name] = json.loads(capsys.readouterr().out)
    assert printed["spark"]["engine"] == "spark"
    assert {**printed["spark"], "engine": "duckdb"} == printed["duckdb"]
    assert printed["spark"]["households"] == {"assessed": 25, "may_exit": 11, "remain_poor": 14}
    assert len(printed["spark"]["areas"]) == Area.objects.count()

    results = {}
    for name in ("db", "duckdb", "spark"):
        result = assess_areas(
            YEAR, area="130126", engine=name, snapshot=tmp_path / "run", households_to=tmp_path / name
        )
        results[name] = (result.as_dict() | {"engine": ""}, pq.read_table(tmp_path / name / "13.parquet"))
    assert results["spark"][0] == results["db"][0] == results["duckdb"][0]
    assert results["spark"][1].schema == results["duckdb"][1].schema
    for name in ("db", "duckdb"):
        assert results["spark"][1].sort_by("household_id").equals(results[name][1].sort_by("household_id"))


def test_it_reads_the_refreshed_snapshot(
    register: RegisterHousehold, tree: dict[str, Area], tmp_path: Path
) -> None:
    household = _household(register, "H001", "9000")
    params = params_for(YEAR, "13")
    decisions = household_exit(params)
    snapshot_write(tmp_path)
    assert run_spark(decisions, tmp_path).column("may_exit").to_pylist() == [False]
    Income.objects.filter(household=household).update(wage=Decimal("9700"))
    Household.objects.filter(pk=household.pk).update(water_safe=False)
    snapshot_write(tmp_path)  # the same files replaced
    assert run_spark(decisions, tmp_path).select(["income_ok", "water_ok"]).to_pylist() == [
        {"income_ok": True, "water_ok": False}
    ]


def test_it_says_what_is_missing_without_the_extra(
    register: RegisterHousehold, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(EngineUnavailable, match=r"pip install 'tuopin\[spark\]' and Java 17"):
        engine.spark_session.__wrapped__()

    def unavailable() -> Any:
        raise EngineUnavailable(engine.SPARK_MISSING)

    monkeypatch.setattr(engine, "spark_session", unavailable)
    with pytest.raises(CommandError, match=r"optional extra"):
        call_command("assess", "--year", str(YEAR), "--engine", "spark")
