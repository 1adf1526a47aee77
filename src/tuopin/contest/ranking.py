"""THE ranking of an arena contest (擂台赛): one pure function used by the pages, the report, the API and the CLI.

The rules (issue 16, POLICY.md §6):

- a judge's total for a contestant is the sum of the judge's item scores (every item, 0 ≤ score ≤ the item's maximum);
- the judges' score is the mean of the judges' totals, scaled to 100 by the sheet's maximum (the sum of the items'
  maxima); with `trim`, one highest and one lowest total are dropped first, but only when at least three judges
  remain after dropping (five judges or more), so that a small panel is never averaged over one or two people;
- the total is `w_judges × judges' score + w_indicators × indicator score`, rounded half up to 2 decimals;
- equal totals share a rank (standard competition ranking: 1, 2, 2, 4) and are listed by area code;
- grades by thresholds (the first grade whose threshold the total meets, `total ≥ t`, else the `else` grade) or by
  shares of the field (the first grade whose cumulative share × the number of contestants reaches the rank, a share
  written rounded such as 0.3333 read as the third it means), so tied contestants always get the same, better grade.

Stdlib only, exact decimal arithmetic throughout (the input's numbers are read as decimals, not floats), so the same
input gives the same ranking on every machine and a past round is reproduced to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MIN_KEPT_AFTER_TRIM = 3
WEIGHT_TOLERANCE = Decimal("0.000001")
SHARE_TOLERANCE = Decimal("0.001")


class RankingError(ValueError):
    """Everything wrong with a round's input, each problem in one sentence that names what it is about."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Item:
    name: str
    max: Decimal


@dataclass(frozen=True)
class Grading:
    method: str  # "thresholds" or "shares"
    grades: tuple[tuple[str, Decimal], ...]  # (grade, threshold) best first, or (grade, share) best first
    otherwise: str = ""  # thresholds: the grade of a total below every threshold


@dataclass(frozen=True)
class Contestant:
    area: str
    indicator_score: Decimal


@dataclass(frozen=True)
class Score:
    judge: str
    area: str
    item: str
    score: Decimal


@dataclass(frozen=True)
class RoundInput:
    items: tuple[Item, ...]
    trim: bool
    w_judges: Decimal
    w_indicators: Decimal
    grading: Grading
    contestants: tuple[Contestant, ...]
    scores: tuple[Score, ...]


@dataclass(frozen=True)
class Placing:
    area: str
    judges_score: Decimal  # 0–100, rounded to 2 decimals for display; the total uses the exact value
    indicator_score: Decimal
    total: Decimal
    rank: int
    grade: str
    judge_totals: dict[str, Decimal]  # judge → total of the items (for the report)
    dropped: tuple[str, ...]  # the judges whose totals were dropped by the trim

    def as_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "judges_score": float(self.judges_score),
            "indicator_score": float(self.indicator_score),
            "total": float(self.total),
            "rank": self.rank,
            "grade": self.grade,
        }


def rank_round(round_input: RoundInput) -> list[Placing]:
    """The ranking of a round, in rank order (ties by area code). RankingError lists every problem at once."""
    problems = _problems(round_input)
    if problems:
        raise RankingError(problems)
    maximum = sum((item.max for item in round_input.items), Decimal(0))
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for score in round_input.scores:
        totals[score.area][score.judge] += score.score
    unranked: list[tuple[Decimal, str, Decimal, Decimal, dict[str, Decimal], tuple[str, ...]]] = []
    for contestant in round_input.contestants:
        judge_totals = dict(totals[contestant.area])
        kept, dropped = _trimmed(judge_totals, trim=round_input.trim)
        exact = sum(kept.values(), Decimal(0)) / len(kept) / maximum * HUNDRED
        total = (
            round_input.w_judges * exact + round_input.w_indicators * contestant.indicator_score
        ).quantize(CENT, rounding=ROUND_HALF_UP)
        judges_score = exact.quantize(CENT, rounding=ROUND_HALF_UP)
        unranked.append(
            (total, contestant.area, judges_score, contestant.indicator_score, judge_totals, dropped)
        )
    unranked.sort(key=lambda row: (-row[0], row[1]))
    placings: list[Placing] = []
    for position, (total, area, judges_score, indicator_score, judge_totals, dropped) in enumerate(
        unranked, 1
    ):
        rank = placings[-1].rank if placings and placings[-1].total == total else position
        grade = _grade(round_input.grading, total=total, rank=rank, field=len(unranked))
        placings.append(
            Placing(area, judges_score, indicator_score, total, rank, grade, judge_totals, dropped)
        )
    return placings


