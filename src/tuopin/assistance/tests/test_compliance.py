"""Duty compliance arithmetic across period boundaries (pure: no database)."""

from __future__ import annotations

from datetime import date

import pytest

from tuopin.assistance import periods
from tuopin.assistance.visits import DutyFacts, VisitFacts, compliance

LATER = date(2030, 1, 1)
VILLAGE = "130828100201"


def duty(
    frequency: str,
    *,
    per: int = 1,
    start: date = date(2019, 1, 1),
    end: date | None = None,
    target: str = VILLAGE,
    kind: str = "village",
    who: str = "张三",
) -> DutyFacts:
    return DutyFacts(who, kind, target, frequency, per, start, end)


def visit(
    on: date, *, target: str = VILLAGE, kind: str = "village", who: str = "张三", area: str = ""
) -> VisitFacts:
    return VisitFacts(who, kind, target, area or target, on)


def judge(
    duties: list[DutyFacts], visits: list[VisitFacts], label: str, as_of: date = LATER
) -> dict[str, object]:
    return compliance(duties, visits, periods.parse(label), as_of=as_of).as_dict()


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2019", date(2019, 1, 1), date(2019, 12, 31)),
        ("2019H2", date(2019, 7, 1), date(2019, 12, 31)),
        ("2019Q3", date(2019, 7, 1), date(2019, 9, 30)),
        ("2019-02", date(2019, 2, 1), date(2019, 2, 28)),
        ("2020-02", date(2020, 2, 1), date(2020, 2, 29)),
        ("2019W27", date(2019, 7, 1), date(2019, 7, 7)),
        ("2020W01", date(2019, 12, 30), date(2020, 1, 5)),
        ("2020W53", date(2020, 12, 28), date(2021, 1, 3)),
    ],
)
def test_it_parses_every_period_syntax(label: str, start: date, end: date) -> None:
    period = periods.parse(label)
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize("label", ["2019H3", "2019Q5", "2019-13", "2019W53", "19", "2019-7", "soon"])
def test_it_refuses_what_is_not_a_period(label: str) -> None:
    with pytest.raises(ValueError, match="not a period"):
        periods.parse(label)


def test_a_quarterly_duty_is_judged_twice_in_a_half_and_a_yearly_one_only_in_a_year() -> None:
    duties = [duty("quarter"), duty("year", who="李四")]
    result = judge(duties, [visit(date(2019, 8, 1))], "2019H2")
    assert result == {
        "period": "2019H2",
        "duties": 2,
        "met": 1,
        "missed": [{"who": "张三", "target": VILLAGE, "period": "2019Q4", "required": 1, "done": 0}],
    }
    assert judge(duties, [], "2019")["duties"] == 4 + 1
    assert judge(duties, [], "2019Q3")["duties"] == 1


def test_a_visit_on_the_last_day_of_a_quarter_counts_for_that_quarter_only() -> None:
    visits = [visit(date(2019, 9, 30))]
    result = judge([duty("quarter")], visits, "2019H2")
    assert result["met"] == 1 and [m["period"] for m in result["missed"]] == ["2019Q4"]  # type: ignore[union-attr]
    assert judge([duty("quarter")], [visit(date(2019, 10, 1))], "2019Q3")["met"] == 0


def test_two_visits_per_period_are_required_when_the_duty_says_so() -> None:
    one, two = [visit(date(2019, 7, 3))], [visit(date(2019, 7, 3)), visit(date(2019, 7, 3))]
    assert judge([duty("month", per=2)], one, "2019-07")["missed"] == [
        {"who": "张三", "target": VILLAGE, "period": "2019-07", "required": 2, "done": 1}
    ]
    assert judge([duty("month", per=2)], two, "2019-07")["met"] == 1


def test_iso_weeks_across_the_new_year_belong_to_the_year_of_their_thursday() -> None:
    weekly = duty("week", start=date(2019, 1, 1))
    # 2020W01 runs 2019-12-30 .. 2020-01-05: it is a week of 2020 (and of 2020Q1, 2020-01), not of 2019.
    assert [p.label for p in periods.within(periods.parse("2019"), "week")][-1] == "2019W52"
    assert periods.within(periods.parse("2020-01"), "week")[0].label == "2020W01"
    assert len(periods.within(periods.parse("2020"), "week")) == 53
    result = judge([weekly], [visit(date(2019, 12, 31))], "2020W01")
    assert (result["duties"], result["met"]) == (1, 1)  # a visit on 31 December counts for 2020W01
    assert judge([weekly], [visit(date(2019, 12, 31))], "2019-12")["duties"] == 4  # W49..W52, not W01
    assert sum(judge([weekly], [], f"2020Q{q}")["duties"] for q in range(1, 5)) == 53  # type: ignore[misc]


def test_a_duty_starting_mid_period_is_not_judged_for_that_period() -> None:
    result = judge([duty("quarter", start=date(2019, 8, 15))], [], "2019H2")
    assert result["duties"] == 1 and result["missed"][0]["period"] == "2019Q4"  # type: ignore[index]
    assert judge([duty("quarter", start=date(2019, 10, 1))], [], "2019H2")["duties"] == 1
    ended = duty("quarter", start=date(2019, 1, 1), end=date(2019, 11, 30))
    assert judge([ended], [], "2019H2")["duties"] == 1  # Q4 is cut short: not judged
    assert (
        judge([duty("week", start=date(2020, 1, 1))], [], "2020W01")["duties"] == 0
    )  # the week began in 2019


def test_a_visit_counts_for_the_same_person_at_the_target_or_inside_it() -> None:
    county = duty("year", kind="county", target="130828")
    assert judge([county], [visit(date(2019, 5, 1), target=VILLAGE)], "2019")["met"] == 1
    assert judge([county], [visit(date(2019, 5, 1), target="130825100201")], "2019")["met"] == 0
    assert judge([county], [visit(date(2019, 5, 1), who="李四")], "2019")["met"] == 0
    household = duty("month", kind="household", target="H001")
    assert (
        judge(
            [household], [visit(date(2019, 7, 9), kind="household", target="H001", area=VILLAGE)], "2019-07"
        )["met"]
        == 1
    )
    assert (
        judge([household], [visit(date(2019, 7, 9))], "2019-07")["met"] == 0
    )  # the village is not the household
    assert (
        judge(
            [duty("month")],
            [visit(date(2019, 7, 9), kind="household", target="H001", area=VILLAGE)],
            "2019-07",
        )["met"]
        == 1
    )


def test_periods_not_over_on_the_as_of_date_are_not_judged_yet() -> None:
    assert judge([duty("quarter")], [], "2019H2", as_of=date(2019, 11, 1))["duties"] == 1
    assert judge([duty("quarter")], [], "2019H2", as_of=date(2020, 1, 1))["duties"] == 2
