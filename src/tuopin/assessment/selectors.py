"""Scoped reads of stored assessment runs: a user sees the runs over or inside their scope, and of each run only the
results of areas in scope (SECURITY.md A: one selector layer)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from tuopin.accounts.scope import area_codes, in_scope, scope_q
from tuopin.areas.codes import ancestor_codes, code_at
from tuopin.areas.models import Area
from tuopin.assessment.models import AreaResult, CountyEvaluation, Run

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User

    AnyUser = User | AnonymousUser


def runs_for(user: AnyUser) -> QuerySet[Run]:
    """Runs covering some of the user's areas: over the whole registry, over an ancestor, or inside the scope."""
    codes = area_codes(user)
    if not codes:
        return Run.objects.none()
    ancestors = {above for code in codes for above in (*ancestor_codes(code), code)}
    return Run.objects.filter(Q(area="") | Q(area__in=ancestors) | scope_q(user, "area")).select_related(
        "started_by"
    )


def latest_runs_for(user: AnyUser, limit: int = 50) -> list[Run]:
    """The newest runs the user sees, for the runs page."""
    return list(runs_for(user)[:limit])


def area_names(codes: Iterable[str]) -> dict[str, str]:
    """The names of these areas by code (names are not scoped: a caller passes codes it may show)."""
    return dict(Area.objects.filter(code__in=list(codes)).values_list("code", "name"))


def run_area_choices(user: AnyUser) -> list[tuple[str, str]]:
    """The user's areas as choices of the run and what-if forms (code, name), in the order of the scope."""
    codes = area_codes(user)
    names = area_names(codes)
    return [(code, names.get(code, code)) for code in codes]


def run_for(user: AnyUser, run_id: int) -> Run | None:
    return runs_for(user).filter(pk=run_id).first()


def result_for(user: AnyUser, run: Run, code: str) -> AreaResult | None:
    if not in_scope(user, code):
        return None
    return AreaResult.objects.filter(run=run, code=code).first()


def child_results_for(user: AnyUser, run: Run, code: str) -> list[tuple[AreaResult, str]]:
    """The results of the area's children in scope, with their names, by code."""
    names = dict(Area.objects.filter(parent_id=code).values_list("code", "name"))
    results = AreaResult.objects.filter(scope_q(user, "code", within=code), run=run, code__in=list(names))
    return [(result, names[result.code]) for result in results.order_by("code")]


def poor_persons_of(run: Run, codes: Iterable[str]) -> dict[str, int]:
    """The poor persons of these areas in a run the user was given by run_for or previous_run_for."""
    return dict(run.areas.filter(code__in=list(codes)).values_list("code", "poor_persons"))


def previous_run_for(user: AnyUser, run: Run) -> Run | None:
    """The last finished run before this one of the same year and area, for the differences."""
    return (
        runs_for(user)
        .filter(year=run.year, area=run.area, status="done", started_at__lt=run.started_at)
        .order_by("-started_at")
        .first()
    )


def household_decisions_for(user: AnyUser, run: Run, village: str, folder: Path) -> list[dict[str, Any]]:
    """The decisions of one village's assessed households in a run (read from the run's Parquet files)."""
    if len(village) != 12 or not village.isdigit() or not in_scope(user, village):
        return []
    path = folder / f"{code_at(village, 'province')}.parquet"
    if not path.exists():
        return []
    import duckdb

    con = duckdb.connect()
    cursor = con.execute(
        f"SELECT * FROM read_parquet('{path.as_posix()}') WHERE village_id = ? ORDER BY number",  # noqa: S608
        [village],
    )
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def evaluations_for(user: AnyUser, *, limit: int | None = None) -> QuerySet[CountyEvaluation]:
    evaluations = CountyEvaluation.objects.filter(scope_q(user, "county_id")).select_related("county")
    return evaluations[:limit] if limit is not None else evaluations


def counties_for(user: AnyUser) -> list[tuple[str, str]]:
    return list(
        Area.objects.filter(scope_q(user, "code"), level="county")
        .order_by("code")
        .values_list("code", "name")
    )
