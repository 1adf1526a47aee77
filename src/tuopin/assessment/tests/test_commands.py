"""`tuopin assess` prints the documented JSON; the household page shows the live decision with its reasons."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tuopin.accounts.models import User
from tuopin.areas.models import Area, AreaYear
from tuopin.conftest import RegisterHousehold, client_for
from tuopin.registry.models import Income

pytestmark = pytest.mark.django_db


def _household(register: RegisterHousehold, number: str, net: str) -> None:
    household = register(number, water_safe=True)
    Income.objects.create(
        household=household, year=2019, wage=Decimal(net), business=0, property_income=0, transfer=0, costs=0
    )


def test_assess_household_json(register: RegisterHousehold, capsys: pytest.CaptureFixture[str]) -> None:
    _household(register, "H001", "9000")
    call_command("assess", "household", "H001", "--year", "2019", "--json")
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert data["household"] == "H001" and data["may_exit"] is False
    assert (data["per_capita_net_income"], data["line"]) == (3000.0, 3218.0)
    assert [(r["rule"], r["ok"]) for r in data["reasons"]] == [
        ("income", False),
        ("education", True),
        ("medical", True),
        ("housing", True),
        ("water", True),
    ]
    with pytest.raises(CommandError, match="no such household"):
        call_command("assess", "household", "NOPE", "--year", "2019")


@pytest.mark.parametrize("engine", ["duckdb", "db"])
def test_assess_area_json(
    register: RegisterHousehold,
    tree: dict[str, Area],
    engine: str,
    capsys: pytest.CaptureFixture[str],
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    _household(register, "H001", "9000")
    _household(register, "H002", "12000")
    AreaYear.objects.create(area=tree["130126100201"], year=2019, rural_population=1000)
    call_command("assess", "--year", "2019", "--area", "130126", "--engine", engine, "--json")
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert (data["year"], data["engine"]) == (2019, engine)
    assert data["households"] == {"assessed": 2, "may_exit": 1, "remain_poor": 1}
    areas = {a["code"]: a for a in data["areas"]}
    assert set(areas) == {"130126", "130126100", "130126100201", "130126100202"}
    assert areas["130126100201"] == {
        "code": "130126100201",
        "level": "village",
        "rural_population": 1000,
        "poor_persons": 3,
        "incidence": 0.003,
        "may_exit": True,
        "reasons": ["贫困发生率 0.30% 低于 2%"],
    }
    assert areas["130126"]["level"] == "county" and areas["130126"]["incidence"] is None


def test_the_household_page_shows_the_decision_and_its_reasons(
    register: RegisterHousehold, own: User
) -> None:
    _household(register, "H001", "9000")
    page = client_for(own).get("/registry/households/H001/").content.decode()
    assert 'data-testid="decision"' in page and "2019 年退出条件" in page and "不符合退出条件" in page
    assert 'data-rule="income" data-ok="0"' in page and 'data-rule="housing" data-ok="1"' in page
    assert "人均纯收入 3000.00 元，标准 3218 元" in page


def test_what_if_shows_both_sides_and_touches_nothing(
    register: RegisterHousehold,
    tree: dict[str, Area],
    capsys: pytest.CaptureFixture[str],
    settings: Any,
    tmp_path: Any,
) -> None:
    from tuopin.assessment.models import Run
    from tuopin.policy.models import PolicyValue
    from tuopin.registry.models import Change

    settings.DATA_DIR = tmp_path
    _household(register, "H001", "10000")  # 3,333 a head: above 3,218, below 3,500
    _household(register, "H002", "12000")  # 4,000 a head: above both
    before = (Change.objects.count(), PolicyValue.objects.count())
    call_command("assess", "--year", "2019", "--area", "130126", "--what-if", "poverty_line=3500", "--json")
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert data["households"] == {
        "real": {"assessed": 2, "may_exit": 2},
        "what_if": {"assessed": 2, "may_exit": 1},
    }
    assert data["changed"] == [{"household": "H001", "real": True, "what_if": False}]
    village = next(a for a in data["areas"] if a["code"] == "130126100201")
    assert village["poor_persons"] == [0, 3]
    assert (Change.objects.count(), PolicyValue.objects.count(), Run.objects.count()) == (*before, 0)
    with pytest.raises(CommandError, match="not used by the exit rules"):
        call_command("assess", "--year", "2019", "--what-if", "notice_days=5")
    with pytest.raises(CommandError):
        call_command("assess", "--year", "2019", "--what-if", "poverty_line=abc")
