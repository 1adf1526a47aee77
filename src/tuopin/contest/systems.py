"""The definition of an indicator system, its validation and the pure scoring functions.

A version's `definition` is JSON of this shape (weights are relative: they are normalised within their group):

    {"groups": [
        {"name": "减贫成效", "weight": 30, "indicators": [
            {"key": "incidence_reduction", "name": "贫困发生率下降", "weight": 60, "direction": "higher",
             "unit": "百分点", "method": "linear", "floor": 0, "target": 3, "computed": "incidence_reduction"},
            {"key": "satisfaction", "name": "群众满意度", "weight": 40, "direction": "higher", "unit": "分",
             "method": "pass_fail", "threshold": 90, "entered": true}],
         "groups": [ … subgroups of the same shape, holding indicators only … ]}]}

Groups nest at most two levels (a top group may hold subgroups, a subgroup only indicators). Each indicator is
either `computed` (the key of an indicator of tuopin.contest.indicators.REGISTRY, whose direction it must share)
or `entered` (imported through the ledger `contest_values`). Its method turns a value into a 0–100 score:

- `linear`: 0 at `floor`, 100 at `target`, straight in between and clipped to 0–100. The floor is the bad end, so
  for "lower is better" the floor lies above the target (floor 5 %, target 1 %: 3 % scores 50);
- `rank`: among the contestants of the run, by competition rank r of n (ties share the better rank): 100 × (n − r)
  / (n − 1), 100 when n is 1;
- `pass_fail`: 100 when the value reaches `threshold` (≥ for "higher", ≤ for "lower"), else 0.

An area without a value (no data) scores 0 and takes no rank. Everything is Decimal; a score is rounded half up to
two places, and so is a system's total, the weighted mean of its groups' scores (a group's score is the weighted
mean of its indicators' and subgroups' scores).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
METHODS = ("linear", "rank", "pass_fail")
DIRECTIONS = ("higher", "lower")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
MAX_DEPTH = 2
GROUP_FIELDS = {"name", "weight", "indicators", "groups"}
INDICATOR_FIELDS = {
    "key",
    "name",
    "weight",
    "direction",
    "unit",
    "method",
    "floor",
    "target",
    "threshold",
    "computed",
    "entered",
}


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    weight: Decimal
    direction: str
    unit: str
    method: str
    floor: Decimal | None = None
    target: Decimal | None = None
    threshold: Decimal | None = None
    computed: str = ""  # the registry key; "" for an entered indicator

    @property
    def entered(self) -> bool:
        return not self.computed

    def method_text(self) -> str:
        """The method in words, for the definition's table."""
        if self.method == "linear":
            return _("线性：%(floor)s 得0分，%(target)s 得100分") % {
                "floor": _plain(self.floor),
                "target": _plain(self.target),
            }
        if self.method == "rank":
            return _("按名次：第一名100分，最后一名0分")
        relation = "≥" if self.direction == "higher" else "≤"
        return _("达标：%(relation)s %(threshold)s 得100分，否则0分") % {
            "relation": relation,
            "threshold": _plain(self.threshold),
        }


@dataclass(frozen=True)
class Group:
    name: str
    weight: Decimal
    indicators: tuple[Indicator, ...] = ()
    groups: tuple[Group, ...] = ()


@dataclass(frozen=True)
class Definition:
    groups: tuple[Group, ...]

    def indicators(self) -> list[Indicator]:
        """Every indicator, in the order of the definition."""
        return [indicator for _path, indicator, _share in self.rows()]

    def rows(self) -> list[tuple[tuple[str, ...], Indicator, Decimal]]:
        """(group path, indicator, its share of the total 0–1) for every indicator, in order."""
        found: list[tuple[tuple[str, ...], Indicator, Decimal]] = []

        def walk(groups: tuple[Group, ...], path: tuple[str, ...], share: Decimal) -> None:
            total = sum((g.weight for g in groups), Decimal(0))
            for group in groups:
                inner = share * group.weight / total
                children = sum((i.weight for i in group.indicators), Decimal(0)) + sum(
                    (g.weight for g in group.groups), Decimal(0)
                )
                for indicator in group.indicators:
                    found.append(((*path, group.name), indicator, inner * indicator.weight / children))
                if group.groups:
                    sub_share = inner * sum((g.weight for g in group.groups), Decimal(0)) / children
                    walk(group.groups, (*path, group.name), sub_share)

        walk(self.groups, (), Decimal(1))
        return found


