"""The `prefix` lookup matches exactly the values that start with the given text, and the database answers it from an index."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tuopin.areas.models import Area
from tuopin.conftest import RegisterHousehold
from tuopin.registry.models import Household, Member

pytestmark = pytest.mark.django_db


def _names(register: RegisterHousehold) -> list[str]:
    for i, name in enumerate(
        ["王", "王五", "王小明", "汪洋", "黄王", "王\U0010ffff", "Wang", "wang", "王%_"]
    ):
        register(f"N{i:03}", head=name)
    return list(Member.objects.values_list("name", flat=True))


@pytest.mark.parametrize(
    "value", ["王", "王小", "汪", "Wa", "w", "王%", "王%_", "王\U0010ffff", "", "黄王", "x"]
)
def test_prefix_matches_exactly_the_names_that_start_with_the_value(
    register: RegisterHousehold, value: str
) -> None:
    expected = {
        name for name in _names(register) if name.startswith(value)
    }  # case-sensitive, % and _ literal
    assert set(Member.objects.filter(name__prefix=value).values_list("name", flat=True)) == expected
    assert expected or value == "x"


def test_area_codes_by_prefix(tree: dict[str, Area]) -> None:
    assert set(Area.objects.filter(code__prefix="1301").values_list("code", flat=True)) == {
        code for code in tree if code.startswith("1301")
    }
    # 1301 is not a prefix of 1310 nor of 130: the range ends before the next code point.
    Area.objects.create(code="1310", name="廊坊市", level="city", parent=tree["13"])
    assert not Area.objects.filter(code__prefix="1301", name="廊坊市").exists()


def _plan(sql: str, params: tuple[Any, ...]) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SET LOCAL enable_seqscan = off"
            )  # a tiny table: ask whether an index COULD answer
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " ".join(str(row) for row in cursor.fetchall())


@pytest.mark.parametrize(
    "queryset",
    [
        lambda: Member.objects.filter(name__prefix="王小").values("id"),
        lambda: Household.objects.filter(village__code__prefix="130126").values("id"),
        lambda: Household.objects.filter(number__prefix="N00").values("id"),
    ],
    ids=["member name", "household village", "household number"],
)
def test_the_prefix_is_answered_from_an_index(register: RegisterHousehold, queryset: object) -> None:
    _names(register)
    sql, params = queryset().query.sql_with_params()  # type: ignore[operator]
    plan = _plan(sql, params)
    assert "Index" in plan or "INDEX" in plan, plan
    assert "Seq Scan" not in plan and "SCAN registry" not in plan, plan


@pytest.mark.parametrize("wanted", [[], ["N001"], ["N000", "N002", "nope"]])
def test_among_matches_exactly_the_listed_values(register: RegisterHousehold, wanted: list[str]) -> None:
    for i in range(3):
        register(f"N{i:03}")
    assert set(Household.objects.filter(number__among=wanted).values_list("number", flat=True)) == (
        set(wanted) & {"N000", "N001", "N002"}
    )
    ids = list(Household.objects.filter(number__in=wanted).values_list("pk", flat=True))
    assert Household.objects.filter(pk__among=ids).count() == len(ids)
    members = set(Member.objects.filter(household_id__in=ids).values_list("pk", flat=True))
    assert set(Member.objects.filter(household_id__among=ids).values_list("pk", flat=True)) == members
