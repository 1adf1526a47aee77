"""Scoped reads of indicator systems, their versions, entered values and runs.

A user sees the systems Tuopin ships (no owner) and those of the province offices over or inside its scope (a county
uses its province's systems); a province office edits only its own (`may_edit_system`). Runs are seen by the users
whose scope holds the organiser (the organiser's office and the offices above it), entered values by area scope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Max, Q, QuerySet

from tuopin.accounts.roles import Capability, Role
from tuopin.accounts.scope import area_codes, held_area_codes, scope_q
from tuopin.areas.codes import ancestor_codes, code_at
from tuopin.areas.models import Area
from tuopin.contest.models import EnteredValue, IndicatorRun, IndicatorSystem, IndicatorValue, SystemVersion

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User

    AnyUser = User | AnonymousUser


def _owners_q(user: AnyUser | None) -> Q:
    if user is None:
        return Q()
    above = sorted({a for code in area_codes(user) for a in (*ancestor_codes(code), code)})
    return Q(owner__isnull=True) | Q(owner_id__in=above) | scope_q(user, "owner_id")


def systems_for(user: AnyUser | None) -> QuerySet[IndicatorSystem]:
    """The systems the user may read and use, each with its latest version number."""
    return (
        IndicatorSystem.objects.filter(_owners_q(user))
        .select_related("owner")
        .annotate(latest=Max("versions__version"))
        .order_by("owner_id", "key")
    )


def system_for(user: AnyUser | None, key: str) -> IndicatorSystem | None:
    return systems_for(user).filter(key=key).first()


def versions_of(system: IndicatorSystem) -> QuerySet[SystemVersion]:
    """A system's versions, newest first (the system read through system_for)."""
    return system.versions.order_by("-version")


def version_of(system: IndicatorSystem, number: int | None = None) -> SystemVersion | None:
    """One version of the system (the latest without a number)."""
    versions = versions_of(system)
    return (versions.filter(version=number) if number is not None else versions).first()


def edit_province(user: AnyUser | None) -> str:
    """The province whose systems the user may edit: a province office's own province ("" for anyone else)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ""
    if getattr(user, "role", "") != Role.PROVINCE or not user.can(Capability.WRITE):
        return ""
    held = [code for code in held_area_codes(user) if len(code) == 2]
    return held[0] if held else ""


def may_edit_system(user: AnyUser | None, system: IndicatorSystem) -> bool:
    """A province office edits the systems its province owns (shipped systems are copied, never edited)."""
    if user is None:
        return True
    province = edit_province(user)
    return bool(province) and system.owner_id == province


def runs_for(user: AnyUser | None) -> QuerySet[IndicatorRun]:
    """Runs organised in the user's scope, or over it (a province's run over its counties concerns each county,
    which sees its own values in it: run_values_of)."""
    runs = IndicatorRun.objects.all()
    if user is not None:
        above = sorted({a for code in area_codes(user) for a in ancestor_codes(code)})
        runs = runs.filter(scope_q(user, "organiser_id") | Q(organiser_id__in=above))
    return runs.select_related("version", "version__system", "organiser")


def run_for(user: AnyUser | None, run_id: int) -> IndicatorRun | None:
    return runs_for(user).filter(pk=run_id).first()


def runs_of(user: AnyUser | None, system: IndicatorSystem, *, limit: int = 50) -> list[IndicatorRun]:
    return list(runs_for(user).filter(version__system=system).order_by("-created_at", "-id")[:limit])


def run_values_of(user: AnyUser | None, run: IndicatorRun) -> QuerySet[IndicatorValue]:
    """The run's values of the areas in the user's scope (the run read through run_for), by area and indicator."""
    values = IndicatorValue.objects.filter(run=run)
    if user is not None:
        values = values.filter(scope_q(user, "area_id"))
    return values.select_related("area").order_by("area_id", "indicator")


def organiser_choices(user: AnyUser) -> list[Area]:
    """The areas the user may organise a run for: those it holds that have child areas."""
    return list(
        Area.objects.filter(code__in=area_codes(user))
        .annotate(child_count=Count("children"))
        .filter(child_count__gt=0)
        .order_by("code")
    )


def child_areas_of(user: AnyUser, organiser: Area) -> list[Area]:
    return list(Area.objects.filter(scope_q(user, "code"), parent=organiser).order_by("code"))


def entered_values_for(user: AnyUser | None) -> QuerySet[EnteredValue]:
    values = (
        EnteredValue.objects.all() if user is None else EnteredValue.objects.filter(scope_q(user, "area_id"))
    )
    return values.select_related("system")


def province_of(code: str) -> str:
    return code_at(code, "province")