class DefinitionInvalid(ValueError):
    """Every problem of a definition, each a sentence naming where it is."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _plain(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# -------------------------------------------------------------------------------------------------- validation


def definition_problems(data: Any, *, computed: Mapping[str, str] | None = None) -> list[str]:
    """Every problem of a definition at once (empty when it is valid). `computed` maps the registry's keys to their
    directions (default: tuopin.contest.indicators.REGISTRY)."""
    try:
        definition_parse(data, computed=computed)
    except DefinitionInvalid as invalid:
        return invalid.problems
    return []


def definition_parse(data: Any, *, computed: Mapping[str, str] | None = None) -> Definition:
    """The definition as objects, or DefinitionInvalid with every problem found."""
    if computed is None:
        from tuopin.contest.indicators import REGISTRY

        computed = {key: spec.direction for key, spec in REGISTRY.items()}
    problems: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list) or not data["groups"]:
        raise DefinitionInvalid([_('定义应为 {"groups": [...]}，且至少有一个指标组。')])
    extra = set(data) - {"groups"}
    if extra:
        problems.append(_("定义中有未知字段：%(fields)s。") % {"fields": "、".join(sorted(extra))})
    seen: dict[str, str] = {}
    groups = tuple(
        _group(raw, _("第%(n)s组") % {"n": n}, 1, computed, seen, problems)
        for n, raw in enumerate(data["groups"], start=1)
    )
    if problems:
        raise DefinitionInvalid(problems)
    return Definition(groups)


def _weight(raw: dict[str, Any], where: str, problems: list[str]) -> Decimal:
    weight = _number(raw.get("weight"))
    if weight is None or weight <= 0:
        problems.append(_("%(where)s：权重应为大于0的数。") % {"where": where})
        return Decimal(1)
    return weight


def _group(
    raw: Any,
    where: str,
    depth: int,
    computed: Mapping[str, str],
    seen: dict[str, str],
    problems: list[str],
) -> Group:
    if not isinstance(raw, dict):
        problems.append(_("%(where)s：应为一个对象。") % {"where": where})
        return Group("", Decimal(1))
    name = str(raw.get("name") or "").strip()
    if name:
        where = f"{where}「{name}」"
    else:
        problems.append(_("%(where)s：请填写组名。") % {"where": where})
    extra = set(raw) - GROUP_FIELDS
    if extra:
        problems.append(
            _("%(where)s：未知字段 %(fields)s。") % {"where": where, "fields": "、".join(sorted(extra))}
        )
    weight = _weight(raw, where, problems)
    indicators_raw, groups_raw = raw.get("indicators", []), raw.get("groups", [])
    if not isinstance(indicators_raw, list) or not isinstance(groups_raw, list):
        problems.append(_("%(where)s：indicators 和 groups 应为列表。") % {"where": where})
        return Group(name, weight)
    if groups_raw and depth >= MAX_DEPTH:
        problems.append(_("%(where)s：指标组最多两级，子组不能再分组。") % {"where": where})
        groups_raw = []
    if not indicators_raw and not groups_raw:
        problems.append(_("%(where)s：至少要有一个指标或子组。") % {"where": where})
    indicators = tuple(
        _indicator(item, _("%(where)s第%(n)s个指标") % {"where": where, "n": n}, computed, seen, problems)
        for n, item in enumerate(indicators_raw, start=1)
    )
    groups = tuple(
        _group(
            item, _("%(where)s第%(n)s个子组") % {"where": where, "n": n}, depth + 1, computed, seen, problems
        )
        for n, item in enumerate(groups_raw, start=1)
    )
    return Group(name, weight, indicators, groups)


def _indicator(
    raw: Any, where: str, computed: Mapping[str, str], seen: dict[str, str], problems: list[str]
) -> Indicator:
    if not isinstance(raw, dict):
        problems.append(_("%(where)s：应为一个对象。") % {"where": where})
        return Indicator("", "", Decimal(1), "higher", "", "rank")
    key = str(raw.get("key") or "").strip()
    name = str(raw.get("name") or "").strip()
    if name:
        where = f"{where}「{name}」"
    else:
        problems.append(_("%(where)s：请填写指标名称。") % {"where": where})

    def problem(message: str) -> None:
        problems.append(f"{where}：{message}")

    extra = set(raw) - INDICATOR_FIELDS
    if extra:
        problem(_("未知字段 %(fields)s。") % {"fields": "、".join(sorted(extra))})
    if not KEY.match(key):
        problem(_("代码应以小写字母开头，只含小写字母、数字和下划线（至多60个）。"))
    elif key in seen:
        problem(_("代码 %(key)s 与%(other)s重复。") % {"key": key, "other": seen[key]})
    else:
        seen[key] = where
    weight = _weight(raw, where, problems)
    direction = raw.get("direction")
    if direction not in DIRECTIONS:
        problem(_("方向应为 higher（越高越好）或 lower（越低越好）。"))
        direction = "higher"
    unit = raw.get("unit", "")
    if not isinstance(unit, str):
        problem(_("单位应为文字。"))
        unit = ""
    method = raw.get("method")
    floor = target = threshold = None
    if method not in METHODS:
        problem(_("计分方法应为 linear（线性）、rank（按名次）或 pass_fail（达标与否）。"))
        method = "rank"
    elif method == "linear":
        floor, target = _number(raw.get("floor")), _number(raw.get("target"))
        if floor is None or target is None:
            problem(_("线性计分须填写 floor（0分值）和 target（满分值）。"))
        elif direction == "higher" and not target > floor:
            problem(_("越高越好的指标，满分值 target 应大于0分值 floor。"))
        elif direction == "lower" and not target < floor:
            problem(_("越低越好的指标，0分值 floor 是差的一端，应大于满分值 target。"))
    elif method == "pass_fail":
        threshold = _number(raw.get("threshold"))
        if threshold is None:
            problem(_("达标计分须填写 threshold（达标值）。"))
    source = raw.get("computed")
    entered = raw.get("entered")
    if bool(source) == bool(entered):
        problem(_("应二选一：computed（由系统计算的指标代码）或 entered: true（录入）。"))
        source = ""
    elif source:
        if not isinstance(source, str) or source not in computed:
            problem(_("没有计算指标 %(key)s。") % {"key": source})
            source = ""
        elif computed[source] != direction:
            problem(
                _("计算指标 %(key)s 的方向是 %(direction)s，与此处不一致。")
                % {"key": source, "direction": computed[source]}
            )
    elif entered is not True:
        problem(_("entered 应为 true。"))
    return Indicator(
        key, name, weight, str(direction), unit, str(method), floor, target, threshold, source or ""
    )


# ----------------------------------------------------------------------------------------------------- scoring


def rounded(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def score_linear(value: Decimal, *, floor: Decimal, target: Decimal) -> Decimal:
    """0 at the floor (the bad end), 100 at the target, linear between, clipped to 0–100."""
    share = (value - floor) / (target - floor)
    return rounded(min(max(share * HUNDRED, Decimal(0)), HUNDRED))


def score_pass_fail(value: Decimal, *, threshold: Decimal, direction: str) -> Decimal:
    passed = value >= threshold if direction == "higher" else value <= threshold
    return HUNDRED if passed else Decimal(0)


def score_rank(values: Mapping[str, Decimal | None], *, direction: str) -> dict[str, Decimal]:
    """Competition ranks among the areas with a value (1 the best, ties share it) as 100 × (n − r) / (n − 1)."""
    present = {area: value for area, value in values.items() if value is not None}
    n = len(present)
    scores = dict.fromkeys(values, Decimal(0))
    for area, value in present.items():
        better = sum(
            1 for other in present.values() if (other > value if direction == "higher" else other < value)
        )
        scores[area] = HUNDRED if n == 1 else rounded(HUNDRED * (n - 1 - better) / (n - 1))
    return scores


def indicator_scores(indicator: Indicator, values: Mapping[str, Decimal | None]) -> dict[str, Decimal]:
    """Every area's 0–100 score of one indicator from the areas' values (None: no data, scored 0), to two places."""
    if indicator.method == "rank":
        return {
            area: rounded(score) for area, score in score_rank(values, direction=indicator.direction).items()
        }
    scores: dict[str, Decimal] = {}
    for area, value in values.items():
        if value is None:
            score = Decimal(0)
        elif indicator.method == "linear":
            assert indicator.floor is not None and indicator.target is not None
            score = score_linear(value, floor=indicator.floor, target=indicator.target)
        else:
            assert indicator.threshold is not None
            score = score_pass_fail(value, threshold=indicator.threshold, direction=indicator.direction)
        scores[area] = rounded(score)
    return scores


def system_score(definition: Definition, scores: Mapping[str, Decimal]) -> Decimal:
    """An area's total 0–100: each indicator's score (by key; a missing one counts 0) times its share, summed."""
    return rounded(
        sum(
            (share * scores.get(indicator.key, Decimal(0)) for _path, indicator, share in definition.rows()),
            Decimal(0),
        )
    )


def group_scores(definition: Definition, scores: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Each top group's 0–100 score (its indicators' and subgroups' weighted mean), by group name."""
    result: dict[str, Decimal] = {}
    shares: dict[str, Decimal] = {}
    for path, indicator, share in definition.rows():
        result[path[0]] = result.get(path[0], Decimal(0)) + share * scores.get(indicator.key, Decimal(0))
        shares[path[0]] = shares.get(path[0], Decimal(0)) + share
    return {name: rounded(total / shares[name]) for name, total in result.items()}


def scored(
    definition: Definition,
    values: Mapping[str, Mapping[str, Decimal | None]],
    areas: Iterable[str],
    score: Callable[[Indicator, Mapping[str, Decimal | None]], dict[str, Decimal]] = indicator_scores,
) -> dict[str, dict[str, Decimal]]:
    """{indicator key: {area: score}} for every indicator of the definition over `areas` (values by key and area)."""
    codes = list(areas)
    return {
        indicator.key: score(indicator, {area: values.get(indicator.key, {}).get(area) for area in codes})
        for indicator in definition.indicators()
    }