def _trimmed(
    judge_totals: Mapping[str, Decimal], *, trim: bool
) -> tuple[dict[str, Decimal], tuple[str, ...]]:
    """The totals that count and the judges dropped: one highest and one lowest, when trimming leaves three."""
    if not trim or len(judge_totals) - 2 < MIN_KEPT_AFTER_TRIM:
        return dict(judge_totals), ()
    ordered = sorted(judge_totals.items(), key=lambda pair: (pair[1], pair[0]))
    lowest, highest = ordered[0][0], ordered[-1][0]
    kept = {judge: total for judge, total in judge_totals.items() if judge not in (lowest, highest)}
    return kept, (highest, lowest)


def _grade(grading: Grading, *, total: Decimal, rank: int, field: int) -> str:
    if grading.method == "thresholds":
        for grade, threshold in grading.grades:
            if total >= threshold:
                return grade
        return grading.otherwise
    cumulative = Decimal(0)
    for grade, share in grading.grades:
        cumulative += share
        # Shares are written rounded (0.3333 for a third): within SHARE_TOLERANCE of the rank's share counts, so six
        # contestants split in thirds are 2 / 2 / 2 and not 1 / 2 / 3 (0.3333 × 6 = 1.9998).
        if (cumulative + SHARE_TOLERANCE) * field >= rank:
            return grade
    return grading.grades[-1][0]


def _problems(round_input: RoundInput) -> list[str]:
    problems: list[str] = []
    items = {item.name: item for item in round_input.items}
    if not round_input.items:
        problems.append("the score sheet has no items")
    for item in round_input.items:
        if item.max <= 0:
            problems.append(f"item {item.name!r}: the maximum must be above 0, not {item.max}")
    if len(items) != len(round_input.items):
        problems.append("the score sheet names an item twice")
    for name, weight in (("judges", round_input.w_judges), ("indicators", round_input.w_indicators)):
        if weight < 0:
            problems.append(f"weight {name!r} must not be negative, not {weight}")
    if abs(round_input.w_judges + round_input.w_indicators - 1) > WEIGHT_TOLERANCE:
        problems.append(
            f"the weights of judges and indicators must add up to 1, not "
            f"{round_input.w_judges + round_input.w_indicators}"
        )
    problems += _grading_problems(round_input.grading)
    areas = [contestant.area for contestant in round_input.contestants]
    if not areas:
        problems.append("the round has no contestants")
    for area in sorted({area for area in areas if areas.count(area) > 1}):
        problems.append(f"contestant {area}: listed twice")
    for contestant in round_input.contestants:
        if not 0 <= contestant.indicator_score <= HUNDRED:
            problems.append(
                f"contestant {contestant.area}: the indicator score must be between 0 and 100, "
                f"not {contestant.indicator_score}"
            )
    seen: set[tuple[str, str, str]] = set()
    judges: set[str] = set()
    for score in round_input.scores:
        where = f"judge {score.judge}, contestant {score.area}, item {score.item!r}"
        judges.add(score.judge)
        if score.area not in areas:
            problems.append(f"{where}: unknown contestant {score.area}")
        scored = items.get(score.item)
        if scored is None:
            problems.append(f"{where}: unknown item {score.item!r}")
        elif not 0 <= score.score <= scored.max:
            problems.append(f"{where}: the score {score.score} is outside 0–{scored.max}")
        key = (score.judge, score.area, score.item)
        if key in seen:
            problems.append(f"{where}: scored twice")
        seen.add(key)
    if not judges:
        problems.append("the round has no scores")
    for judge in sorted(judges):
        for area in areas:
            missing = [name for name in items if (judge, area, name) not in seen]
            if len(missing) == len(items):
                problems.append(f"judge {judge}: no scores for contestant {area}")
            elif missing:
                problems.append(
                    f"judge {judge}, contestant {area}: no score for item(s) {', '.join(missing)}"
                )
    return problems


