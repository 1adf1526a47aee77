"""Indicator runs: every indicator of one system version computed for a set of areas, stored, and reproducible.

A run reads its input once, in one transaction that sees one state of the data (`frozen`): the computed indicators
through tuopin.contest.indicators, the entered values of the system, the policy profiles of the areas' provinces. It
takes the sha256 of a canonical JSON of that input as its
checksum (the same data gives the same checksum; any change of a value, a numerator or a policy value changes it),
scores each value with the version's definition and stores the run with one IndicatorValue per area and indicator in
one transaction, audited. The stored values are what a ranking uses: `run_scores` totals them, `run_reproduce`
scores the stored values again with the stored version and must find the stored scores.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from tuopin.accounts.permissions import write_required
from tuopin.areas.codes import code_at
from tuopin.areas.models import Area, Level
from tuopin.audit.services import audit_record
from tuopin.contest.indicators import REGISTRY, computing
from tuopin.contest.models import EnteredValue, IndicatorRun, IndicatorValue, SystemVersion
from tuopin.contest.systems import Definition, definition_parse, scored, system_score
from tuopin.policy.selectors import policy_for

if TYPE_CHECKING:
    from tuopin.accounts.models import User

ENTERED_SOURCE = "contest.EnteredValue"


@dataclass(frozen=True)
class RunInput:
    """What a run reads, in the canonical form its checksum is taken of."""

    values: dict[
        str, dict[str, tuple[Decimal | None, dict[str, Any]]]
    ]  # indicator key -> area -> (value, details)
    policy: dict[
        str, Any
    ]  # province -> the profile's snapshot of the year ("13/2020": of the as-of date's year)

    def canonical(self, *, version: SystemVersion, areas: Sequence[str], year: int, as_of: date) -> str:
        document = {
            "system": version.system.key,
            "version": version.version,
            "definition": version.definition,
            "areas": sorted(areas),
            "year": year,
            "as_of": as_of.isoformat(),
            "policy": self.policy,
            "values": {
                key: {area: [_text(value), details] for area, (value, details) in sorted(by_area.items())}
                for key, by_area in sorted(self.values.items())
            },
        }
        return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def run_input(
    definition: Definition, *, version: SystemVersion, areas: Sequence[str], year: int, as_of: date
) -> RunInput:
    """Read every value the definition needs for the areas, once: each computed indicator of the registry (one call
    per registry key, however many indicators name it), the system's entered values, the policy profiles."""
    values: dict[str, dict[str, tuple[Decimal | None, dict[str, Any]]]] = {}
    computed: dict[str, dict[str, tuple[Decimal | None, dict[str, Any]]]] = {}
    entered_keys = [i.key for i in definition.indicators() if i.entered]
    entered: dict[tuple[str, str], EnteredValue] = {}
    if entered_keys:
        rows = EnteredValue.objects.filter(
            system_id=version.system_id, indicator__in=entered_keys, area_id__in=list(areas), year=year
        )
        entered = {(row.indicator, row.area_id): row for row in rows}
    for indicator in definition.indicators():
        if indicator.computed:
            if indicator.computed not in computed:
                computed[indicator.computed] = REGISTRY[indicator.computed].compute(areas, year, as_of)
            values[indicator.key] = computed[indicator.computed]
            continue
        by_area: dict[str, tuple[Decimal | None, dict[str, Any]]] = {}
        for area in areas:
            row = entered.get((indicator.key, area))
            by_area[area] = (
                (
                    row.value,
                    {
                        "source": row.source,
                        "entered": ENTERED_SOURCE,
                        "entered_at": row.entered_at.isoformat(),
                    },
                )
                if row is not None
                else (None, {"source": ENTERED_SOURCE, "missing": True})
            )
        values[indicator.key] = by_area
    provinces = sorted({code_at(area, "province") for area in areas})
    policy: dict[str, Any] = {province: policy_for(year, province).snapshot() for province in provinces}
    if as_of.year != year:  # what is judged on the as-of date (idle funds) reads that year's values
        policy |= {f"{p}/{as_of.year}": policy_for(as_of.year, p).snapshot() for p in provinces}
    return RunInput(values, policy)


