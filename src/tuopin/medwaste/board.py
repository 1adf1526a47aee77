"""The board of coverage and compliance by area (issue 18, part 4): for each child of an area (its counties for a
city, its townships for a county …) the townships and how many hold a transfer point, the facilities and how many
are attached, each timed rule's findings and the kilograms received at its points.

Every finding comes from ONE compliance() run over the area, sorted to the child holding its place; nothing is
judged twice, so the rows add up to the run's totals (`Board.total`). Places that stand at the area's own level
(a hospital registered to the county itself) make a row of their own, `Board.own`. The reads that place the
findings are bounded: one grouped query per kind of count and one per kind of place, whatever the size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import Substr

from tuopin.accounts.areas import areas_for
from tuopin.areas.codes import area_q, child_length
from tuopin.areas.models import Level
from tuopin.medwaste import selectors
from tuopin.medwaste.compliance import Compliance, compliance
from tuopin.medwaste.selectors import AnyUser

# The timed rules a row counts, by the Row field that counts each.
RULE_FIELDS = {
    "late_collection": "late_collections",
    "late_removal": "late_removals",
    "overstay": "overstays",
    "imbalance": "imbalances",
}
FACILITY_RULES = ("late_collection",)  # whose place is a facility; the others' is a transfer point


@dataclass
class Row:
    """One child area's figures (or the area's own places, or the total)."""

    code: str
    name: str
    townships: int = 0
    townships_with_point: int = 0
    facilities: int = 0
    facilities_attached: int = 0
    late_collections: int = 0
    late_removals: int = 0
    overstays: int = 0
    imbalances: int = 0
    received_kg: Decimal = field(default_factory=Decimal)

    @property
    def coverage(self) -> float | None:
        """The share of townships holding a transfer point, in per cent (None without townships)."""
        if not self.townships:
            return None
        return round(100 * self.townships_with_point / self.townships, 1)

    @property
    def townships_without_point(self) -> int:
        return self.townships - self.townships_with_point

    @property
    def facilities_unattached(self) -> int:
        return self.facilities - self.facilities_attached

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self) if f.name not in ("code", "name"))

    def add(self, other: Row) -> None:
        for f in fields(self):
            if f.name not in ("code", "name"):
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass(frozen=True)
class Board:
    area: str
    found: Compliance
    rows: list[Row]  # the children, by code
    own: Row | None  # the places at the area's own level, when there are any
    total: Row  # from the run itself: what the rows must add up to


def board(user: AnyUser, area: str, start: date, end: date, *, as_of: datetime | None = None) -> Board:
    """The board of `area` (which the caller has checked lies in the user's scope) for the period from `start` to
    `end`. Raises compliance.ComplianceRefused as compliance() does."""
    found = compliance(start, end, area=area, as_of=as_of)
    length = child_length(area) or len(area)
    children = areas_for(user).filter(parent_id=area).order_by("code").values_list("code", "name")
    rows = {code: Row(code, name) for code, name in children}
    own = Row(area, "")

    def row_of(code: str) -> Row:
        """The row of the child holding the area `code`, or the area's own row for a place at its level."""
        return rows.get(code[:length], own) if len(code) > len(area) else own

    without_point = Counter(row_of(code).code for code, _name in found.townships_without_point)
    for child, n in _townships(user, area, length).items():
        row = row_of(child)
        row.townships += n
        row.townships_with_point += n - without_point[row.code]
    facility_area = dict(selectors.facilities_for(user, within=area).values_list("code", "area_id"))
    unattached = Counter(row_of(facility_area.get(code, area)).code for code in found.facilities_unattached)
    for child, n in Counter(row_of(code).code for code in facility_area.values()).items():
        row = rows.get(child, own)
        row.facilities += n
        row.facilities_attached += n - unattached[child]
    point_area = dict(selectors.points_for(user, within=area).values_list("code", "area_id"))
    for item in found.items:
        if item.rule in RULE_FIELDS:
            place = (facility_area if item.rule in FACILITY_RULES else point_area).get(item.place, area)
            row, name = row_of(place), RULE_FIELDS[item.rule]
            setattr(row, name, getattr(row, name) + 1)
    # Every receipt at a point of the area, whoever gave it, as the rules count it.
    received = selectors.received_at(
        selectors.points_for(user, within=area), since=found.start, until=found.end
    )
    for code, kg in received.items():
        row_of(point_area[code]).received_kg += kg
    total = _total(area, found, rows.values(), own)
    return Board(area, found, list(rows.values()), None if own.is_empty() else own, total)


def _townships(user: AnyUser, area: str, length: int) -> Counter[str]:
    """The townships of the area by the code of the child holding them (one grouped query)."""
    townships = areas_for(user).filter(area_q("code", area), level=Level.TOWNSHIP)
    found = townships.order_by().values(child=Substr("code", 1, length)).annotate(n=Count("code"))
    return Counter({row["child"]: row["n"] for row in found})


def _total(area: str, found: Compliance, rows: Iterable[Row], own: Row) -> Row:
    """The total: the findings counted from the run itself, the places and weights summed from the rows."""
    total = Row(area, "")
    for row in (*rows, own):
        total.add(row)
    total.townships_with_point = total.townships - len(found.townships_without_point)
    total.facilities_attached = total.facilities - len(found.facilities_unattached)
    for rule, name in RULE_FIELDS.items():
        setattr(total, name, found.count(rule))
    return total
