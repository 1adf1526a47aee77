"""The snapshot refreshes only the households whose history moved since the last refresh, and the result is the
same as a snapshot written afresh."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tuopin.assessment.engine import run_duckdb
from tuopin.assessment.rules import household_exit
from tuopin.assessment.services import params_for
from tuopin.assessment.snapshot import snapshot_refresh, snapshot_write
from tuopin.conftest import RegisterHousehold
from tuopin.registry.models import Member
from tuopin.registry.services import income_set, member_remove

pytestmark = pytest.mark.django_db
AMOUNTS = {
    "wage": Decimal("9000"),
    "business": Decimal(0),
    "property_income": Decimal(0),
    "transfer": Decimal(0),
    "costs": Decimal(0),
}


def _decisions(folder: Path) -> list[tuple[str, bool, int]]:
    table = run_duckdb(household_exit(params_for(2019, "13")), folder)
    return sorted(
        zip(
            table.column("number").to_pylist(),
            table.column("may_exit").to_pylist(),
            table.column("persons").to_pylist(),
            strict=True,
        )
    )


def test_only_changed_households_are_read_again(register: RegisterHousehold, tmp_path: Path) -> None:
    households = [register(f"H{i:03}", water_safe=True) for i in range(5)]
    for household in households:
        income_set(actor=None, household=household, year=2019, amounts=AMOUNTS, reason="2019")
    live = tmp_path / "live"
    assert snapshot_refresh(live)["mode"] == "full"
    again = snapshot_refresh(live)
    assert (again["mode"], again["changed_households"]) == ("incremental", 0)
    # One income raised, one member removed, one household registered.
    income_set(
        actor=None,
        household=households[0],
        year=2019,
        amounts={**AMOUNTS, "wage": Decimal("12000")},
        reason="更正",
    )
    member_remove(
        actor=None,
        member=Member.objects.get(household=households[1], relation="son"),
        left_on=date(2019, 3, 1),
        reason="迁出",
    )
    register("H100", water_safe=True)
    refreshed = snapshot_refresh(live)
    assert (refreshed["mode"], refreshed["changed_households"]) == ("incremental", 3)
    assert refreshed["registry_household"] == 6 and refreshed["registry_member"] == 18
    assert pq.ParquetFile(live / "registry_income.parquet").metadata.num_rows == 5
    fresh = tmp_path / "fresh"
    snapshot_write(fresh)
    assert _decisions(live) == _decisions(fresh)
    assert ("H000", True, 3) in _decisions(live) and ("H001", True, 2) in _decisions(live)


def test_a_missing_file_means_a_full_refresh(register: RegisterHousehold, tmp_path: Path) -> None:
    register("H001")
    snapshot_refresh(tmp_path)
    (tmp_path / "registry_member.parquet").unlink()
    assert snapshot_refresh(tmp_path)["mode"] == "full"


def test_the_snapshot_holds_the_values_of_the_database(register: RegisterHousehold, tmp_path: Path) -> None:
    """Dates, money to the cent (SQLite keeps it as REAL), booleans and nulls come out as the models hold them."""
    household = register("H001", water_safe=None, relocated=True)
    income_set(
        actor=None,
        household=household,
        year=2019,
        reason="录入",
        amounts={
            **AMOUNTS,
            "wage": Decimal("9654.01"),
            "transfer": Decimal("0.07"),
            "costs": Decimal("1234.56"),
        },
    )
    member_remove(
        actor=None,
        member=Member.objects.get(household=household, relation="son"),
        left_on=date(2019, 8, 31),
        reason="迁出",
    )
    snapshot_write(tmp_path)
    incomes = pq.read_table(tmp_path / "registry_income.parquet").to_pylist()
    assert [(r["wage"], r["transfer"], r["costs"]) for r in incomes] == [
        (Decimal("9654.01"), Decimal("0.07"), Decimal("1234.56"))
    ]
    members = {r["id"]: r for r in pq.read_table(tmp_path / "registry_member.parquet").to_pylist()}
    for member in Member.objects.filter(household=household):
        row = members[member.pk]
        assert (row["birth_date"], row["left_on"], row["medical_insurance"]) == (
            member.birth_date,
            member.left_on,
            member.medical_insurance,
        )
    (row,) = pq.read_table(tmp_path / "registry_household.parquet").to_pylist()
    assert (row["water_safe"], row["relocated"], row["exit_year"]) == (None, True, None)
