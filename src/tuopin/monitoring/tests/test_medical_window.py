"""The medical rule over its twelve months (issue 14): a household's out-of-pocket costs summed over all its
members and every row settled after the same day a year before the as-of date, up to and including it, whatever
file, batch or period the rows came in (through the real import); the evidence lists every row counted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.test import override_settings

from tuopin.accounts.models import User
from tuopin.conftest import RegisterHousehold, client_for
from tuopin.core.crypto import decrypt
from tuopin.feeds.services import feed_import
from tuopin.feeds.tests.factories import write_csv
from tuopin.monitoring.models import Alert
from tuopin.monitoring.tests.test_screening import _exited, _run, data_dir  # noqa: F401
from tuopin.registry.models import Household, Member

pytestmark = pytest.mark.django_db
AS_OF = date(2024, 6, 30)


def claim(member: Member, on: date, cost: str) -> dict[str, str]:
    return {
        "身份证号": decrypt(member.id_encrypted),
        "结算日期": on.isoformat(),
        "就诊类型": "住院",
        "医疗总费用": cost,
        "报销金额": "0",
        "个人自付": cost,
    }


def _import(folder: Path, name: str, rows: list[dict[str, str]], period: str = "") -> None:
    report = feed_import(
        actor=None, source="medical", path=write_csv(folder / name, "medical", rows), period=period
    )
    assert report.accepted == len(rows), report


def _member(household: Household, relation: str) -> Member:
    return Member.objects.get(household=household, relation=relation)


def test_two_stays_across_a_year_end_in_one_file_add_up(register: RegisterHousehold, data_dir: Path) -> None:  # noqa: F811
    household = _exited(register, "H001")
    head = _member(household, "head")
    _import(
        data_dir,
        "m.csv",
        [claim(head, date(2023, 9, 10), "6000"), claim(head, date(2024, 3, 2), "4500")],
        period="2024-03",
    )
    assert _run(AS_OF)["by_rule"]["medical"] == 1
    alert = Alert.objects.get()
    assert (alert.household, alert.evidence["amount"], alert.evidence["threshold"]) == (
        household,
        "10500.00",
        "10000.00",
    )
    assert alert.evidence["rows"] == 2


def test_an_ordinary_household_has_the_higher_limit_across_the_year_end(
    register: RegisterHousehold,
    data_dir: Path,  # noqa: F811
) -> None:
    household = register("H001", population_type="ordinary", status="")
    head = _member(household, "head")
    _import(
        data_dir, "m.csv", [claim(head, date(2023, 12, 5), "20000"), claim(head, date(2024, 5, 6), "5000")]
    )
    assert _run(AS_OF)["by_rule"]["medical"] == 1
    alert = Alert.objects.get()
    assert (alert.evidence["amount"], alert.evidence["threshold"]) == ("25000.00", "20000.00")


def test_members_of_one_household_are_summed_together_across_batches(
    register: RegisterHousehold,
    own: User,
    data_dir: Path,  # noqa: F811
) -> None:
    household = _exited(register, "H001")
    head, spouse, son = (_member(household, relation) for relation in ("head", "spouse", "son"))
    _import(
        data_dir,
        "a.csv",
        [claim(head, date(2023, 9, 10), "6000"), claim(head, date(2023, 5, 1), "777.77")],
        period="2023-09",
    )
    _import(
        data_dir,
        "b.csv",
        [claim(spouse, date(2024, 3, 2), "3000"), claim(son, date(2024, 4, 2), "1500")],
        period="2024-03",
    )
    assert _run(AS_OF)["by_rule"]["medical"] == 1
    alert = Alert.objects.get()
    assert alert.household == household and alert.evidence["amount"] == "10500.00"
    assert alert.evidence["rows"] == 3 and alert.person_masked == ""  # three members: the household's alert
    with override_settings(DATA_DIR=data_dir):
        page = client_for(own).get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    table = page[page.index('data-testid="feed-rows"') :]
    for member, cost in ((head, "6000.00"), (spouse, "3000.00"), (son, "1500.00")):
        assert member.id_masked in table and cost in table
    assert "777.77" not in table  # settled before the twelve months: not counted, not listed


def test_one_members_costs_name_that_member(register: RegisterHousehold, data_dir: Path) -> None:  # noqa: F811
    household = _exited(register, "H001")
    head = _member(household, "head")
    _import(data_dir, "m.csv", [claim(head, date(2024, 2, 1), "10000.01")])
    _run(AS_OF)
    assert Alert.objects.get().person_masked == head.id_masked


def test_the_window_takes_the_day_after_a_year_before_and_the_as_of_date(
    register: RegisterHousehold,
    data_dir: Path,  # noqa: F811
) -> None:
    inside, outside = _exited(register, "H001"), _exited(register, "H002")
    a, b = _member(inside, "head"), _member(outside, "head")
    _import(
        data_dir,
        "m.csv",
        [
            claim(a, date(2023, 7, 1), "5000"),
            claim(a, date(2024, 6, 30), "5000.01"),  # the first and last days
            claim(b, date(2023, 6, 30), "5000"),
            claim(b, date(2024, 7, 1), "5000.01"),  # a day before, a day after
            claim(b, date(2024, 1, 1), "5000"),
        ],
    )
    _run(AS_OF)
    assert [alert.household for alert in Alert.objects.all()] == [inside]
