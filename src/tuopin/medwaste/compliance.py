"""Running the medical-waste rules (tuopin.medwaste.rules) for a period and a scope: THE one path for the command,
and later the pages and the quarterly filing.

The rows the rules need are read from the database of record (the handovers up to the window's end that touch the
scope, the places, the division tree) into Arrow tables and the rules run on an in-memory DuckDB over them — the
same SQL on SQLite and PostgreSQL. Times are local (settings.TIME_ZONE): a period runs from the start of its first
day to the end of its last, and the window a run judges ends there or at the as-of time if earlier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.areas.codes import area_q
from tuopin.areas.models import Area, Level
from tuopin.assessment.engine import sql_for
from tuopin.medwaste import rules
from tuopin.medwaste.models import Disposer, Facility, Handover, PlaceKind, TransferPoint
from tuopin.policy.selectors import policy_for

POLICY_KEYS = (
    "medwaste_collection_hours",
    "medwaste_storage_hours",
    "medwaste_imbalance_ratio",
    "medwaste_imbalance_kg",
)

# Each rule's name for people, on every page and report that lists findings.
RULE_LABELS = {
    "late_collection": gettext_lazy("收集超时"),
    "late_removal": gettext_lazy("转运超时"),
    "overstay": gettext_lazy("贮存超时"),
    "imbalance": gettext_lazy("收支不平衡"),
    "township_without_point": gettext_lazy("乡镇无周转点"),
    "facility_unattached": gettext_lazy("机构未挂靠周转点"),
}


class ComplianceRefused(ValueError):
    """The run cannot be made (an unknown area, a period that ends before it starts, a policy value not set)."""


@dataclass(frozen=True)
class Item:
    """One finding: a timed rule's (late_collection, late_removal, overstay, imbalance) with its span, hours
    (rounded to the hundredth) and kilograms, or a coverage rule's (township_without_point, facility_unattached)
    spanning the window, with neither hours nor kilograms."""

    rule: str
    place: str
    start: datetime  # local
    stop: datetime
    hours: float | None
    kg: Decimal | None
    category: str = ""  # the waste category of an overstay or an imbalance

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "place": self.place,
            "from": self.start.isoformat(),
            "to": self.stop.isoformat(),
            "hours": self.hours,
            "kg": None if self.kg is None else float(self.kg),
        }


@dataclass(frozen=True)
class CapacityGap:
    city: str
    name: str
    expected_tonnes_per_day: Decimal
    capacity_tonnes_per_day: Decimal

    @property
    def gap_tonnes_per_day(self) -> Decimal:
        return self.expected_tonnes_per_day - self.capacity_tonnes_per_day

    def as_dict(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "name": self.name,
            "expected_tonnes_per_day": float(self.expected_tonnes_per_day),
            "capacity_tonnes_per_day": float(self.capacity_tonnes_per_day),
            "gap_tonnes_per_day": float(self.gap_tonnes_per_day),
        }


@dataclass(frozen=True)
class Compliance:
    """What the rules found for a period and a scope."""

    period_start: date
    period_end: date
    area: str
    start: datetime  # local: the period's first instant
    end: datetime  # local: the window's end (the period's end or the as-of time)
    items: list[Item]
    townships_without_point: list[tuple[str, str]]  # (code, name)
    facilities_unattached: list[str]
    capacity_gaps: list[CapacityGap] = field(default_factory=list)
    policy: dict[str, Any] = field(default_factory=dict)

    def count(self, rule: str) -> int:
        return sum(1 for item in self.items if item.rule == rule)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `tuopin medwaste compliance` (the capacity gaps are `tuopin medwaste capacity`'s)."""
        return {
            "late_collections": self.count("late_collection"),
            "late_removals": self.count("late_removal"),
            "overstays": self.count("overstay"),
            "imbalances": self.count("imbalance"),
            "townships_without_point": len(self.townships_without_point),
            "facilities_unattached": len(self.facilities_unattached),
            "items": [item.as_dict() for item in self.items],
        }


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def compliance(
    period_start: date, period_end: date, *, area: str = "", as_of: datetime | None = None
) -> Compliance:
    """The medical-waste rules for the period from `period_start` to `period_end` (whole local days) within `area`
    ("" is everything), judged up to `as_of` (naive: local) when it is earlier than the period's end. The policy
    values are those of the period's first year, in the area's province."""
    if period_end < period_start:
        raise ComplianceRefused(_("结束日期早于开始日期"))
    zone = local_zone()
    start = datetime.combine(period_start, time.min, tzinfo=zone)
    end = datetime.combine(period_end + timedelta(days=1), time.min, tzinfo=zone)
    if as_of is not None:
        as_of = as_of if as_of.tzinfo else as_of.replace(tzinfo=zone)  # a naive time is local
        end = max(start, min(end, as_of.astimezone(zone)))
    values = _policy(period_start.year, area)
    window = rules.Window(_utc(start), _utc(end))
    con = _connection(window, area)
    t = rules.tables()
    found = _run(
        con,
        rules.findings(
            t,
            window,
            area,
            collection_hours=values["medwaste_collection_hours"],
            storage_hours=values["medwaste_storage_hours"],
            ratio=values["medwaste_imbalance_ratio"],
            tolerance_kg=values["medwaste_imbalance_kg"],
        ),
    )
    townships = _run(con, rules.townships_without_point(t, area))
    unattached = _run(con, rules.facilities_unattached(t, window, area))
    items = [
        Item(
            rule=row["rule"],
            place=row["place"],
            start=_local(row["start"]),
            stop=_local(row["stop"]),
            hours=None if row["hours"] is None else round(row["hours"], 2),
            kg=row["kg"],
            category=row["category"],
        )
        for row in found
    ]
    items += [Item("township_without_point", row["code"], start, end, None, None) for row in townships]
    items += [Item("facility_unattached", row["code"], start, end, None, None) for row in unattached]
    items.sort(key=lambda item: (item.rule, item.place, item.start, item.category))
    return Compliance(
        period_start=period_start,
        period_end=period_end,
        area=area,
        start=start,
        end=end,
        items=items,
        townships_without_point=sorted((row["code"], row["name"]) for row in townships),
        facilities_unattached=sorted(row["code"] for row in unattached),
        capacity_gaps=_capacity_gaps(con, area),
        policy=values,
    )


