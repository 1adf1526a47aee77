"""The poverty measures on the registry (issue 17): FGT at the year's poverty and monitoring lines and the
Alkire–Foster index of a specification (specs.py) for the persons of an area's households, decomposed by child area
and by household category.

The population of year Y is the persons of the registry's households (not merged) that have an income record for
Y: their members in Y, counted as the exit rule counts them (`persons` of tuopin.assessment.rules.household_exit).
Households without an income record for Y are reported as `missing_income` and left out; a household with no member
in Y has no person to count and appears in neither. Each household is one row weighted by its persons: its
per-capita net income (net income of Y / persons, in yuan) and its deprivations apply to each of its members, so
the measures equal those of a file with one row per person.

The deprivations are the exit rule's own checks, run on the database of record through the same expression as the
household page and every assessment (never a copy): an indicator is deprived when its check fails. So the income
indicator is deprived exactly when the per-capita net income is at or below the poverty line, which is also who
FGT counts as poor at that line. A negative net income (costs above revenue) counts as zero income in FGT, which is
defined for incomes ≥ 0.

The household rows are fetched in one query as Arrow columns and measured with the pure functions of fgt.py and af.py;
groups are sorted once and sliced, never a loop over households. The area narrows the rule's rows, not its member
and income aggregates (household_exit takes no area): a county's measures read the members of the whole registry,
as an assessment of the county does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import ibis
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection
from django.utils.translation import gettext as _
from ibis.expr.types import Table

from tuopin.areas.codes import LENGTHS, child_length, code_at
from tuopin.areas.models import Area
from tuopin.assessment.engine import sql_for
from tuopin.assessment.rules import PARAM_KEYS, Params, household_exit
from tuopin.measures.af import alkire_foster, normalised_weights
from tuopin.measures.fgt import FGT, MeasureError, fgt
from tuopin.measures.specs import Spec
from tuopin.policy.selectors import Profile, policy_for
from tuopin.registry.vocab import Category

LINES = ("poverty_line", "monitoring_line")
# The policy keys the exit rule cannot run without (Params.from_profile).
_RULE_NEEDS = ("poverty_line", "school_age_min", "school_age_max", "school_age_cutoff")
NO_CATEGORY = "none"  # the group of households whose category is blank (不适用)
DECIMALS = 12


class RegistryRefused(MeasureError):
    """The registry cannot be measured as asked (each subclass says why; the command and the page word it)."""


class UnknownArea(RegistryRefused):
    def __init__(self, code: str) -> None:
        super().__init__(f"no area has the code {code!r}")
        self.code = code


class PolicyMissing(RegistryRefused):
    def __init__(self, year: int, keys: Sequence[str]) -> None:
        super().__init__(f"the policy profile of {year} has no value for {', '.join(keys)}")
        self.year, self.keys = year, list(keys)


class ProvincesDiffer(RegistryRefused):
    def __init__(self, year: int, keys: Sequence[str]) -> None:
        super().__init__(
            f"the provinces measured hold different values of {', '.join(keys)} in {year}: measure one province"
        )
        self.year, self.keys = year, list(keys)


class NothingToMeasure(RegistryRefused):
    def __init__(self, year: int) -> None:
        super().__init__(f"no household measured has members and an income record for {year}")
        self.year = year


@dataclass(frozen=True)
class Line:
    """FGT at one of the year's lines; `line` and `result` are None when the profile has no value for the year."""

    key: str
    line: Decimal | None
    result: FGT | None


