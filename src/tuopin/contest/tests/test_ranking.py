"""THE ranking of a round (issue 16, "Ranking rules"): trimming, scaling, weights, ties, grades; and the JSON contract
of `tuopin contest rank --input ROUND.json --json`."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tuopin.contest.ranking import RankingError, rank_round, round_from_json

THIRDS = {"method": "shares", "grades": [["好", 0.3333], ["较好", 0.3333], ["一般", 0.3334]]}
THRESHOLDS = {"method": "thresholds", "grades": [["好", 90], ["较好", 80], ["一般", 70]], "else": "较差"}


def _round(
    totals: dict[str, list[float]],
    *,
    trim: bool = True,
    weights: tuple[float, float] = (1.0, 0.0),
    grading: dict[str, Any] | None = None,
    indicators: dict[str, float] | None = None,
) -> dict[str, Any]:
    """A round with one item 汇报 (max 100) where judge Jn gives contestant `area` the n-th score of its list."""
    return {
        "items": [{"name": "汇报", "max": 100}],
        "trim": trim,
        "weights": {"judges": weights[0], "indicators": weights[1]},
        "grading": grading or THRESHOLDS,
        "contestants": [
            {"area": area, "indicator_score": (indicators or {}).get(area, 0)} for area in totals
        ],
        "scores": [
            {"judge": f"J{j + 1}", "area": area, "item": "汇报", "score": score}
            for area, scores in totals.items()
            for j, score in enumerate(scores)
        ],
    }


def _rank(data: dict[str, Any]) -> list[dict[str, Any]]:
    parsed = json.loads(json.dumps(data), parse_float=Decimal)
    return [placing.as_dict() for placing in rank_round(round_from_json(parsed))]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([60, 90, 99], 83.0),  # 3 judges: trimming would leave 1, so all count
        ([60, 80, 90, 99], 82.25),  # 4 judges: trimming would leave 2, so all count
        ([60, 80, 90, 95, 99], 88.33),  # 5 judges: 60 and 99 dropped, (80 + 90 + 95) / 3
    ],
)
def test_the_highest_and_lowest_are_dropped_only_when_three_judges_remain(
    scores: list[float], expected: float
) -> None:
    (placing,) = _rank(_round({"130881": scores}))
    assert placing["judges_score"] == expected
    untrimmed = _rank(_round({"130881": scores}, trim=False))[0]
    assert untrimmed["judges_score"] == round(sum(scores) / len(scores), 2)


def test_the_judges_score_is_scaled_to_100_by_the_sheets_maximum_and_weighted_with_the_indicators() -> None:
    data = {
        "items": [{"name": "汇报", "max": 100}, {"name": "答问", "max": 20}],
        "trim": False,
        "weights": {"judges": 0.6, "indicators": 0.4},
        "grading": THRESHOLDS,
        "contestants": [{"area": "130881", "indicator_score": 85.5}],
        "scores": [
            {"judge": "J1", "area": "130881", "item": "汇报", "score": 90},
            {"judge": "J1", "area": "130881", "item": "答问", "score": 18},
            {"judge": "J2", "area": "130881", "item": "汇报", "score": 80},
            {"judge": "J2", "area": "130881", "item": "答问", "score": 14},
        ],
    }
    (placing,) = _rank(data)
    # judges' totals 108 and 94 of 120: mean 101 → 84.1666…; 0.6 × 84.1666… + 0.4 × 85.5 = 84.70
    assert placing == {
        "area": "130881",
        "judges_score": 84.17,
        "indicator_score": 85.5,
        "total": 84.7,
        "rank": 1,
        "grade": "较好",
    }


def test_equal_totals_share_a_rank_are_listed_by_area_code_and_the_next_rank_is_skipped() -> None:
    ranking = _rank(_round({"130900": [85], "130881": [90], "130700": [85], "130600": [70]}, trim=False))
    assert [(p["area"], p["rank"]) for p in ranking] == [
        ("130881", 1),
        ("130700", 2),
        ("130900", 2),
        ("130600", 4),
    ]


def test_a_threshold_exactly_met_gives_the_grade_and_ties_at_a_boundary_both_get_the_better_one() -> None:
    ranking = _rank(_round({"1": [90], "2": [89.99], "3": [80], "4": [80], "5": [69.99]}, trim=False))
    assert {p["area"]: p["grade"] for p in ranking} == {
        "1": "好",
        "2": "较好",
        "3": "较好",
        "4": "较好",
        "5": "较差",
    }


def test_shares_of_eight_contestants_split_in_thirds_and_a_tie_across_a_boundary_takes_the_better_grade() -> (
    None
):
    field = {str(n): [100 - n] for n in range(1, 9)}  # totals 99, 98, …, 92: ranks 1 … 8
    grades = [p["grade"] for p in _rank(_round(field, trim=False, grading=THIRDS))]
    # 0.3333 × 8 = 2.67 → ranks 1–2 好; 0.6666 × 8 = 5.33 → ranks 3–5 较好; the rest 一般
    assert grades == ["好", "好", "较好", "较好", "较好", "一般", "一般", "一般"]
    field["3"] = [98]  # ties with the second at rank 2, inside 好's share
    tied = {p["area"]: (p["rank"], p["grade"]) for p in _rank(_round(field, trim=False, grading=THIRDS))}
    assert tied["2"] == tied["3"] == (2, "好")
    assert tied["4"] == (4, "较好")


def test_six_contestants_split_in_thirds_written_to_four_places_are_two_two_two() -> None:
    field = {str(n): [100 - n] for n in range(1, 7)}
    grades = [p["grade"] for p in _rank(_round(field, trim=False, grading=THIRDS))]
    assert grades == ["好", "好", "较好", "较好", "一般", "一般"]


def test_every_problem_of_a_round_is_named_at_once() -> None:
    data = _round({"130881": [90, 80], "130882": [70]}, trim=False)
    data["scores"].append({"judge": "J1", "area": "130999", "item": "汇报", "score": 50})
    data["scores"].append({"judge": "J1", "area": "130881", "item": "答辩", "score": 5})
    data["scores"][0]["score"] = 101
    with pytest.raises(RankingError) as refused:
        _rank(data)
    problems = refused.value.problems
    assert "judge J1, contestant 130881, item '汇报': the score 101 is outside 0–100" in problems
    assert "judge J1, contestant 130999, item '汇报': unknown contestant 130999" in problems
    assert "judge J1, contestant 130881, item '答辩': unknown item '答辩'" in problems
    assert "judge J2: no scores for contestant 130882" in problems


def test_a_malformed_round_is_refused_naming_each_part() -> None:
    with pytest.raises(RankingError) as refused:
        round_from_json({"items": [{"name": "汇报"}], "weights": {"judges": "a lot"}, "contestants": {}})
    problems = refused.value.problems
    assert "items[0].max must be a number, not None" in problems
    assert "weights.judges must be a number, not 'a lot'" in problems
    assert "contestants must be a list" in problems
    assert "grading must be an object with a method and grades" in problems


def test_weights_must_add_up_to_one() -> None:
    with pytest.raises(RankingError, match="must add up to 1"):
        _rank(_round({"1": [90]}, weights=(0.6, 0.6)))


def test_the_command_prints_the_ranking_of_a_file_in_the_contract_shape(tmp_path: Path) -> None:
    path = tmp_path / "round.json"
    path.write_text(json.dumps(_round({"130881": [90, 80, 70], "130882": [95, 85, 75]}, trim=False)), "utf-8")
    out = StringIO()
    call_command("contest", "rank", "--input", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "ranking": [
            {
                "area": "130882",
                "judges_score": 85.0,
                "indicator_score": 0.0,
                "total": 85.0,
                "rank": 1,
                "grade": "较好",
            },
            {
                "area": "130881",
                "judges_score": 80.0,
                "indicator_score": 0.0,
                "total": 80.0,
                "rank": 2,
                "grade": "较好",
            },
        ]
    }


def test_the_command_refuses_a_bad_file_naming_the_problem_and_prints_no_result(tmp_path: Path) -> None:
    path = tmp_path / "round.json"
    data = _round({"130881": [90, 80, 70]})
    data["scores"][1]["score"] = 150
    path.write_text(json.dumps(data), "utf-8")
    out = StringIO()
    with pytest.raises(
        CommandError, match=r"judge J2, contestant 130881, item '汇报': the score 150 is outside"
    ):
        call_command("contest", "rank", "--input", str(path), "--json", stdout=out)
    assert out.getvalue() == ""
    path.write_text("{not json", "utf-8")
    with pytest.raises(CommandError, match="is not JSON: line 1"):
        call_command("contest", "rank", "--input", str(path), "--json", stdout=out)
