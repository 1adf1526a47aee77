"""THE medical-waste rules (issue 18, POLICY.md §8), each defined ONCE as an Ibis expression over unbound tables named
as the database tables, run by tuopin.medwaste.compliance on DuckDB over the rows it reads from the database of
record.

Times are UTC timestamps without a zone (as the database of record keeps them); the window of a run is
`Window(start, end)`, where `end` is the period's end or the as-of time if earlier. Policy values (hours, the
tolerance) enter as literals; no duration is a constant here.

Only effective handovers count: neither a reversed handover nor its reversal (`effective`).

Every timed rule answers one row per finding: `rule`, `place` (a facility's or a point's code), `category` (the
waste category, "" where the rule is not per category), `start` and `stop` (the finding's span), `hours` and `kg`
(null where the rule weighs nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import ibis
from ibis.expr.types import Table

from tuopin.areas.codes import LENGTH_OF_LEVEL, LENGTHS

KG = "decimal(18, 3)"
SCHEMAS: dict[str, dict[str, str]] = {
    "medwaste_handover": {
        "id": "int64",
        "at": "timestamp",
        "giver_kind": "string",
        "giver_code": "string",
        "receiver_kind": "string",
        "receiver_code": "string",
        "category": "string",
        "kg": KG,
        "reverses_id": "int64",
    },
    "medwaste_facility": {
        "id": "int64",
        "code": "string",
        "area_id": "string",
        "point_id": "int64",
        "daily_kg": KG,
    },
    "medwaste_transferpoint": {"id": "int64", "code": "string", "area_id": "string"},
    "medwaste_disposer": {"id": "int64", "code": "string", "daily_tonnes": KG},
    "medwaste_disposer_serves": {"id": "int64", "disposer_id": "int64", "area_id": "string"},
    "areas_area": {"code": "string", "name": "string", "level": "string", "parent_id": "string"},
}
FINDING = ibis.schema(
    {
        "rule": "string",
        "place": "string",
        "category": "string",
        "start": "timestamp",
        "stop": "timestamp",
        "hours": "float64",
        "kg": KG,
    }
)


@dataclass(frozen=True)
class Window:
    """The span a run judges, in UTC without a zone: from the period's start to its end or the as-of time."""

    start: datetime
    end: datetime


def tables() -> dict[str, Table]:
    """The unbound tables the rules read, named as in the database of record."""
    return {name: ibis.table(schema, name=name) for name, schema in SCHEMAS.items()}


def in_scope(column: ibis.Value, area: str) -> ibis.Value:
    """`column` (an area code) is `area` or below it: the same range as tuopin.areas.codes.area_q."""
    if not area:
        return ibis.literal(True)
    return (column >= area) & (column <= area.ljust(LENGTHS[-1], "9"))


def effective(t: dict[str, Table]) -> Table:
    """The handovers the rules count: neither a reversed handover nor its reversal."""
    handovers = t["medwaste_handover"]
    reversed_ids = handovers.filter(handovers.reverses_id.notnull()).select(rid=handovers.reverses_id)
    return handovers.filter(handovers.reverses_id.isnull(), ~handovers.id.isin(reversed_ids.rid))


def _hours(later: ibis.Value, earlier: ibis.Value) -> ibis.Value:
    return (later.epoch_seconds() - earlier.epoch_seconds()).cast("float64") / 3600.0


def _gaps(rule: str, places: Table, given: Table, window: Window, hours: int) -> Table:
    """Each gap longer than `hours` between consecutive handovers given by each of `places` (a table of `place`):
    from its last one before the window (or the window's start if none) to the first inside it, between those
    inside, and from the last to the window's end. Each gap overlapping the window is one row."""
    start, end = ibis.literal(window.start, "timestamp"), ibis.literal(window.end, "timestamp")
    given = given.semi_join(places, "place")  # a place outside the scope (or unknown) has no gaps here
    before = given.filter(given.at < start).group_by("place").aggregate(at=given.at.max())
    anchors = places.left_join(before, "place").select(place=places.place, at=ibis.coalesce(before.at, start))
    inside = given.filter(given.at >= start, given.at < end).select("place", "at")
    ends = places.select("place", at=end)
    events = ibis.union(anchors, inside, ends, distinct=True)
    ordered = events.mutate(previous=events.at.lag().over(group_by="place", order_by="at"))
    gaps = ordered.filter(
        ordered.previous.notnull(),
        ordered.at > start,
        ordered.at.epoch_seconds() - ordered.previous.epoch_seconds() > hours * 3600,
    )
    return gaps.select(
        rule=ibis.literal(rule),
        place=gaps.place,
        category=ibis.literal(""),
        start=gaps.previous,
        stop=gaps.at,
        hours=_hours(gaps.at, gaps.previous),
        kg=ibis.null(KG),
    )


def _places(t: Table, area: str) -> Table:
    return t.filter(in_scope(t.area_id, area)).select(place=t.code)