@contextmanager
def frozen() -> Iterator[None]:
    """One transaction for the reads of a run, so that they see one state of the data: on PostgreSQL a repeatable
    read (every statement reads the snapshot of the first), on SQLite the transaction's own snapshot. The writes
    come after it in their own transaction (the audit chain's head must be read as it is then). Inside a transaction
    already open (a test, a caller's own) the reads join it."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def checksum_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _stored(value: Decimal | None) -> Decimal | None:
    """A value as the database keeps it (four places), so that scoring it again gives the stored score."""
    return None if value is None else value.quantize(Decimal("0.0001"))


def indicator_run_check(
    *,
    actor: User | None,
    version: SystemVersion,
    organiser: Area,
    areas: Sequence[str],
    year: int,
    as_of: date,
) -> list[str]:
    """Refuse a run the actor may not make (audited, WriteRefused) or whose areas or dates are wrong (every problem
    at once, ValidationError); return the areas' codes, sorted. A page calls it before it starts the run's job."""
    codes = sorted(set(areas))
    write_required(
        actor,
        area_codes=[organiser.code, *codes],
        action="contest.run",
        object_type="indicator_run",
        object_id=version.system.key,
        message=_("您无权为该单位计算指标。"),
    )
    problems: dict[str, list[str]] = {}
    areas_problems = problems.setdefault("areas", [])
    if not codes:
        areas_problems.append(_("请选择参加考核的区划。"))
    outside = [code for code in codes if code == organiser.code or not code.startswith(organiser.code)]
    if outside:
        areas_problems.append(_("不在组织单位之下的区划：%(codes)s") % {"codes": "、".join(outside)})
    levels = dict(Area.objects.filter(code__in=codes).values_list("code", "level"))
    unknown = sorted(set(codes) - set(levels))
    if unknown:
        areas_problems.append(_("没有这些区划代码：%(codes)s") % {"codes": "、".join(unknown)})
    if any(level != version.system.level for level in levels.values()):
        areas_problems.append(
            _("该指标体系考核的是%(level)s级区划，所选区划不是。")
            % {"level": Level(version.system.level).label}
        )
    if not areas_problems:
        del problems["areas"]
    if as_of.year < year:
        problems["as_of"] = [_("数据截至日期不能早于考核年度。")]
    if problems:
        raise ValidationError(problems)
    return codes


def indicator_run(
    *,
    actor: User | None,
    version: SystemVersion,
    organiser: Area,
    areas: Sequence[str],
    year: int,
    as_of: date,
) -> IndicatorRun:
    """Compute every indicator of `version` for `areas` (below the organiser) for `year` on the data as of `as_of`,
    and store it (see the module notes). The actor must hold the write capability over the organiser's area."""
    codes = indicator_run_check(
        actor=actor, version=version, organiser=organiser, areas=areas, year=year, as_of=as_of
    )
    definition = definition_parse(version.definition)
    with frozen(), computing():
        read = run_input(definition, version=version, areas=codes, year=year, as_of=as_of)
    stored = {
        key: {area: _stored(value) for area, (value, _d) in by_area.items()}
        for key, by_area in read.values.items()
    }
    scores = scored(definition, stored, codes)
    checksum = checksum_of(read.canonical(version=version, areas=codes, year=year, as_of=as_of))
    with transaction.atomic():
        run = IndicatorRun.objects.create(
            version=version,
            organiser=organiser,
            year=year,
            as_of=as_of,
            policy_values=read.policy,
            checksum=checksum,
            created_by=actor.username if actor is not None else "system",
        )
        IndicatorValue.objects.bulk_create(
            IndicatorValue(
                run=run,
                area_id=area,
                indicator=indicator.key,
                value=stored[indicator.key][area],
                score=scores[indicator.key][area],
                details=read.values[indicator.key][area][1],
            )
            for indicator in definition.indicators()
            for area in codes
        )
        audit_record(
            action="contest.run",
            actor=actor,
            object_type="indicator_run",
            object_id=str(run.pk),
            area=organiser.code,
            details={
                "system": version.system.key,
                "version": version.version,
                "organiser": organiser.code,
                "year": year,
                "as_of": as_of.isoformat(),
                "areas": len(codes),
                "checksum": checksum,
            },
        )
    return run


def _stored_values(run: IndicatorRun) -> dict[str, dict[str, IndicatorValue]]:
    found: dict[str, dict[str, IndicatorValue]] = {}
    for value in IndicatorValue.objects.filter(run=run):
        found.setdefault(value.indicator, {})[value.area_id] = value
    return found


def _areas(stored: Mapping[str, Mapping[str, IndicatorValue]]) -> list[str]:
    return sorted({area for by_area in stored.values() for area in by_area})


def run_scores(run: IndicatorRun) -> dict[str, Decimal]:
    """Each area's total 0–100 from the run's stored indicator scores and its version's definition."""
    definition = definition_parse(run.version.definition)
    stored = _stored_values(run)
    return {
        area: system_score(
            definition, {key: by_area[area].score for key, by_area in stored.items() if area in by_area}
        )
        for area in _areas(stored)
    }


@dataclass(frozen=True)
class Reproduction:
    scores: dict[str, dict[str, Decimal]]  # indicator -> area -> score, from the stored values
    totals: dict[str, Decimal]
    differences: list[str]  # "indicator area: stored → again", empty when the run reproduces


def run_reproduce(run: IndicatorRun) -> Reproduction:
    """Score the run's stored values again with its stored version, and total them: the result must equal what was
    stored (a rank is among the run's own areas, so it is reproduced too)."""
    definition = definition_parse(run.version.definition)
    stored = _stored_values(run)
    areas = _areas(stored)
    values = {key: {area: row.value for area, row in by_area.items()} for key, by_area in stored.items()}
    again = scored(definition, values, areas)
    differences = []
    for key, by_area in again.items():
        for area, score in by_area.items():
            kept = stored.get(key, {}).get(area)
            if kept is None or kept.score != score:
                differences.append(f"{key} {area}: {kept.score if kept else '—'} → {score}")
    totals = {area: system_score(definition, {key: again[key][area] for key in again}) for area in areas}
    return Reproduction(again, totals, differences)