def _grading_problems(grading: Grading) -> list[str]:
    if grading.method not in ("thresholds", "shares"):
        return [f"grading method must be 'thresholds' or 'shares', not {grading.method!r}"]
    if not grading.grades:
        return ["the grading has no grades"]
    problems: list[str] = []
    values = [value for _grade, value in grading.grades]
    if grading.method == "thresholds":
        if any(later >= earlier for earlier, later in pairwise(values)):
            problems.append("grading thresholds must fall from the best grade to the worst")
        if not grading.otherwise:
            problems.append("grading by thresholds needs an 'else' grade for totals below every threshold")
    else:
        if any(value <= 0 for value in values):
            problems.append("grading shares must be above 0")
        if abs(sum(values, Decimal(0)) - 1) > SHARE_TOLERANCE:
            problems.append(f"grading shares must add up to 1, not {sum(values, Decimal(0))}")
    return problems


# Reading the JSON contract of `tuopin contest rank --input ROUND.json` ------------------------------------------


def round_from_json(data: Any) -> RoundInput:
    """The round a JSON document describes (numbers parsed as decimals: json.loads(text, parse_float=Decimal));
    RankingError lists every malformed part at once."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise RankingError(["the file must hold one JSON object"])
    items = tuple(
        Item(_text(entry, "name", f"items[{i}]", problems), _number(entry, "max", f"items[{i}]", problems))
        for i, entry in enumerate(_list(data, "items", problems))
    )
    trim = data.get("trim", False)
    if not isinstance(trim, bool):
        problems.append(f"trim must be true or false, not {trim!r}")
        trim = False
    weights = data.get("weights")
    if not isinstance(weights, dict):
        problems.append('weights must be an object {"judges": …, "indicators": …}')
        weights = {}
    w_judges = _number(weights, "judges", "weights", problems)
    w_indicators = _number(weights, "indicators", "weights", problems)
    grading = _grading(data.get("grading"), problems)
    contestants = tuple(
        Contestant(
            _text(entry, "area", f"contestants[{i}]", problems),
            _number(entry, "indicator_score", f"contestants[{i}]", problems, default=Decimal(0)),
        )
        for i, entry in enumerate(_list(data, "contestants", problems))
    )
    scores = tuple(
        Score(
            _text(entry, "judge", f"scores[{i}]", problems),
            _text(entry, "area", f"scores[{i}]", problems),
            _text(entry, "item", f"scores[{i}]", problems),
            _number(entry, "score", f"scores[{i}]", problems),
        )
        for i, entry in enumerate(_list(data, "scores", problems))
    )
    if problems:
        raise RankingError(problems)
    return RoundInput(items, trim, w_judges, w_indicators, grading, contestants, scores)


def _grading(value: Any, problems: list[str]) -> Grading:
    if not isinstance(value, dict):
        problems.append("grading must be an object with a method and grades")
        return Grading("thresholds", ())
    method = value.get("method")
    grades: list[tuple[str, Decimal]] = []
    entries = value.get("grades")
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str) and _is_number(entry[1]):
            grades.append((entry[0], Decimal(str(entry[1]))))
        else:
            problems.append(f"grading.grades[{i}] must be a pair [grade, number], not {entry!r}")
    if not isinstance(entries, list):
        problems.append("grading.grades must be a list of [grade, number] pairs")
    otherwise = value.get("else", "")
    if not isinstance(otherwise, str):
        problems.append(f"grading.else must be a grade's name, not {otherwise!r}")
        otherwise = ""
    return Grading(str(method), tuple(grades), otherwise)


def _list(data: Mapping[str, Any], key: str, problems: list[str]) -> Sequence[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        problems.append(f"{key} must be a list")
        return []
    return value


def _text(entry: Any, key: str, where: str, problems: list[str]) -> str:
    value = entry.get(key) if isinstance(entry, dict) else None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        value = str(value)  # an area code written as a number
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}.{key} is missing or not text")
        return ""
    return value.strip()


def _number(
    entry: Any, key: str, where: str, problems: list[str], *, default: Decimal | None = None
) -> Decimal:
    value = entry.get(key) if isinstance(entry, dict) else None
    if value is None and default is not None:
        return default
    if not _is_number(value):
        problems.append(f"{where}.{key} must be a number, not {value!r}")
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - _is_number already refused it
        problems.append(f"{where}.{key} must be a number, not {value!r}")
        return Decimal(0)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float | Decimal)
        and not isinstance(value, bool)
        and Decimal(str(value)).is_finite()
    )
