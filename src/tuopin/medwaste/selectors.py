"""Reads of the medical-waste network, held to the user's area scope (None: the system, everything): a place by its
area, a handover by its giver's area (`Handover.area`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet

from tuopin.accounts.models import User
from tuopin.accounts.scope import scope_q
from tuopin.areas.codes import area_q
from tuopin.medwaste.models import Disposer, Facility, Handover, TransferPoint

AnyUser = User | AnonymousUser
_M = TypeVar("_M", bound=Model)


def _scoped(user: AnyUser | None, queryset: QuerySet[_M], within: str = "") -> QuerySet[_M]:
    if user is None:
        return queryset.filter(area_q("area_id", within)) if within else queryset
    return queryset.filter(scope_q(user, "area_id", within=within))


def handovers_for(
    user: AnyUser | None,
    *,
    within: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    category: str = "",
) -> QuerySet[Handover]:
    """Handovers whose giver lies in the user's scope (narrowed to the area `within`), at or after `since` and
    before `until` when given."""
    handovers = _scoped(user, Handover.objects.all(), within)
    if since is not None:
        handovers = handovers.filter(at__gte=since)
    if until is not None:
        handovers = handovers.filter(at__lt=until)
    if category:
        handovers = handovers.filter(category=category)
    return handovers


def points_for(user: AnyUser | None, *, within: str = "") -> QuerySet[TransferPoint]:
    return _scoped(user, TransferPoint.objects.all(), within)


def facilities_for(user: AnyUser | None, *, within: str = "") -> QuerySet[Facility]:
    return _scoped(user, Facility.objects.select_related("point"), within)


def disposers_for(user: AnyUser | None, *, within: str = "") -> QuerySet[Disposer]:
    """Disposal units whose own area lies in the user's scope."""
    return _scoped(user, Disposer.objects.prefetch_related("serves"), within)


def handover_for(user: AnyUser | None, number: str) -> Handover | None:
    """One handover in the user's scope, with the entry it reverses and its own reversal."""
    found = _scoped(user, Handover.objects.select_related("reverses", "reversal", "recorded_by"))
    return found.filter(number=number).first()


def latest_handover_at(user: AnyUser | None, *, within: str = "") -> datetime | None:
    return handovers_for(user, within=within).order_by("-at").values_list("at", flat=True).first()


def place_names(codes: Iterable[str]) -> dict[str, str]:
    """Each place's name by its code (facilities, transfer points and disposal units: three queries)."""
    wanted = set(codes)
    names: dict[str, str] = {}
    for model in (Facility, TransferPoint, Disposer):
        names.update(model.objects.filter(code__in=wanted).values_list("code", "name"))
    return names


def handovers_at_place(handovers: QuerySet[Handover], code: str) -> QuerySet[Handover]:
    """The handovers a place gave or received."""
    return handovers.filter(Q(giver_code=code) | Q(receiver_code=code))


def place_counts(user: AnyUser | None, *, within: str = "") -> dict[str, int]:
    """How many facilities, transfer points and disposal units lie in the scope."""
    return {
        "facilities": facilities_for(user, within=within).count(),
        "points": points_for(user, within=within).count(),
        "disposers": disposers_for(user, within=within).count(),
    }


def points_listed(user: AnyUser | None, *, within: str = "") -> QuerySet[TransferPoint]:
    return points_for(user, within=within).select_related("area").order_by("code")


def facilities_listed(user: AnyUser | None, *, within: str = "") -> QuerySet[Facility]:
    return facilities_for(user, within=within).select_related("area").order_by("code")


def disposers_listed(user: AnyUser | None, *, within: str = "") -> QuerySet[Disposer]:
    return disposers_for(user, within=within).select_related("area").order_by("code")


def handovers_listed(
    user: AnyUser | None,
    *,
    within: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    category: str = "",
    place: str = "",
) -> QuerySet[Handover]:
    """The handovers list, newest first, narrowed to those a place gave or received when given."""
    found = handovers_for(user, within=within, since=since, until=until, category=category)
    if place:
        found = handovers_at_place(found, place)
    return found.order_by("-at", "number")
