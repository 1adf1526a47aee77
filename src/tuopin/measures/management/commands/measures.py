"""`tuopin measures fgt|mpi --input FILE.csv … --json`: the FGT and Alkire–Foster measures of any file, and
`tuopin measures --year Y [--area CODE] [--spec NAME] --json`: the same measures on the registry (issue 17).

The JSON contracts (a promise to users' scripts):

    fgt  {"n": N, "P0": .., "P1": .., "P2": ..}
    mpi  {"n": N, "H": .., "A": .., "M0": .., "censored_headcounts": {ind: ..}, "contributions": {ind: ..},
          "groups": {g: {"H": .., "A": .., "M0": .., "population_share": .., "contribution": ..}}}

`n` is the number of rows (not the weighted population). "groups" is always present: {} without --group-column.
Indicators keep the order of --weights, groups are sorted by label. When nobody is poor, M0 = 0 and every
contribution is 0. Figures are rounded to 12 decimals (floating-point noise only). A refused file prints nothing on
stdout: the problems go to stderr and the exit status is 1.

The registry form (tuopin.measures.registry says who is counted and how):

    {"year": Y, "area": CODE or "", "spec": NAME,
     "population": {"households": n, "persons": n}, "missing_income": {"households": n, "persons": n},
     "fgt": {"poverty_line": {"line": z, "n": persons, "P0", "P1", "P2", "poor": persons, "income_gap": yuan},
             "monitoring_line": {… the same; every figure null when the year has no monitoring line}},
     "mpi": {"k", "weights": {ind: normalised weight}, "n": persons, "H", "A", "M0", "censored_headcounts",
             "contributions"},
     "by_area": {child code: {"name", "persons", "P0", "H", "A", "M0", "population_share", "contribution"}},
     "by_category": {category code, "none" for a blank one: {… the same}}}

Every child area of the division tree and every category is listed, those without persons at 0; indicators keep the
specification's order. An unknown area or specification, missing policy values, or nobody to measure is refused on
stderr with nothing on stdout.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.core.commands import TuopinCommand, add_json_flag
from tuopin.measures.af import alkire_foster
from tuopin.measures.fgt import MeasureError, fgt
from tuopin.measures.files import FileRefused, read_deprivations, read_incomes
from tuopin.measures.registry import RegistryMeasures, registry_measures
from tuopin.measures.specs import DEFAULT, UnknownSpec, spec_named

DECIMALS = 12


class Command(TuopinCommand):
    help = (
        "Poverty measures of the registry (--year Y [--area CODE] [--spec NAME]: FGT at the year's lines and the "
        "multidimensional index, by child area and category) or of a CSV file: FGT (fgt) and the Alkire–Foster "
        "multidimensional index (mpi)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help="the registry's measures of this year (without fgt|mpi)")
        parser.add_argument("--area", default="", help="an area code (default: the whole registry)")
        parser.add_argument(
            "--spec", default=DEFAULT, help=f"the multidimensional specification (default {DEFAULT})"
        )
        add_json_flag(parser)
        sub = parser.add_subparsers(dest="action")
        one = sub.add_parser("fgt", help="P0, P1, P2 of incomes (columns id, income) at a line")
        one.add_argument("--input", type=Path, required=True, help="a CSV file (UTF-8 or GBK)")
        one.add_argument("--line", type=float, required=True, help="the poverty line z (income ≤ z is poor)")
        one.add_argument("--weight-column", help="a column of sample weights (≥ 0)")
        add_json_flag(one)
        many = sub.add_parser(
            "mpi", help="Alkire–Foster H, A, M0 of 0/1 deprivations (columns id, indicators)"
        )
        many.add_argument("--input", type=Path, required=True, help="a CSV file (UTF-8 or GBK)")
        many.add_argument("--weights", required=True, help="indicator=weight,… for every indicator column")
        many.add_argument(
            "--k", type=float, required=True, help="the poverty cutoff on the weighted score, in (0, 1]"
        )
        many.add_argument("--group-column", help="a column of subgroup labels to decompose by")
        many.add_argument("--weight-column", help="a column of sample weights (≥ 0)")
        add_json_flag(many)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] is None:
                self._registry(options)
            elif options["year"] is not None or options["area"] or options["spec"] != DEFAULT:
                raise CommandError("--year, --area and --spec measure the registry: not with fgt|mpi")
            elif options["action"] == "fgt":
                self._fgt(options)
            else:
                self._mpi(options)
        except FileRefused as refused:
            raise CommandError(refused.report(options["input"])) from refused
        except MeasureError as error:
            raise CommandError(str(error)) from error

    def _registry(self, options: dict[str, Any]) -> None:
        if options["year"] is None:
            raise CommandError(
                "give --year Y for the registry's measures, or fgt|mpi --input FILE.csv for a file's"
            )
        try:
            spec = spec_named(options["spec"])
        except UnknownSpec as unknown:
            raise CommandError(f"--spec: {unknown}") from unknown
        result = registry_measures(options["year"], spec, within=(options["area"].strip(),))
        self.emit(options, result.as_dict(), summary(result))

    def _fgt(self, options: dict[str, Any]) -> None:
        line = options["line"]
        if not math.isfinite(line) or line <= 0:
            raise CommandError("--line must be a positive number")
        data = read_incomes(options["input"], weight_column=options["weight_column"])
        result = fgt(data.incomes, line, data.weights)
        out = {"n": result.n, "P0": _round(result.P0), "P1": _round(result.P1), "P2": _round(result.P2)}
        human = (
            f"{result.n} rows, line {line:g}: P0 {out['P0']:.4f}, P1 {out['P1']:.4f}, P2 {out['P2']:.4f}; "
            f"poor {result.poor:g} of {result.population:g}, income gap {result.income_gap:g}"
        )
        self.emit(options, out, human)

    def _mpi(self, options: dict[str, Any]) -> None:
        weights = parse_weights(options["weights"])
        k = options["k"]
        if not math.isfinite(k) or not 0 < k <= 1:
            raise CommandError(f"--k must lie in (0, 1], not {k:g}")
        group_column = options["group_column"]
        data = read_deprivations(
            options["input"], list(weights), group_column=group_column, weight_column=options["weight_column"]
        )
        result = alkire_foster(data.deprivations, weights, k, sample=data.weights, groups=data.groups)
        out = {
            "n": result.n,
            "H": _round(result.H),
            "A": _round(result.A),
            "M0": _round(result.M0),
            "censored_headcounts": {name: _round(v) for name, v in result.censored_headcounts.items()},
            "contributions": {name: _round(v) for name, v in result.contributions.items()},
            "groups": {
                name: {
                    "H": _round(g.H),
                    "A": _round(g.A),
                    "M0": _round(g.M0),
                    "population_share": _round(g.population_share),
                    "contribution": _round(g.contribution),
                }
                for name, g in result.groups.items()
            },
        }
        lines = [f"{result.n} rows, k {k:g}: H {result.H:.4f}, A {result.A:.4f}, M0 {result.M0:.4f}"]
        lines += [
            f"  {name:<16} censored {result.censored_headcounts[name]:.4f}  contribution {share:.2%}"
            for name, share in result.contributions.items()
        ]
        lines += [
            f"  group {name:<10} share {g.population_share:.2%}  H {g.H:.4f}  A {g.A:.4f}  M0 {g.M0:.4f}  "
            f"contribution {g.contribution:.2%}"
            for name, g in result.groups.items()
        ]
        self.emit(options, out, "\n".join(lines))


def summary(result: RegistryMeasures) -> str:
    """The registry's measures as a reader wants them on a terminal."""
    lines = [
        f"{result.year}, area {result.area or 'all'}, specification {result.spec.name}: "
        f"{result.persons} persons of {result.households} households "
        f"({result.missing_persons} persons of {result.missing_households} households without income left out)"
    ]
    for key, line in result.lines.items():
        r = line.result
        if line.line is None or r is None:
            lines.append(f"  {key:<16} no value for {result.year}")
            continue
        lines.append(
            f"  {key:<16} {line.line:>8}: P0 {r.P0:.4f}  P1 {r.P1:.4f}  P2 {r.P2:.4f}  "
            f"poor {r.poor:g}, income gap {r.income_gap:,.2f}"
        )
    lines.append(f"  MPI k {result.k:.4f}: H {result.H:.4f}  A {result.A:.4f}  M0 {result.M0:.4f}")
    lines += [
        f"    {name:<12} weight {result.weights[name]:.4f}  censored {result.censored_headcounts[name]:.4f}  "
        f"contribution {share:.2%}"
        for name, share in result.contributions.items()
    ]
    for title, groups in (("area", result.by_area), ("category", result.by_category)):
        lines += [
            f"  {title} {code:<12} {g.name:<10} persons {g.persons:>7}  P0 {g.P0:.4f}  H {g.H:.4f}  "
            f"A {g.A:.4f}  M0 {g.M0:.4f}  contribution {g.contribution:.2%}"
            for code, g in groups.items()
        ]
    return "\n".join(lines)


def parse_weights(text: str) -> dict[str, float]:
    """`a=0.25,b=0.25,…` as {indicator: weight}; every problem of the text at once. Weights need not sum to 1
    (they are normalised), but each must be a positive number."""
    weights: dict[str, float] = {}
    problems = []
    for part in (p.strip() for p in text.split(",")):
        name, sep, value = (s.strip() for s in part.partition("="))
        if not sep or not name:
            problems.append(f"{part!r} is not indicator=weight")
            continue
        try:
            weight = float(value)
        except ValueError:
            problems.append(f"{name}: {value!r} is not a number")
            continue
        if name in weights:
            problems.append(f"{name} is weighted twice")
        elif not math.isfinite(weight) or weight <= 0:
            problems.append(f"{name}: the weight must be a positive number, not {value}")
        weights[name] = weight
    if problems:
        raise CommandError("--weights is refused:\n  " + "\n  ".join(problems))
    return weights


def _round(value: float) -> float:
    return round(value, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
