"""`tuopin medwaste compliance` and `tuopin medwaste capacity`: the JSON contract, the summary and the refusals."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tuopin.medwaste.management.commands.medwaste import Command
from tuopin.medwaste.tests import test_rules
from tuopin.medwaste.tests.test_rules import Give

network, give = test_rules.network, test_rules.give  # the fixtures

QUARTER = ("--from", "2019-01-01", "--to", "2019-03-31")


def run(*args: str) -> str:
    out = StringIO()
    call_command("medwaste", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_json_exactly(give: Give) -> None:
    give("F1", "P1", "2018-12-31T08:00")
    give("F1", "P1", "2019-01-02T08:01")
    give("P1", "D1", "2019-01-02T12:00", kg="10")
    give("H1", "D1", "2019-01-02T08:00")
    data = json.loads(
        run("compliance", *QUARTER, "--area", "130126", "--as-of", "2019-01-03T08:00", "--json")
    )
    assert data == {
        "late_collections": 1,
        "late_removals": 0,
        "overstays": 1,
        "imbalances": 0,
        "townships_without_point": 0,
        "facilities_unattached": 0,
        "items": [
            {
                "rule": "late_collection",
                "place": "F1",
                "from": "2018-12-31T08:00:00+08:00",
                "to": "2019-01-02T08:01:00+08:00",
                "hours": 48.02,
                "kg": None,
            },
            {
                "rule": "overstay",
                "place": "P1",
                "from": "2018-12-31T08:00:00+08:00",
                "to": "2019-01-02T12:00:00+08:00",
                "hours": 52.0,
                "kg": 10.0,
            },
        ],
    }


def test_it_lists_every_rule_in_order_of_rule_place_and_time(give: Give) -> None:
    give("F1", "P1", "2019-01-01T08:00", kg="10")
    give("P1", "D1", "2019-01-02T08:00", kg="10.6", category="sharps")
    data = json.loads(run("compliance", "--from", "2019-01-01", "--to", "2019-01-04", "--json"))
    keys = [(item["rule"], item["place"], item["from"]) for item in data["items"]]
    assert keys == sorted(keys)
    assert list(data) == [
        "late_collections",
        "late_removals",
        "overstays",
        "imbalances",
        "townships_without_point",
        "facilities_unattached",
        "items",
    ]
    assert (
        data["overstays"],
        data["imbalances"],
        data["townships_without_point"],
        data["facilities_unattached"],
    ) == (
        1,
        1,
        3,
        2,
    )
    overstay = next(item for item in data["items"] if item["rule"] == "overstay")
    assert (overstay["place"], overstay["to"], overstay["hours"], overstay["kg"]) == (
        "P1",
        "2019-01-05T00:00:00+08:00",
        88.0,
        10.0,
    )


def test_it_prints_a_readable_summary_without_json(give: Give) -> None:
    give("F1", "P1", "2019-01-01T08:00")
    text = run("compliance", "--from", "2019-01-01", "--to", "2019-01-04", "--area", "130126")
    assert "late collections" in text and "late_collection" in text and "F1" in text


def test_it_prints_each_citys_capacity(network: object) -> None:
    data = json.loads(run("capacity", "--json"))
    assert data == {
        "cities": [
            {
                "city": "1301",
                "name": "石家庄市",
                "expected_tonnes_per_day": 0.5,
                "capacity_tonnes_per_day": 0.4,
                "gap_tonnes_per_day": 0.1,
            },
            {
                "city": "1307",
                "name": "张家口市",
                "expected_tonnes_per_day": 0.0,
                "capacity_tonnes_per_day": 0.1,
                "gap_tonnes_per_day": -0.1,
            },
        ]
    }


@pytest.mark.parametrize(
    "args",
    [
        ("--from", "2019-13-01", "--to", "2019-03-31"),
        ("--from", "2019-01-01", "--to", "2019-03-31", "--as-of", "tomorrow"),
        ("--from", "2019-03-31", "--to", "2019-01-01"),
        (*QUARTER, "--area", "139999"),
    ],
)
def test_it_refuses_bad_input_on_stderr_with_nothing_on_stdout(
    network: object, args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["tuopin", "medwaste", "compliance", *args, "--json"])
    assert exit_.value.code != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("CommandError: ")


def test_it_refuses_capacity_for_an_unknown_area(network: object, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["tuopin", "medwaste", "capacity", "--area", "139999", "--json"])
    assert exit_.value.code != 0
    assert capsys.readouterr().out == ""


def test_it_prints_the_capacity_of_the_city_holding_the_area(network: object) -> None:
    assert [city["city"] for city in json.loads(run("capacity", "--area", "130722", "--json"))["cities"]] == [
        "1307"
    ]
