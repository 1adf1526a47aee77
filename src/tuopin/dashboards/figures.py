"""The stored aggregates the dashboards read (AreaFigures), and their refresh.

A refresh is given the area codes whose data changed (None: everything). It counts the registry of the villages
under them in two grouped queries, adds each area above from its children's stored rows (level by level, bottom
up — the same path for one village and for the whole province), copies the latest finished assessment of each year
and the year's poverty measures, and computes the work figures (funds, rectification, visits, monitoring) of the
province, cities and counties through the contest's computed indicators, the one definition of each rate. Nothing
here reads the registry row by row; the dashboards read only these rows.

The batch engine triggers it: `tuopin.areas.signals.figures_stale` is sent after an assessment run, a screening run,
a registry import and a ledger import, and dashboards.apps connects `figures_stale_received`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from tuopin.areas.codes import LENGTHS, area_q, child_length
from tuopin.areas.models import Area
from tuopin.dashboards.models import AreaFigures

Progress = Callable[[int, int, str], None]
POOR_STATUSES = ("poor", "relapsed")
# The work figures shown on a dashboard, each the contest's computed indicator of that key.
PROGRAMME_INDICATORS = (
    "fund_disbursement",
    "idle_funds",
    "rectification_closure",
    "rectification_overdue",
    "visit_compliance",
    "monitoring_coverage",
    "cases_eliminated",
    "alert_response_days",
)
PROGRAMME_LEVELS = ("province", "city", "county")
CHUNK = 200  # areas per indicator call: each area is one prefix range in the query's OR


def _add(into: dict[str, Any], other: dict[str, Any]) -> None:
    """Add `other` into `into`: numbers add, dicts merge recursively."""
    for key, value in other.items():
        if isinstance(value, dict):
            _add(into.setdefault(key, {}), value)
        else:
            into[key] = into.get(key, 0) + value


MANY = 2000  # more changed areas than this: refresh everything (one pass is cheaper than many filters)


def _under(field: str, codes: Sequence[str] | None) -> list[Q]:
    """Filters, each for a part of `codes` (nothing: everything), matching rows whose `field` lies under one of
    them: villages by an IN list, other areas by their prefix ranges, in parts small enough for every database."""
    if codes is None:
        return [Q()]
    villages = sorted(code for code in codes if child_length(code) is None)
    others = sorted(code for code in codes if child_length(code) is not None)
    parts = [Q(**{f"{field}__in": villages[i : i + 500]}) for i in range(0, len(villages), 500)]
    for start in range(0, len(others), 100):
        where = Q(pk__in=[])
        for code in others[start : start + 100]:
            where |= area_q(field, code)
        parts.append(where)
    return parts


def _village_counts(codes: Sequence[str] | None) -> dict[str, dict[str, Any]]:
    """The registry's counts per village under `codes` (all villages when None), in two grouped queries (per part
    of a long list of codes)."""
    counts: dict[str, dict[str, Any]] = defaultdict(dict)
    for where, member_where in zip(
        _under("village_id", codes), _under("household__village_id", codes), strict=True
    ):
        _count_part(counts, where, member_where)
    return counts


def _count_part(counts: dict[str, dict[str, Any]], where: Q, member_where: Q) -> None:
    from tuopin.registry.models import Household, Member

    households = (
        Household.objects.filter(where, merged_into__isnull=True)
        .order_by()
        .values(
            "village_id",
            "status",
            "category",
            "main_cause",
            "population_type",
            "identification_year",
            "exit_year",
        )
        .annotate(n=Count("id"))
    )
    for row in households.iterator(chunk_size=5000):
        n = row["n"]
        part: dict[str, Any] = {
            "households": n,
            "by_status": {row["status"]: n},
            "by_category": {row["category"]: n},
            "by_cause": {row["main_cause"]: n},
            "by_population_type": {row["population_type"]: n},
        }
        if row["status"] in POOR_STATUSES:
            part["poor_households"] = n
        if row["identification_year"]:
            part["identified"] = {str(row["identification_year"]): n}
        if row["exit_year"]:
            part["exited"] = {str(row["exit_year"]): n}
        _add(counts[row["village_id"]], part)
    members = (
        Member.objects.filter(member_where, left_on__isnull=True, household__merged_into__isnull=True)
        .order_by()
        .values("household__village_id", "household__status", "household__population_type")
        .annotate(n=Count("id"))
    )
    for member in members.iterator(chunk_size=5000):
        n = member["n"]
        part = {"persons": n, "persons_by_population_type": {member["household__population_type"]: n}}
        if member["household__status"] in POOR_STATUSES:
            part["poor_persons"] = n
        _add(counts[member["household__village_id"]], part)


def _affected(codes: Sequence[str] | None) -> list[tuple[str, str, str]]:
    """(code, level, parent) of every area under `codes` and above them, or of every area."""
    columns = ("code", "level", "parent_id")
    if codes is None:
        return list(Area.objects.order_by().values_list(*columns))
    above = sorted({code[:n] for code in codes for n in LENGTHS if n < len(code)} - set(codes))
    found: dict[str, tuple[str, str, str]] = {}
    for where in [
        *_under("code", codes),
        *(Q(code__in=above[i : i + 500]) for i in range(0, len(above), 500)),
    ]:
        found.update((row[0], row) for row in Area.objects.filter(where).order_by().values_list(*columns))
    return list(found.values())


def _yearly(codes: Iterable[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per area and year (as text): the latest finished assessment of the year."""
    from tuopin.assessment.models import AreaResult

    wanted = set(codes)
    results = AreaResult.objects.filter(run__status="done")
    if len(wanted) <= 2000:  # a few areas: read only theirs (more would overflow the query's parameters)
        results = results.filter(code__in=wanted)
    latest = results.order_by("run__year", "-run__started_at", "-run_id").values_list(
        "code", "run__year", "run_id", "poor_persons", "rural_population", "incidence", "households"
    )
    yearly: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for code, year, run, poor, rural, incidence, households in latest.iterator(chunk_size=5000):
        if code in wanted and str(year) not in yearly[code]:
            yearly[code][str(year)] = {
                "run": run,
                "poor_persons": poor,
                "rural_population": rural,
                "incidence": None if incidence is None else round(incidence * 100, 4),
                "assessed_households": households,
            }
    return yearly