@dataclass(frozen=True)
class GroupFigures:
    """One group (a child area or a category): its persons, P0 at the poverty line, its own H, A, M0, its share of
    the population and of the total M0, and `parts`: each indicator's w_j × CH_j within the group (they sum to M0)."""

    name: str
    persons: int
    P0: float
    H: float
    A: float
    M0: float
    population_share: float
    contribution: float
    parts: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RegistryMeasures:
    year: int
    area: str
    spec: Spec
    households: int
    persons: int
    missing_households: int
    missing_persons: int
    lines: dict[str, Line]
    k: float
    weights: dict[str, float]
    H: float
    A: float
    M0: float
    censored_headcounts: dict[str, float]
    contributions: dict[str, float]
    by_area: dict[str, GroupFigures]
    by_category: dict[str, GroupFigures]

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of `tuopin measures --year Y --json`."""
        return {
            "year": self.year,
            "area": self.area,
            "spec": self.spec.name,
            "population": {"households": self.households, "persons": self.persons},
            "missing_income": {"households": self.missing_households, "persons": self.missing_persons},
            "fgt": {key: _line_dict(line, self.persons) for key, line in self.lines.items()},
            "mpi": {
                "k": _round(self.k),
                "weights": {name: _round(w) for name, w in self.weights.items()},
                "n": self.persons,
                "H": _round(self.H),
                "A": _round(self.A),
                "M0": _round(self.M0),
                "censored_headcounts": {name: _round(v) for name, v in self.censored_headcounts.items()},
                "contributions": {name: _round(v) for name, v in self.contributions.items()},
            },
            "by_area": {code: _group_dict(g) for code, g in self.by_area.items()},
            "by_category": {code: _group_dict(g) for code, g in self.by_category.items()},
        }


def _round(value: float) -> float:
    return round(value, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _line_dict(line: Line, persons: int) -> dict[str, Any]:
    r = line.result
    if line.line is None or r is None:
        return dict.fromkeys(("line", "n", "P0", "P1", "P2", "poor", "income_gap")) | {"n": persons}
    return {
        "line": _number(line.line),
        "n": persons,
        "P0": _round(r.P0),
        "P1": _round(r.P1),
        "P2": _round(r.P2),
        "poor": round(r.poor),
        "income_gap": _round(r.income_gap),
    }


def _group_dict(g: GroupFigures) -> dict[str, Any]:
    return {
        "name": g.name,
        "persons": g.persons,
        "P0": _round(g.P0),
        "H": _round(g.H),
        "A": _round(g.A),
        "M0": _round(g.M0),
        "population_share": _round(g.population_share),
        "contribution": _round(g.contribution),
    }


@dataclass(frozen=True)
class Fetched:
    """The exit rule's household rows of year `year` under the area `root` ("" all), fetched once so that the
    measures of many areas below it (a refresh of the dashboards' figures) are computed without reading again."""

    year: int
    root: str
    rows: dict[str, pa.ChunkedArray | pa.Array]


def registry_rows(year: int, spec: Spec, root: str = "") -> Fetched:
    """The rows `registry_measures(year, spec, within=(code,), fetched=…)` measures for any code under `root`."""
    roots = (root,)
    _area_names(roots)
    params = Params.from_profile(_profile(year, roots, spec))
    return Fetched(year, root, _fetch(_expression(params, spec, roots)))


def registry_measures(
    year: int, spec: Spec, *, within: Sequence[str] = ("",), fetched: Fetched | None = None
) -> RegistryMeasures:
    """The measures of year `year` for the households of the areas `within` ("" is the whole registry), under the
    specification `spec`. With one area, groups are its child areas (none below a village); with several (a user's
    scope), each area is a group. Refused (RegistryRefused) for an unknown area, missing policy values, provinces
    whose values differ, or nobody to measure. With `fetched` (rows of the same year under an area holding the one
    area of `within`), the rows are that area's part of them instead of a new query."""
    roots = ("",) if "" in within or not within else tuple(sorted(set(within)))
    names = _area_names(roots)
    profile = _profile(year, roots, spec)
    weights = normalised_weights(
        {indicator.name: float(profile.value(indicator.weight_key)) for indicator in spec.indicators}
    )
    k = float(profile.value(spec.k_key))
    if fetched is not None:
        if len(roots) != 1 or fetched.year != year or not roots[0].startswith(fetched.root):
            raise ValueError(f"rows of {fetched.root!r} in {fetched.year} cannot measure {roots} in {year}")
        rows = _part(fetched, roots[0])
    else:
        rows = _fetch(_expression(Params.from_profile(profile), spec, roots))
    persons = np.asarray(rows["persons"].to_numpy(zero_copy_only=False), dtype=np.int64)
    has_income = np.asarray(
        pc.fill_null(rows["has_income"], False).to_numpy(zero_copy_only=False), dtype=bool
    )
    counted = persons > 0
    measured = counted & has_income
    missing = counted & ~has_income
    if not measured.any():
        raise NothingToMeasure(year)

    s = persons[measured].astype(np.float64)
    net = np.asarray(pc.fill_null(rows["net_cents"], 0).to_numpy(zero_copy_only=False), dtype=np.float64)
    income = np.maximum(net[measured], 0.0) / (100.0 * persons[measured])
    deprivations = {
        indicator.name: 1.0 - _flag(rows[indicator.check])[measured] for indicator in spec.indicators
    }
    villages = rows["village_id"].filter(pa.array(measured))
    area_labels, area_names = _area_groups(villages, roots, names)
    category_labels = _category_labels(rows["category"].filter(pa.array(measured)))

    lines = {key: _line(key, profile, income, s) for key in LINES}
    total = alkire_foster(deprivations, weights, k, sample=s)
    poverty_line = float(profile.value("poverty_line"))
    return RegistryMeasures(
        year=year,
        area=roots[0] if len(roots) == 1 else "",
        spec=spec,
        households=int(measured.sum()),
        persons=int(persons[measured].sum()),
        missing_households=int(missing.sum()),
        missing_persons=int(persons[missing].sum()),
        lines=lines,
        k=k,
        weights=weights,
        H=total.H,
        A=total.A,
        M0=total.M0,
        censored_headcounts=total.censored_headcounts,
        contributions=total.contributions,
        by_area=_groups(area_labels, area_names, deprivations, weights, k, s, income, poverty_line),
        by_category=_groups(
            category_labels, _category_names(), deprivations, weights, k, s, income, poverty_line
        ),
    )


def _area_names(roots: Sequence[str]) -> dict[str, str]:
    """The names of the measured areas; UnknownArea for a code the division tree does not hold."""
    codes = [code for code in roots if code]
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    for code in codes:
        if code not in names:
            raise UnknownArea(code)
    return names


def _profile(year: int, roots: Sequence[str], spec: Spec) -> Profile:
    """The one policy profile in force for the measured areas: that of their province, or of every province of the
    division tree for the whole registry (refused when they differ in a value the measures read)."""
    provinces = sorted({code_at(code, "province") for code in roots if code})
    if not provinces:
        provinces = sorted(Area.objects.filter(level="province").values_list("code", flat=True)) or [""]
    profiles = [policy_for(year, province) for province in provinces]
    keys = (*PARAM_KEYS, "monitoring_line", *spec.policy_keys)
    differ = [key for key in keys if len({p.value(key) for p in profiles}) > 1]
    if differ:
        raise ProvincesDiffer(year, differ)
    absent = [key for key in (*_RULE_NEEDS, *spec.policy_keys) if profiles[0].get(key) is None]
    if absent:
        raise PolicyMissing(year, absent)
    return profiles[0]


def _expression(params: Params, spec: Spec, roots: Sequence[str]) -> Table:
    """The exit rule's household rows of the measured areas, with each household's category."""
    decisions = household_exit(params)
    if roots != ("",):
        decisions = decisions.filter(
            ibis.or_(*[decisions.village_id.between(code, code.ljust(LENGTHS[-1], "9")) for code in roots])
        )
    categories = ibis.table({"id": "int64", "category": "string"}, name="registry_household")
    joined = decisions.left_join(categories, decisions.household_id == categories.id)
    checks = sorted({indicator.check for indicator in spec.indicators})
    return joined.select(
        village_id=decisions.village_id,
        persons=decisions.persons,
        has_income=decisions.has_income,
        net_cents=decisions.net_cents,
        category=categories.category,
        **{check: decisions[check] for check in checks},
    )


def _fetch(expr: Table) -> dict[str, pa.ChunkedArray | pa.Array]:
    """The expression's rows from the database of record as Arrow columns of its schema (SQLite answers 0/1 for a
    boolean: cast, as engine.run_db does)."""
    sql = sql_for(expr, "db")
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    schema = expr.schema().to_pyarrow()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    return {
        name: pa.array(list(values)).cast(kind)
        for name, kind, values in zip(schema.names, schema.types, columns, strict=True)
    }


def _part(fetched: Fetched, code: str) -> dict[str, pa.ChunkedArray | pa.Array]:
    """The fetched rows of the households under `code` (a prefix filter, vectorised)."""
    if code == fetched.root:
        return fetched.rows
    mask = pc.starts_with(fetched.rows["village_id"], pattern=code)
    return {name: column.filter(mask) for name, column in fetched.rows.items()}


def _flag(column: Any) -> npt.NDArray[np.float64]:
    """A check as 1.0 (passed) or 0.0 (failed); a check that the rule leaves null has not passed."""
    return np.asarray(pc.fill_null(column, False).to_numpy(zero_copy_only=False), dtype=np.float64)


def _line(key: str, profile: Profile, income: npt.NDArray[np.float64], s: npt.NDArray[np.float64]) -> Line:
    value = profile.value(key)
    if value is None:
        return Line(key, None, None)
    return Line(key, value, fgt(income, float(value), s))


def _area_groups(
    villages: pa.Array, roots: Sequence[str], names: dict[str, str]
) -> tuple[npt.NDArray[np.str_], dict[str, str]]:
    """Each household's group by area and the groups' names: the child areas of the one measured area (by the
    prefix of the village code), or each measured area when there are several."""
    if len(roots) > 1:
        labels = np.full(len(villages), "", dtype=object)
        for root in reversed(roots):  # the first root holding the village wins, as in the scope
            held = pc.starts_with(villages, pattern=root).to_numpy(zero_copy_only=False)
            labels = np.where(held, root, labels)
        return labels.astype(str), {code: names[code] for code in roots}
    root = roots[0]
    length = child_length(root) if len(root) in (0, *LENGTHS) else None
    if length is None:
        return np.full(0, "", dtype=str), {}
    children = Area.objects.filter(parent_id=root) if root else Area.objects.filter(level="province")
    prefixes = pc.utf8_slice_codeunits(villages, 0, length)
    return np.asarray(prefixes.to_numpy(zero_copy_only=False), dtype=str), dict(
        children.order_by("code").values_list("code", "name")
    )


def _category_labels(categories: pa.Array) -> npt.NDArray[np.str_]:
    blank = pc.or_(pc.is_null(categories), pc.equal(pc.fill_null(categories, ""), ""))
    return np.asarray(pc.if_else(blank, NO_CATEGORY, categories).to_numpy(zero_copy_only=False), dtype=str)


def _category_names() -> dict[str, str]:
    return {**{str(code): str(label) for code, label in Category.choices}, NO_CATEGORY: _("不适用")}


def _groups(
    labels: npt.NDArray[np.str_],
    names: dict[str, str],
    deprivations: dict[str, npt.NDArray[np.float64]],
    weights: dict[str, float],
    k: float,
    s: npt.NDArray[np.float64],
    income: npt.NDArray[np.float64],
    line: float,
) -> dict[str, GroupFigures]:
    """The figures of every named group (empty ones at zero), in the order of `names`: the decomposition of the total
    (population share, contribution) and each group's own measures (P0, the indicators' parts of its M0)."""
    if not names:
        return {}
    order = np.argsort(labels, kind="stable")
    found, starts = np.unique(labels[order], return_index=True)
    names = {**names, **{code: code for code in found.tolist() if code not in names}}  # never drop a person
    whole = alkire_foster(deprivations, weights, k, sample=s, groups=labels, group_names=list(names))
    slices = dict(zip(found.tolist(), np.split(order, starts[1:]), strict=True))
    result = {}
    for code, name in names.items():  # one entry a group, never a row
        rows = slices.get(code)
        decomposed = whole.groups[code]
        if rows is None:
            result[code] = GroupFigures(name, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, dict.fromkeys(weights, 0.0))
            continue
        own = alkire_foster({j: d[rows] for j, d in deprivations.items()}, weights, k, sample=s[rows])
        result[code] = GroupFigures(
            name=name,
            persons=int(s[rows].sum()),
            P0=fgt(income[rows], line, s[rows]).P0,
            H=decomposed.H,
            A=decomposed.A,
            M0=decomposed.M0,
            population_share=decomposed.population_share,
            contribution=decomposed.contribution,
            parts={j: weights[j] * ch for j, ch in own.censored_headcounts.items()},
        )
    return result
