"""Reads of the medical-waste network: THE one place where each role's part of it is decided.

- the command line (None) reads everything;
- a user without the medical-waste capability (MEDWASTE) reads nothing of it;
- a transfer point's keeper (role `keeper`) reads the points it is linked to (PlaceMember), the facilities
  attached to them, the handovers given or received at them and the disposal units serving their areas (to choose
  as a removal's receiver);
- a facility's user (role `facility`) reads its linked facilities, their points and the handovers they gave;
- every other holder (offices, inspectors, a health or environment office) reads by its area scope: a place by
  its area, a handover by its giver's area (`Handover.area`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet, Sum
from django.utils import timezone

from tuopin.accounts.models import User
from tuopin.accounts.roles import Capability, Role
from tuopin.accounts.scope import scope_q
from tuopin.areas.codes import ancestor_codes, area_q
from tuopin.medwaste.models import (
    Disposer,
    Facility,
    Handover,
    PlaceKind,
    PlaceMember,
    TransferPoint,
    WasteCategory,
)

AnyUser = User | AnonymousUser
_M = TypeVar("_M", bound=Model)
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Links:
    """The places a keeper or a facility's user is linked to: codes and areas."""

    points: dict[str, str]  # code -> area code
    facilities: dict[str, str]


def links_of(user: AnyUser) -> Links:
    """The user's PlaceMember links (one query, cached on the user object for the request)."""
    cached: Links | None = getattr(user, "_medwaste_links", None)
    if cached is not None:
        return cached
    points: dict[str, str] = {}
    facilities: dict[str, str] = {}
    if user.is_authenticated and user.is_active:
        rows = PlaceMember.objects.filter(user_id=user.pk).values_list(
            "point__code", "point__area_id", "facility__code", "facility__area_id"
        )
        for point, point_area, facility, facility_area in rows:
            if point:
                points[point] = point_area
            if facility:
                facilities[facility] = facility_area
    found = Links(points, facilities)
    setattr(user, "_medwaste_links", found)  # noqa: B010 - a per-request cache on the user object
    return found


def _linked_role(user: AnyUser | None) -> str:
    """ "keeper" or "facility" for the roles that read by their links, "none" for a user without the capability,
    "" for the area scope."""
    if user is None:
        return ""
    if not user.is_authenticated or not user.can(Capability.MEDWASTE):
        return "none"
    role = getattr(user, "role", "")
    return role if role in {Role.KEEPER, Role.FACILITY} else ""


def _by_area(user: AnyUser | None, field: str, within: str) -> Q:
    if user is None:
        return area_q(field, within) if within else Q()
    return scope_q(user, field, within=within)


def _within(query: Q, field: str, within: str) -> Q:
    return query & area_q(field, within) if within else query


def _point_q(user: AnyUser | None, within: str = "") -> Q:
    role = _linked_role(user)
    if role == "none":
        return NOTHING
    if role == Role.KEEPER:
        return _within(Q(code__in=list(links_of(user).points)), "area_id", within)  # type: ignore[arg-type]
    if role == Role.FACILITY:
        codes = list(links_of(user).facilities)  # type: ignore[arg-type]
        attached = Facility.objects.filter(code__in=codes).values("point_id")
        return _within(Q(pk__in=attached), "area_id", within)
    return _by_area(user, "area_id", within)


def _facility_q(user: AnyUser | None, within: str = "") -> Q:
    role = _linked_role(user)
    if role == "none":
        return NOTHING
    if role == Role.KEEPER:
        return _within(Q(point__code__in=list(links_of(user).points)), "area_id", within)  # type: ignore[arg-type]
    if role == Role.FACILITY:
        return _within(Q(code__in=list(links_of(user).facilities)), "area_id", within)  # type: ignore[arg-type]
    return _by_area(user, "area_id", within)