def programme_year() -> int:
    """The year the work figures describe: the latest year with a project, else this year."""
    from tuopin.assistance.models import Project

    return Project.objects.aggregate(year=Max("year"))["year"] or timezone.localdate().year


def _jsonable(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value


def _programme(codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The work figures of each area (the contest's computed indicators of the programme year, on the year's last
    day or today, whichever is earlier)."""
    from tuopin.contest.indicators import REGISTRY, computing

    year = programme_year()
    as_of = min(timezone.localdate(), datetime.date(year, 12, 31))
    out: dict[str, dict[str, Any]] = {
        code: {"year": year, "as_of": as_of.isoformat(), "values": {}} for code in codes
    }
    with computing():
        for start in range(0, len(codes), CHUNK):
            chunk = codes[start : start + CHUNK]
            for key in PROGRAMME_INDICATORS:
                for code, (value, detail) in REGISTRY[key].compute(chunk, year, as_of).items():
                    out[code]["values"][key] = {
                        "value": _jsonable(value),
                        **{k: _jsonable(v) for k, v in detail.items() if k in ("numerator", "denominator")},
                    }
    _pipeline(codes, out)
    return out


def _pipeline(codes: Sequence[str], out: dict[str, dict[str, Any]]) -> None:
    """The monitoring pipeline now: alerts by status and cases by state, per area."""
    from tuopin.contest.indicators import grouped
    from tuopin.monitoring.models import Alert, Case

    for start in range(0, len(codes), CHUNK):
        chunk = codes[start : start + CHUNK]
        alerts = grouped(
            Alert.objects.all(),
            "area_id",
            chunk,
            new=Count("id", filter=Q(status="new")),
            checking=Count("id", filter=Q(status="checking")),
            no_risk=Count("id", filter=Q(status="no_risk")),
            case=Count("id", filter=Q(status="case")),
        )
        cases = grouped(
            Case.objects.all(),
            "area_id",
            chunk,
            monitoring=Count("id", filter=Q(state="monitoring")),
            eliminated=Count("id", filter=Q(state="eliminated")),
        )
        for code in chunk:
            out[code]["alerts"] = alerts[code]
            out[code]["cases"] = cases[code]


def _measures(codes: Sequence[str], year: int | None) -> dict[str, dict[str, Any]]:
    """Per area: the poverty measures of the registry in `year` (an assessed year) under the shipped
    specification (tuopin.measures.registry, THE computation the measures page and command use), for the province,
    cities and counties, each decomposed by its children; an area with nobody to measure (or no policy values for
    the year) has none."""
    from tuopin.measures.registry import Fetched, RegistryRefused, registry_measures, registry_rows
    from tuopin.measures.specs import DEFAULT, spec_named

    if year is None:
        return {}
    spec = spec_named(DEFAULT)
    fetched: dict[str, Fetched] = {}  # the rows of each province, read once for all its areas
    out: dict[str, dict[str, Any]] = {}
    for code in sorted(codes, key=len):
        province = code[:2]
        try:
            if province not in fetched:
                fetched[province] = registry_rows(year, spec, province)
            out[code] = registry_measures(year, spec, within=(code,), fetched=fetched[province]).as_dict()
        except RegistryRefused:
            continue
    return out


def figures_refresh(codes: Sequence[str] | None = None, *, progress: Progress | None = None) -> int:
    """Refresh the stored figures of the areas under `codes` and above them (all areas when None); the number of
    areas written."""
    report = progress or (lambda done, total, phase: None)
    if codes is not None and len(codes) > MANY:
        codes = None
    report(0, 5, "registry")
    villages = _village_counts(codes)
    areas = _affected(codes)
    if not areas:
        return 0
    report(1, 5, "areas")
    # The unchanged siblings of the changed areas, whose stored counts their parents add (none in a full refresh).
    stored = (
        {}
        if codes is None
        else {
            f.area_id: f.registry
            for f in AreaFigures.objects.filter(parent_code__in={parent for _, _, parent in areas if parent})
            .exclude(area_id__in={code for code, _, _ in areas})
            .only("area_id", "registry")
        }
    )
    registry: dict[str, dict[str, Any]] = {}
    by_length: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for area in areas:
        by_length[len(area[0])].append(area)
    children: dict[str, list[str]] = defaultdict(list)
    for code, _level, parent in areas:
        if parent:
            children[parent].append(code)
    for code in stored:
        children[code[: LENGTHS[LENGTHS.index(len(code)) - 1]]].append(code)
    for length in sorted(by_length, reverse=True):
        for code, _level, _parent in by_length[length]:
            if child_length(code) is None:
                registry[code] = villages.get(code, {})
                continue
            total: dict[str, Any] = {}
            for child in children.get(code, ()):
                _add(total, registry.get(child, stored.get(child, {})))
            registry[code] = total
    report(2, 5, "assessments")
    yearly = _yearly(code for code, _, _ in areas)
    top = [code for code, level, _ in areas if level in PROGRAMME_LEVELS]
    report(3, 5, "programme")
    programme = _programme(top) if top else {}
    # The measures of every assessed year in a full refresh; an incremental one recomputes the latest year only
    # (a change reaches past years' incomes rarely: `tuopin dashboards refresh` recomputes them all) and keeps the
    # stored measures of the years before.
    assessed = sorted({int(y) for code in top for y in yearly.get(code, {})})
    recomputed = assessed if codes is None else assessed[-1:]
    report(4, 5, "measures")
    measures = {year: _measures(top, year) for year in recomputed}
    kept = (
        {}
        if codes is None
        else {
            f.area_id: f.yearly for f in AreaFigures.objects.filter(area_id__in=top).only("area_id", "yearly")
        }
    )
    now = timezone.now()
    rows = []
    for code, _level, parent in areas:
        years = yearly.get(code, {})
        for year, figures in kept.get(code, {}).items():
            if "measures" in figures and year in years and int(year) not in recomputed:
                years[year]["measures"] = figures["measures"]
        for year in recomputed:
            if code in measures[year]:
                years.setdefault(str(year), {})["measures"] = measures[year][code]
        rows.append(
            AreaFigures(
                area_id=code,
                parent_code=parent or "",
                registry=registry[code],
                yearly=years,
                programme=programme.get(code, {}),
                refreshed_at=now,
            )
        )
    with transaction.atomic():
        AreaFigures.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["area"],
            update_fields=["parent_code", "registry", "yearly", "programme", "refreshed_at"],
        )
    report(5, 5, "done")
    return len(rows)


def figures_stale_received(sender: Any, codes: Sequence[str] | None = None, **kwargs: Any) -> None:
    """The receiver of `figures_stale`: refresh the areas whose data changed (not when settings.TUOPIN_FIGURES_REFRESH is off)."""
    if settings.TUOPIN_FIGURES_REFRESH:
        figures_refresh(None if not codes or "" in codes else list(codes))
