"""The screening rules give the same rows on Spark (local mode) as on DuckDB, over the same snapshot and feeds."""

from __future__ import annotations

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

from tuopin.administration.policy_services import policy_set
from tuopin.assessment import engine
from tuopin.conftest import RegisterHousehold
from tuopin.monitoring.services import screen_rows
from tuopin.monitoring.tests.test_screening import _exited, _feed, _person
from tuopin.registry.idnumbers import make_id
from tuopin.registry.models import Income, Member

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def _spark() -> Iterator[None]:
    engine.spark_session()
    yield
    engine.spark_session().stop()
    engine.spark_session.cache_clear()


def test_screening_on_spark_matches_duckdb(
    register: RegisterHousehold, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    policy_set(
        actor=None, key="rural_disposable_income", year=2023, value="20000", province="13", source="测试"
    )
    policy_set(actor=None, key="monitoring_line", year=2024, value="7000", province="13", source="测试")
    policy_set(actor=None, key="income_drop_ratio", year=2024, value="0.3", province="13", source="测试")
    policy_set(actor=None, key="disaster_loss_ratio", year=2024, value="0.5", province="13", source="测试")
    households = [_exited(register, f"H00{n}") for n in range(1, 6)]
    for household, (before, after) in zip(
        households,
        [("9000", "20000"), ("40000", "20000"), ("30000", "30000"), ("9000", "9000"), ("50000", "10000")],
        strict=True,
    ):
        for year, wage in ((2022, before), (2023, after)):
            Income.objects.create(
                household=household,
                year=year,
                wage=Decimal(wage),
                business=0,
                property_income=0,
                transfer=0,
                costs=0,
            )
    heads = [Member.objects.get(household=h, relation="head") for h in households]
    stranger = make_id("130126", date(1955, 5, 5), 901, female=False)
    _feed(
        tmp_path,
        "medical",
        [
            {
                **_person(heads[0]),
                "settled_on": date(2024, 3, 1),
                "visit_type": "inpatient",
                "total_cost": Decimal(40000),
                "reimbursed": Decimal(25000),
                "out_of_pocket": Decimal("15000.50"),
            },
            {
                **_person(id_number=stranger),
                "settled_on": date(2024, 4, 1),
                "visit_type": "inpatient",
                "total_cost": Decimal(60000),
                "reimbursed": Decimal(30000),
                "out_of_pocket": Decimal(30000),
            },
        ],
    )
    _feed(tmp_path, "housing", [{**_person(heads[2]), "appraised_on": date(2024, 2, 1), "rating": "D"}])
    _feed(
        tmp_path,
        "disaster",
        [{**_person(heads[3]), "occurred_on": date(2024, 5, 1), "hazard": "洪涝", "loss": Decimal(8000)}],
    )
    _feed(tmp_path, "civil", [])
    as_of = date(2024, 6, 28)
    on_duckdb, _skipped = screen_rows(as_of, snapshot=tmp_path / "snapshot")
    on_spark, _skipped = screen_rows(as_of, snapshot=tmp_path / "snapshot", engine="spark")
    key = lambda r: (r["rule"], r["household_id"] or 0, r["person_index"] or "")  # noqa: E731
    assert sorted(on_spark, key=key) == sorted(on_duckdb, key=key)
    assert {r["rule"] for r in on_duckdb} == {"medical", "income", "income_drop", "housing", "disaster"}
    assert any(r["household_id"] is None for r in on_duckdb)  # the stranger, on both engines