def _disposer_q(user: AnyUser | None, within: str = "") -> Q:
    role = _linked_role(user)
    if role == "none" or role == Role.FACILITY:
        return NOTHING
    if role == Role.KEEPER:
        return _within(Q(pk__in=_serving(links_of(user).points.values())), "area_id", within)  # type: ignore[arg-type]
    return _by_area(user, "area_id", within)


def _serving(areas: Iterable[str]) -> QuerySet[Disposer]:
    """The disposal units serving any of the areas (a unit serves a city or a county: an ancestor of the area)."""
    codes = {code for area in areas for code in (*ancestor_codes(area), area)}
    return Disposer.objects.filter(serves__code__in=codes).values("pk")  # type: ignore[return-value]


def _handover_q(user: AnyUser | None, within: str = "") -> Q:
    role = _linked_role(user)
    if role == "none":
        return NOTHING
    if role == Role.KEEPER:
        codes = list(links_of(user).points)  # type: ignore[arg-type]
        given = Q(giver_kind=PlaceKind.POINT, giver_code__in=codes)
        received = Q(receiver_kind=PlaceKind.POINT, receiver_code__in=codes)
        return _within(given | received, "area_id", within)
    if role == Role.FACILITY:
        codes = list(links_of(user).facilities)  # type: ignore[arg-type]
        return _within(Q(giver_kind=PlaceKind.FACILITY, giver_code__in=codes), "area_id", within)
    return _by_area(user, "area_id", within)


def reads_by_links(user: AnyUser | None) -> bool:
    """Whether the user reads the ledger by its links to places (a keeper, a facility's user), not by area."""
    return _linked_role(user) in {Role.KEEPER, Role.FACILITY}


def handovers_for(
    user: AnyUser | None,
    *,
    within: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    category: str = "",
) -> QuerySet[Handover]:
    """Handovers the user reads (narrowed to the giver's area `within`), at or after `since` and before `until`
    when given."""
    handovers = Handover.objects.filter(_handover_q(user, within))
    if since is not None:
        handovers = handovers.filter(at__gte=since)
    if until is not None:
        handovers = handovers.filter(at__lt=until)
    if category:
        handovers = handovers.filter(category=category)
    return handovers


def points_for(user: AnyUser | None, *, within: str = "") -> QuerySet[TransferPoint]:
    return TransferPoint.objects.filter(_point_q(user, within))


def point_for(user: AnyUser | None, code: str) -> TransferPoint | None:
    """One transfer point the user reads, with its township and county."""
    return points_for(user).select_related("area__parent").filter(code=code).first()


def facilities_for(user: AnyUser | None, *, within: str = "") -> QuerySet[Facility]:
    return Facility.objects.select_related("point").filter(_facility_q(user, within))


def disposers_for(user: AnyUser | None, *, within: str = "") -> QuerySet[Disposer]:
    """Disposal units whose own area lies in the user's scope (for a keeper: those serving its points)."""
    return Disposer.objects.prefetch_related("serves").filter(_disposer_q(user, within))


def handover_for(user: AnyUser | None, number: str) -> Handover | None:
    """One handover the user reads, with the entry it reverses and its own reversal."""
    found = handovers_for(user).select_related("reverses", "reversal", "recorded_by")
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


# ------------------------------------------------------------------------------------------- the keeper's page


def facilities_attached(user: AnyUser | None, point: TransferPoint) -> QuerySet[Facility]:
    """The facilities attached to the point that the user reads (the givers of the receipts it may record)."""
    return facilities_for(user).filter(point=point).order_by("code")


def disposers_serving(point: TransferPoint) -> QuerySet[Disposer]:
    """The disposal units serving the point's area (the receivers of its removals), whatever their own area."""
    return Disposer.objects.filter(pk__in=_serving([point.area_id])).order_by("code")


def last_removal(point: TransferPoint) -> Handover | None:
    """The point's latest removal to a disposal unit (its vehicle, method and destination prefill the next)."""
    removals = Handover.objects.filter(
        giver_kind=PlaceKind.POINT, giver_code=point.code, receiver_kind=PlaceKind.DISPOSER, reverses=None
    )
    return removals.order_by("-at", "-id").first()