def capacity(*, area: str = "") -> list[CapacityGap]:
    """Each city's disposal capacity against its expected generation (rules.capacity_gaps), for the cities at, below
    or holding `area` ("" is every city)."""
    return _capacity_gaps(_connection(None, area), area)


def _capacity_gaps(con: Any, area: str) -> list[CapacityGap]:
    rows = _run(con, rules.capacity_gaps(rules.tables(), area))
    return [CapacityGap(row["city"], row["name"], row["expected"], row["capacity"]) for row in rows]


def _policy(year: int, area: str) -> dict[str, Any]:
    province = area[:2] if area else _only_province()
    profile = policy_for(year, province)
    values = {key: profile.value(key) for key in POLICY_KEYS}
    missing = [key for key, value in values.items() if value is None]
    if missing:
        raise ComplianceRefused(
            _("%(year)s 年未设定政策值：%(keys)s") % {"year": year, "keys": ", ".join(missing)}
        )
    return values


def _only_province() -> str:
    """The province of the division tree when there is one (its overrides apply), else "" (national values)."""
    codes = list(Area.objects.filter(level=Level.PROVINCE).values_list("code", flat=True)[:2])
    return codes[0] if len(codes) == 1 else ""


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(local_zone())


def _connection(window: rules.Window | None, area: str) -> Any:
    """An in-memory DuckDB holding, under the database's table names, the rows the rules read: the handovers up to
    the window's end given in the scope or received at a point of it (a reversal is the giver's as its entry is), all
    the places (the capacity of a city counts all its facilities) and the division tree."""
    import duckdb

    if window is None:  # capacity reads no handover
        handovers = Handover.objects.none()
    else:  # every reversing entry, whenever it was made: it takes its reversed handover out of the count
        handovers = Handover.objects.filter(
            Q(at__lt=window.end.replace(tzinfo=UTC)) | Q(reverses__isnull=False)
        )
    if area:
        points = TransferPoint.objects.filter(area_q("area_id", area)).values("code")
        handovers = handovers.filter(
            area_q("area_id", area) | Q(receiver_kind=PlaceKind.POINT, receiver_code__in=points)
        )
    handover_rows = list(
        handovers.values_list(
            "id",
            "at",
            "giver_kind",
            "giver_code",
            "receiver_kind",
            "receiver_code",
            "category",
            "kg",
            "reverses_id",
        )
    )
    data: dict[str, list[tuple[Any, ...]]] = {
        "medwaste_handover": [(row[0], _utc(row[1]), *row[2:]) for row in handover_rows],
        "medwaste_facility": list(
            Facility.objects.values_list("id", "code", "area_id", "point_id", "daily_kg")
        ),
        "medwaste_transferpoint": list(TransferPoint.objects.values_list("id", "code", "area_id")),
        "medwaste_disposer": list(Disposer.objects.values_list("id", "code", "daily_tonnes")),
        "medwaste_disposer_serves": list(
            Disposer.serves.through.objects.values_list("id", "disposer_id", "area_id")
        ),
        "areas_area": list(Area.objects.values_list("code", "name", "level", "parent_id")),
    }
    if area and not any(row[0] == area for row in data["areas_area"]):  # the tree is read whole anyway
        raise ComplianceRefused(_("未知的区域代码：%(code)s") % {"code": area})
    con = duckdb.connect()
    for name, rows in data.items():
        schema = rules.tables()[name].schema().to_pyarrow()
        arrays = [
            pa.array([row[index] for row in rows], type=kind) for index, kind in enumerate(schema.types)
        ]
        con.register(name, pa.Table.from_arrays(arrays, schema=schema))
    return con


def _run(con: Any, expr: Any) -> list[dict[str, Any]]:
    result = con.sql(sql_for(expr, "duckdb")).fetchall()
    names = list(expr.schema().names)
    return [dict(zip(names, row, strict=True)) for row in result]