def late_collections(t: dict[str, Table], window: Window, area: str, hours: int) -> Table:
    """Each gap longer than `hours` between consecutive collections from a facility of the scope (any effective
    handover it gives, to a point or straight to a disposal unit)."""
    handovers = effective(t)
    given = handovers.filter(handovers.giver_kind == "facility").select(
        place=handovers.giver_code, at=handovers.at
    )
    return _gaps("late_collection", _places(t["medwaste_facility"], area), given, window, hours)


def late_removals(t: dict[str, Table], window: Window, area: str, hours: int) -> Table:
    """Each gap longer than `hours` between consecutive removals from a transfer point of the scope (point →
    disposal unit)."""
    handovers = effective(t)
    given = handovers.filter(handovers.giver_kind == "point", handovers.receiver_kind == "disposer").select(
        place=handovers.giver_code, at=handovers.at
    )
    return _gaps("late_removal", _places(t["medwaste_transferpoint"], area), given, window, hours)


def _flows(t: dict[str, Table], window: Window, area: str) -> Table:
    """Each point's receipts and removals up to the window's end, per category, in order (at equal times a receipt
    before a removal), with the running totals: `received`, `removed`, and `emptied` — what FIFO has taken out,
    which never exceeds what came in (a removal of more than the stock takes the stock; the excess is the imbalance
    rule's)."""
    end = ibis.literal(window.end, "timestamp")
    points = _places(t["medwaste_transferpoint"], area)
    handovers = effective(t).filter(lambda h: h.at < end)
    receipts = handovers.filter(handovers.receiver_kind == "point").select(
        place=handovers.receiver_code,
        category=handovers.category,
        at=handovers.at,
        turn=ibis.literal(0),
        id=handovers.id,
        inflow=handovers.kg,
        outflow=ibis.literal(Decimal(0), KG),
    )
    removals = handovers.filter(
        handovers.giver_kind == "point", handovers.receiver_kind == "disposer"
    ).select(
        place=handovers.giver_code,
        category=handovers.category,
        at=handovers.at,
        turn=ibis.literal(1),
        id=handovers.id,
        inflow=ibis.literal(Decimal(0), KG),
        outflow=handovers.kg,
    )
    flows = ibis.union(receipts, removals).semi_join(points, "place")
    running = ibis.cumulative_window(group_by=["place", "category"], order_by=["at", "turn", "id"])
    flows = flows.mutate(received=flows.inflow.sum().over(running), removed=flows.outflow.sum().over(running))
    flows = flows.mutate(excess=ibis.greatest(flows.removed - flows.received, ibis.literal(Decimal(0), KG)))
    flows = flows.mutate(surplus=flows.excess.max().over(running))
    return flows.mutate(emptied=flows.removed - flows.surplus)


def overstays(t: dict[str, Table], window: Window, area: str, hours: int) -> Table:
    """Each receipt at a point of the scope not fully removed within `hours`, first in first out per category:
    the kilograms of it left at that moment and the hours it stayed (until fully removed, or the window's end).
    It counts when it was still there at some time of the window: a receipt cleared before the window is left out
    before any join, so each remaining receipt meets only the removals after it."""
    start, end = ibis.literal(window.start, "timestamp"), ibis.literal(window.end, "timestamp")
    zero = ibis.literal(Decimal(0), KG)
    flows = _flows(t, window, area)
    earlier = flows.filter(flows.at < start)
    cleared = earlier.group_by(["place", "category"]).aggregate(cleared=earlier.emptied.max())
    receipts = flows.filter(flows.turn == 0)
    receipts = receipts.left_join(cleared, ["place", "category"]).select(
        receipts.place,
        receipts.category,
        receipts.at,
        receipts.id,
        upto=receipts.received,
        since=receipts.received - receipts.inflow,
        cleared=ibis.coalesce(cleared.cleared, zero),
        deadline=receipts.at + ibis.interval(hours=hours),
    )
    receipts = receipts.filter(receipts.upto > receipts.cleared, receipts.deadline < end)
    removals = flows.filter(flows.turn == 1).select(
        r_place=flows.place, r_category=flows.category, r_at=flows.at, r_emptied=flows.emptied
    )
    joined = receipts.left_join(
        removals,
        [
            receipts.place == removals.r_place,
            receipts.category == removals.r_category,
            removals.r_at >= receipts.at,  # at equal times a removal comes after the receipt
        ],
    )
    by_receipt = joined.group_by(["place", "category", "at", "id", "upto", "since", "deadline"]).aggregate(
        emptied_by_deadline=joined.r_emptied.max(where=joined.r_at <= joined.deadline),
        gone=joined.r_at.min(where=joined.r_emptied >= joined.upto),
    )
    left = by_receipt.upto - ibis.greatest(
        by_receipt.since, ibis.coalesce(by_receipt.emptied_by_deadline, by_receipt.since)
    )
    found = by_receipt.mutate(left=left, stop=ibis.coalesce(by_receipt.gone, end))
    found = found.filter(found.left > 0, found.stop > start)
    return found.select(
        rule=ibis.literal("overstay"),
        place=found.place,
        category=found.category,
        start=found.at,
        stop=found.stop,
        hours=_hours(found.stop, found.at),
        kg=found.left.cast(KG),
    )