def handovers_today(user: AnyUser | None, point: TransferPoint) -> QuerySet[Handover]:
    """The handovers given or received at the point since local midnight, newest first."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return handovers_at_place(handovers_for(user, since=midnight), point.code).order_by("-at", "-id")


@dataclass(frozen=True)
class Stock:
    """What of a category is at a point now: received less removed, and since when the oldest of it waits (first
    in, first out)."""

    category: str
    label: str
    kg: Decimal
    oldest: datetime | None
    hours: int | None


GRAM = Decimal("0.001")


def effective(handovers: QuerySet[Handover]) -> QuerySet[Handover]:
    """Neither a reversed handover nor its reversal, as the rules count them (rules.effective)."""
    return handovers.filter(reverses=None, reversal=None)


def point_ledger(
    point: TransferPoint, *, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[Handover]:
    """The point's effective receipts and removals (a point gives only to a disposal unit), at or after `since` and
    before `until`: its whole ledger, whoever gave — the caller holds the point in the user's scope."""
    at_point = Q(receiver_kind=PlaceKind.POINT, receiver_code=point.code) | Q(
        giver_kind=PlaceKind.POINT, giver_code=point.code
    )
    return effective(handovers_for(None, since=since, until=until).filter(at_point))


def received_at(
    points: QuerySet[TransferPoint], *, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Decimal]:
    """The kilograms each of `points` received (effective receipts, whoever gave, as the rules count them), in whole
    grams; one grouped query. The caller holds the points in the user's scope."""
    receipts = effective(
        handovers_for(None, since=since, until=until).filter(
            receiver_kind=PlaceKind.POINT, receiver_code__in=points.values("code")
        )
    )
    sums = receipts.order_by().values("receiver_code").annotate(kg=Sum("kg"))
    # SQLite sums decimals as floats: back to the grams the ledger holds
    return {row["receiver_code"]: Decimal(row["kg"] or 0).quantize(GRAM) for row in sums}


def point_balance(point: TransferPoint, *, until: datetime | None = None) -> dict[str, Decimal]:
    """The point's stock by category before `until` (now if None): kilograms received less those removed; one
    query."""
    held: dict[str, Decimal] = {}
    rows = point_ledger(point, until=until).values("giver_kind", "category").annotate(kg=Sum("kg")).order_by()
    for row in rows:
        sign = -1 if row["giver_kind"] == PlaceKind.POINT else 1
        held[row["category"]] = held.get(row["category"], Decimal(0)) + sign * row["kg"]
    # SQLite sums decimals as floats: back to the grams the ledger holds, so an emptied point holds 0, not 1e-12
    return {category: kg.quantize(GRAM) for category, kg in held.items()}


def point_stock(point: TransferPoint, *, now: datetime | None = None) -> list[Stock]:
    """The point's stock by category, now: the kilograms received less those removed, and the age of the oldest
    receipt not fully removed (FIFO: the stock is the latest receipts', so read back from the newest until they
    hold it). A live figure for the keeper; the overstay findings of a period are rules.overstays'."""
    now = now or timezone.now()
    balance = point_balance(point)
    labels = dict(WasteCategory.choices)
    stock = []
    for category in WasteCategory.values:
        held = balance.get(category) or Decimal(0)
        if held <= 0:
            continue
        oldest = _oldest_unremoved(point, category, held)
        hours = None if oldest is None else int((now - oldest).total_seconds() // 3600)
        stock.append(Stock(category, str(labels[category]), held, oldest, hours))
    return stock


def _oldest_unremoved(point: TransferPoint, category: str, held: Decimal) -> datetime | None:
    receipts = effective(
        Handover.objects.filter(receiver_kind=PlaceKind.POINT, receiver_code=point.code, category=category)
    ).order_by("-at", "-id")
    total = Decimal(0)
    for at, kg in receipts.values_list("at", "kg").iterator(chunk_size=100):
        total += kg
        if total >= held:
            return at
    return None