def imbalances(
    t: dict[str, Table], window: Window, area: str, ratio: Decimal, tolerance_kg: Decimal
) -> Table:
    """Each point of the scope and category whose removals up to the window's end exceed its receipts by more than
    max(`ratio` × received, `tolerance_kg`); `kg` is the excess, the span the window."""
    start, end = ibis.literal(window.start, "timestamp"), ibis.literal(window.end, "timestamp")
    flows = _flows(t, window, area)
    totals = flows.group_by(["place", "category"]).aggregate(
        received=flows.inflow.sum(), removed=flows.outflow.sum()
    )
    allowed = ibis.greatest(totals.received * ibis.literal(ratio), ibis.literal(tolerance_kg, KG))
    found = totals.filter(totals.removed - totals.received > allowed)
    return found.select(
        rule=ibis.literal("imbalance"),
        place=found.place,
        category=found.category,
        start=start,
        stop=end,
        hours=ibis.null("float64"),
        kg=(found.removed - found.received).cast(KG),
    )


def townships_without_point(t: dict[str, Table], area: str) -> Table:
    """The townships of the scope where no transfer point stands (a point's area is its township or below)."""
    areas, points = t["areas_area"], t["medwaste_transferpoint"]
    township = LENGTH_OF_LEVEL["township"]
    held = points.select(code=points.area_id.substr(0, township))
    townships = areas.filter(areas.level == "township", in_scope(areas.code, area))
    return townships.anti_join(held, "code").select("code", "name")


def facilities_unattached(t: dict[str, Table], window: Window, area: str) -> Table:
    """The facilities of the scope attached to no transfer point that handed nothing straight to a disposal unit in
    the window: a hospital that delivers to a disposal unit itself is served without a point; one that does neither
    has no collection at all."""
    start, end = ibis.literal(window.start, "timestamp"), ibis.literal(window.end, "timestamp")
    facilities = t["medwaste_facility"]
    handovers = effective(t)
    direct = handovers.filter(
        handovers.giver_kind == "facility",
        handovers.receiver_kind == "disposer",
        handovers.at >= start,
        handovers.at < end,
    ).select(code=handovers.giver_code)
    unattached = facilities.filter(facilities.point_id.isnull(), in_scope(facilities.area_id, area))
    return unattached.anti_join(direct, "code").select("code", "area_id")


def capacity_gaps(t: dict[str, Table], area: str) -> Table:
    """Per city of the scope (or holding it): the expected generation (Σ its facilities' daily kilograms, in tonnes a
    day) against the daily capacity of the disposal units serving it. A unit serving the city, a county of it or
    the province counts with its full capacity for each city it serves (once per city however many of its counties
    it serves): what the unit could give that city, not a share of it — so the sum over cities may exceed the
    units' total. `gap` is expected minus capacity (positive: a shortfall)."""
    areas, facilities = t["areas_area"], t["medwaste_facility"]
    serves, disposers = t["medwaste_disposer_serves"], t["medwaste_disposer"]
    city_length = LENGTH_OF_LEVEL["city"]
    cities = areas.filter(areas.level == "city")
    if area:
        cities = cities.filter(in_scope(cities.code, area) | (cities.code == area[:city_length]))
    cities = cities.select("code", "name")
    expected = (
        facilities.mutate(city=facilities.area_id.substr(0, city_length))
        .group_by("city")
        .aggregate(expected_kg=lambda f: f.daily_kg.sum())
    )
    above = serves.filter(serves.area_id.length() <= city_length)
    reach = above.inner_join(cities, cities.code.substr(0, above.area_id.length()) == above.area_id)
    reach = reach.select("disposer_id", city=reach.code)
    below = serves.filter(serves.area_id.length() > city_length).select(
        "disposer_id", city=serves.area_id.substr(0, city_length)
    )
    served = ibis.union(reach, below, distinct=True)
    served = served.inner_join(disposers, served.disposer_id == disposers.id)
    capacity = served.group_by("city").aggregate(capacity=served.daily_tonnes.sum())
    joined = cities.left_join(expected, cities.code == expected.city).select(
        "code", "name", expected_kg=ibis.coalesce(expected.expected_kg, ibis.literal(Decimal(0), KG))
    )
    joined = joined.left_join(capacity, joined.code == capacity.city).select(
        city=joined.code,
        name=joined.name,
        expected=(joined.expected_kg / ibis.literal(Decimal(1000))).cast(KG),
        capacity=ibis.coalesce(capacity.capacity, ibis.literal(Decimal(0), KG)).cast(KG),
    )
    return joined.mutate(gap=(joined.expected - joined.capacity).cast(KG)).order_by("city")


def findings(
    t: dict[str, Table],
    window: Window,
    area: str,
    *,
    collection_hours: int,
    storage_hours: int,
    ratio: Decimal,
    tolerance_kg: Decimal,
) -> Table:
    """Every timed rule's findings in one table of FINDING's shape."""
    parts = (
        late_collections(t, window, area, collection_hours),
        late_removals(t, window, area, collection_hours),
        overstays(t, window, area, storage_hours),
        imbalances(t, window, area, ratio, tolerance_kg),
    )
    return ibis.union(*(part.cast(FINDING) for part in parts))
