"""The medical-waste ledgers (issue 18, parts 1 and 2) through tuopin.ledgers.framework: all or nothing, every
problem at once, the area cells held to the importer's scope by the framework, audited.

- `medwaste_facilities`, `medwaste_points`, `medwaste_disposers`: the places, created or updated by code. A handover
  names its places by code and keeps its giver's area, so an update of a place changes nothing of past handovers.
- `medwaste_handovers`: weighed handovers, append-only. The kinds of giver and receiver follow from the codes
  (facility → point, facility → disposal unit, point → disposal unit); a number already recorded with the same
  content is skipped (an identical re-import creates nothing), with other content it is an error.

A place outside the importer's scope reads as unknown, as every ledger words it ("没有这个…代码"), so that an import
reveals nothing of other areas."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.models import User
from tuopin.accounts.roles import Capability
from tuopin.areas.codes import level_of
from tuopin.areas.models import Area
from tuopin.ledgers.framework import Ledger, LedgerColumn, LedgerRow, SheetProblems
from tuopin.medwaste.models import (
    Disposer,
    Facility,
    FacilityKind,
    Handover,
    PlaceKind,
    TransferPoint,
    WasteCategory,
)
from tuopin.medwaste.selectors import disposers_for, facilities_for, handovers_for, points_for

AREA_ALIASES = ("area", "区划代码")

FACILITY_SHEET = "医疗机构"
FACILITY_COLUMNS = (
    LedgerColumn("机构代码", "code", required=True, aliases=("code",)),
    LedgerColumn("机构名称", "name", required=True, aliases=("name",)),
    LedgerColumn("类型", "kind", "choice", required=True, aliases=("kind",), vocabulary=FacilityKind),
    LedgerColumn("区域代码", "area", "area", required=True, aliases=AREA_ALIASES),
    LedgerColumn("所属周转点代码", "point", aliases=("point",)),
    LedgerColumn(
        "日均产废量(千克)", "daily_kg", "decimal", required=True, aliases=("daily_kg", "日均产废量")
    ),
)

POINT_SHEET = "周转点"
POINT_COLUMNS = (
    LedgerColumn("周转点代码", "code", required=True, aliases=("code",)),
    LedgerColumn("周转点名称", "name", required=True, aliases=("name",)),
    LedgerColumn("区域代码", "area", "area", required=True, aliases=AREA_ALIASES),
    LedgerColumn(
        "贮存能力(千克)", "capacity_kg", "decimal", required=True, aliases=("capacity_kg", "贮存能力")
    ),
    LedgerColumn("计量设施", "metering", "boolean", required=True, aliases=("metering",)),
    LedgerColumn("视频监控", "video", "boolean", required=True, aliases=("video",)),
)

DISPOSER_SHEET = "处置单位"
DISPOSER_COLUMNS = (
    LedgerColumn("处置单位代码", "code", required=True, aliases=("code",)),
    LedgerColumn("名称", "name", required=True, aliases=("name", "处置单位名称")),
    LedgerColumn("区域代码", "area", "area", required=True, aliases=AREA_ALIASES),
    LedgerColumn(
        "日处置能力(吨)", "daily_tonnes", "decimal", required=True, aliases=("daily_tonnes", "日处置能力")
    ),
    LedgerColumn("服务区域代码", "serves", required=True, aliases=("serves",)),
)

HANDOVER_SHEET = "交接记录"
HANDOVER_COLUMNS = (
    LedgerColumn("联单编号", "number", required=True, aliases=("number",)),
    LedgerColumn("交接时间", "at", "datetime", required=True, aliases=("at", "time")),
    LedgerColumn("交出方代码", "giver_code", required=True, aliases=("giver",)),
    LedgerColumn("接收方代码", "receiver_code", required=True, aliases=("receiver",)),
    LedgerColumn(
        "类别", "category", "choice", required=True, aliases=("category",), vocabulary=WasteCategory
    ),
    # Signed so that an export holding reversing entries (negative weights) imports again; new rows must be > 0.
    LedgerColumn("重量(千克)", "kg", "decimal", required=True, signed=True, aliases=("kg", "重量")),
    LedgerColumn("包数", "packages", "integer", aliases=("packages",)),
    LedgerColumn("交接人", "giver_person", required=True, aliases=("giver_person",)),
    LedgerColumn("接收人", "receiver_person", required=True, aliases=("receiver_person",)),
    LedgerColumn("车辆", "vehicle", aliases=("vehicle",)),
    LedgerColumn("处置方式", "disposal_method", aliases=("disposal_method",)),
    LedgerColumn("最终去向", "destination", aliases=("destination",)),
    # Filled by the export for a reversing entry (handover_reverse); an import never creates one.
    LedgerColumn("冲正联单编号", "reverses", aliases=("reverses",)),
    LedgerColumn("冲正原因", "reason", aliases=("reason",)),
)

SERVES_SPLIT = re.compile(r"\s*[、;；,，]\s*")
# Who may hand over to whom.
ALLOWED = {
    (PlaceKind.FACILITY, PlaceKind.POINT),
    (PlaceKind.FACILITY, PlaceKind.DISPOSER),
    (PlaceKind.POINT, PlaceKind.DISPOSER),
}
LENGTHS = {
    "code": 32,
    "name": 100,
    "number": 40,
    "giver_code": 32,
    "receiver_code": 32,
    "giver_person": 60,
    "receiver_person": 60,
    "vehicle": 40,
    "disposal_method": 60,
    "destination": 100,
}
MAX_KG = 10**8  # the weight fields' 12 digits with 3 places


def _check_texts(problems: SheetProblems, row: LedgerRow) -> None:
    for name, limit in LENGTHS.items():
        value = row.values.get(name)
        if isinstance(value, str) and len(value) > limit:
            problems.add(row, name, value[:50], _("不能超过%(n)s个字。") % {"n": limit})


def _check_amount(problems: SheetProblems, row: LedgerRow, name: str) -> None:
    value = row.values.get(name)
    if value is not None and value >= MAX_KG:
        problems.add(row, name, value, _("数值过大。"))


def _first_rows(problems: SheetProblems, rows: list[LedgerRow], column: str) -> list[LedgerRow]:
    """Rows whose `column` value is the first of its kind in the file; a repeat is a problem."""
    seen: dict[str, int] = {}
    kept = []
    for row in rows:
        value = row.values[column]
        if value in seen:
            problems.add(row, column, value, _("与第%(row)s行重复。") % {"row": seen[value]})
            continue
        seen[value] = row.number
        kept.append(row)
    return kept


def _save(
    model: type[Model], code: str, fields: dict[str, Any], existing: dict[str, Any]
) -> tuple[Any, bool]:
    """Create the place or update it; True when anything was written."""
    place = existing.get(code)
    if place is None:
        return model.objects.create(code=code, **fields), True  # type: ignore[attr-defined]
    changed = {name: value for name, value in fields.items() if getattr(place, name) != value}
    for name, value in changed.items():
        setattr(place, name, value)
    if changed:
        place.save(update_fields=list(changed))
    return place, bool(changed)


def _taken(model: type[Model], codes: set[str], visible: dict[str, Any]) -> set[str]:
    """Codes held by places the importer cannot see: not theirs to update, and not free to create."""
    return set(model.objects.filter(code__in=codes - set(visible)).values_list("code", flat=True))  # type: ignore[attr-defined]


# -------------------------------------------------------------------------------------------------------- points


def points_apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    problems = SheetProblems(POINT_SHEET, POINT_COLUMNS)
    rows = _first_rows(problems, rows, "code")
    codes = {row.values["code"] for row in rows}
    visible = {p.code: p for p in points_for(actor).filter(code__in=codes)}
    taken = _taken(TransferPoint, codes, visible)
    for row in rows:
        _check_texts(problems, row)
        _check_amount(problems, row, "capacity_kg")
        if level_of(row.values["area"]) != "township":
            problems.add(row, "area", row.values["area"], _("周转点的区域应为乡镇。"))
        if row.values["code"] in taken:
            problems.add(row, "code", row.values["code"], _("这个代码已被使用，不能用于您的周转点。"))
    problems.raise_found()
    written = 0
    for row in rows:
        v = row.values
        fields = {
            "name": v["name"],
            "area_id": v["area"],
            "capacity_kg": v["capacity_kg"],
            "metering": v["metering"],
            "video": v["video"],
        }
        written += _save(TransferPoint, v["code"], fields, visible)[1]
    return written


def points_export(user: User) -> Iterator[dict[str, Any]]:
    for point in points_for(user).order_by("code"):
        yield {
            "code": point.code,
            "name": point.name,
            "area": point.area_id,
            "capacity_kg": point.capacity_kg,
            "metering": point.metering,
            "video": point.video,
        }


# ---------------------------------------------------------------------------------------------------- facilities


def facilities_apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    problems = SheetProblems(FACILITY_SHEET, FACILITY_COLUMNS)
    rows = _first_rows(problems, rows, "code")
    codes = {row.values["code"] for row in rows}
    visible = {f.code: f for f in facilities_for(actor).filter(code__in=codes)}
    taken = _taken(Facility, codes, visible)
    wanted = {row.values["point"] for row in rows if "point" in row.values}
    points = {p.code: p for p in points_for(actor).filter(code__in=wanted)}
    for row in rows:
        v = row.values
        _check_texts(problems, row)
        _check_amount(problems, row, "daily_kg")
        if level_of(v["area"]) not in {"township", "village"}:
            problems.add(row, "area", v["area"], _("医疗机构的区域应为乡镇或村。"))
        if "point" in v and v["point"] not in points:
            problems.add(row, "point", v["point"], _("没有这个周转点代码。"))
        if v["code"] in taken:
            problems.add(row, "code", v["code"], _("这个代码已被使用，不能用于您的医疗机构。"))
    problems.raise_found()
    written = 0
    for row in rows:
        v = row.values
        point = points.get(v.get("point", ""))
        fields = {
            "name": v["name"],
            "kind": v["kind"],
            "area_id": v["area"],
            "point_id": point.pk if point else None,
            "daily_kg": v["daily_kg"],
        }
        written += _save(Facility, v["code"], fields, visible)[1]
    return written


def facilities_export(user: User) -> Iterator[dict[str, Any]]:
    for facility in facilities_for(user).order_by("code"):
        yield {
            "code": facility.code,
            "name": facility.name,
            "kind": facility.kind,
            "area": facility.area_id,
            "point": facility.point.code if facility.point else "",
            "daily_kg": facility.daily_kg,
        }


# ----------------------------------------------------------------------------------------------------- disposers


def _served(problems: SheetProblems, row: LedgerRow, known: set[str]) -> list[str]:
    codes = [code for code in SERVES_SPLIT.split(row.values["serves"]) if code]
    for code in codes:
        if code not in known:
            problems.add(row, "serves", code, _("没有这个区划代码。"))
        elif len(code) not in {4, 6}:
            problems.add(row, "serves", code, _("服务区域应为市或县的区划代码。"))
    if len(set(codes)) != len(codes):
        problems.add(row, "serves", row.values["serves"], _("服务区域代码有重复。"))
    return codes


def disposers_apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    problems = SheetProblems(DISPOSER_SHEET, DISPOSER_COLUMNS)
    rows = _first_rows(problems, rows, "code")
    codes = {row.values["code"] for row in rows}
    visible = {d.code: d for d in disposers_for(actor).filter(code__in=codes)}
    taken = _taken(Disposer, codes, visible)
    named = {code for row in rows for code in SERVES_SPLIT.split(row.values["serves"]) if code}
    known = set(Area.objects.filter(code__in=named).values_list("code", flat=True))
    served = {}
    for row in rows:
        _check_texts(problems, row)
        _check_amount(problems, row, "daily_tonnes")
        served[row.number] = _served(problems, row, known)
        if row.values["code"] in taken:
            problems.add(row, "code", row.values["code"], _("这个代码已被使用，不能用于您的处置单位。"))
    problems.raise_found()
    written = 0
    for row in rows:
        v = row.values
        fields = {"name": v["name"], "area_id": v["area"], "daily_tonnes": v["daily_tonnes"]}
        disposer, changed = _save(Disposer, v["code"], fields, visible)
        before = set(disposer.serves.values_list("code", flat=True))
        if before != set(served[row.number]):
            disposer.serves.set(served[row.number])
            changed = True
        written += changed
    return written


def disposers_export(user: User) -> Iterator[dict[str, Any]]:
    for disposer in disposers_for(user).order_by("code"):
        yield {
            "code": disposer.code,
            "name": disposer.name,
            "area": disposer.area_id,
            "daily_tonnes": disposer.daily_tonnes,
            "serves": "、".join(sorted(area.code for area in disposer.serves.all())),
        }


# ----------------------------------------------------------------------------------------------------- handovers


@dataclass(frozen=True)
class Place:
    kind: str
    code: str
    area: str


class Places:
    """The places the rows name, by code and kind: givers among the facilities and points the importer sees,
    receivers among the points it sees and every disposal unit (a unit serves many areas)."""

    def __init__(self, rows: list[LedgerRow], actor: User | None) -> None:
        codes = {row.values[name] for row in rows for name in ("giver_code", "receiver_code")}
        self.by_code: dict[str, list[Place]] = {}
        for kind, places in (
            (PlaceKind.FACILITY, facilities_for(actor).filter(code__in=codes)),
            (PlaceKind.POINT, points_for(actor).filter(code__in=codes)),
            (PlaceKind.DISPOSER, disposers_for(None).filter(code__in=codes)),
        ):
            for place in places:
                self.by_code.setdefault(place.code, []).append(Place(kind, place.code, place.area_id))

    def pair(self, giver: str, receiver: str) -> tuple[Place | None, Place | None, str, str]:
        """The giver and the receiver the codes name, or the column and message of what is wrong."""
        givers = [p for p in self.by_code.get(giver, []) if p.kind != PlaceKind.DISPOSER]
        receivers = self.by_code.get(receiver, [])
        if not self.by_code.get(giver):
            return None, None, "giver_code", _("没有这个交出方代码。")
        if not givers:
            return None, None, "giver_code", _("处置单位不能作为交出方。")
        if not receivers:
            return None, None, "receiver_code", _("没有这个接收方代码。")
        pairs = [(g, r) for g in givers for r in receivers if (g.kind, r.kind) in ALLOWED]
        if len(pairs) == 1:
            return pairs[0][0], pairs[0][1], "", ""
        if pairs:
            return None, None, "receiver_code", _("代码对应多个场所，无法确定交接类型。")
        labels = dict(PlaceKind.choices)
        return (
            None,
            None,
            "receiver_code",
            _("不能从%(giver)s交给%(receiver)s：只能是医疗机构→周转点、医疗机构→处置单位、周转点→处置单位。")
            % {"giver": labels[givers[0].kind], "receiver": labels[receivers[0].kind]},
        )


CONTENT = (
    "at",
    "giver_kind",
    "giver_code",
    "receiver_kind",
    "receiver_code",
    "category",
    "kg",
    "packages",
    "giver_person",
    "receiver_person",
    "vehicle",
    "disposal_method",
    "destination",
    "reverses",
    "reason",
)


def _content(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values.get(name) for name in CONTENT)


def _handover_fields(v: dict[str, Any], giver: Place, receiver: Place) -> dict[str, Any]:
    return {
        "at": v["at"],
        "giver_kind": giver.kind,
        "giver_code": giver.code,
        "receiver_kind": receiver.kind,
        "receiver_code": receiver.code,
        "category": v["category"],
        "kg": v["kg"],
        "packages": v.get("packages", 0),
        "giver_person": v["giver_person"],
        "receiver_person": v["receiver_person"],
        "vehicle": v.get("vehicle", ""),
        "disposal_method": v.get("disposal_method", ""),
        "destination": v.get("destination", ""),
        "reverses": v.get("reverses"),
        "reason": v.get("reason", ""),
    }


def _values(handover: Handover) -> dict[str, Any]:
    values = {name: getattr(handover, name) for name in ("number", *CONTENT) if name != "reverses"}
    return {**values, "reverses": handover.reverses.number if handover.reverses else None}


def _recorded(handover: Handover) -> tuple[Any, ...]:
    return _content(_values(handover))


def handover_check(
    problems: SheetProblems, row: LedgerRow, places: Places, now: datetime
) -> tuple[Place | None, Place | None]:
    """THE checks of one handover, for the import and for a handover recorded on its own
    (tuopin.medwaste.services.handover_record): lengths and amounts, a time not in the future, the giver and the
    receiver the codes name and may pair, what a delivery to a disposal unit must say. Adds what is wrong to
    `problems`; returns the giver and the receiver (None when the codes do not name a pair)."""
    v = row.values
    _check_texts(problems, row)
    _check_amount(problems, row, "kg")
    if v["at"] > now:
        problems.add(row, "at", f"{timezone.localtime(v['at']):%Y-%m-%d %H:%M}", _("交接时间晚于现在。"))
    if v.get("packages", 0) < 0:
        problems.add(row, "packages", v["packages"], _("包数不能为负数。"))
    giver, receiver, column, message = places.pair(v["giver_code"], v["receiver_code"])
    if giver is None or receiver is None:
        problems.add(row, column, v[column], message)
        return None, None
    if receiver.kind == PlaceKind.DISPOSER:
        for name in ("disposal_method", "destination"):
            if not v.get(name):
                problems.add(row, name, "", _("交给处置单位时必填。"))
    return giver, receiver


def weight_check(problems: SheetProblems, row: LedgerRow) -> None:
    """A new handover weighs more than nothing (only a reversing entry, made by handover_reverse, is negative)."""
    if row.values["kg"] <= 0:
        problems.add(row, "kg", row.values["kg"], _("应为大于0的数。"))


def handovers_apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    problems = SheetProblems(HANDOVER_SHEET, HANDOVER_COLUMNS)
    places = Places(rows, actor)
    now = timezone.now()
    existing = {
        h.number: h
        for h in Handover.objects.select_related("reverses").filter(
            number__in={r.values["number"] for r in rows}
        )
    }
    seen: dict[str, tuple[int, tuple[Any, ...]]] = {}
    new: list[Handover] = []
    for row in rows:
        v = row.values
        before = len(problems.found)
        giver, receiver = handover_check(problems, row, places, now)
        if giver is None or receiver is None:
            continue
        fields = _handover_fields(v, giver, receiver)
        content = _content(fields)
        number = v["number"]
        if number in seen:
            if seen[number][1] != content:
                problems.add(row, "number", number, _("与第%(row)s行重复。") % {"row": seen[number][0]})
            continue
        seen[number] = (row.number, content)
        recorded = existing.get(number)
        if recorded is not None:
            if _recorded(recorded) != content:
                problems.add(
                    row, "number", number, _("这个联单编号已有记录，内容不同（交接记录不能修改，请冲正）。")
                )
            continue
        reversing = fields.pop("reverses")
        if reversing or fields["reason"]:
            column = "reverses" if reversing else "reason"
            problems.add(row, column, v[column], _("冲正记录只能通过冲正操作生成，不能导入。"))
        else:
            weight_check(problems, row)
        if len(problems.found) == before:
            new.append(Handover(number=number, area_id=giver.area, recorded_by=actor, **fields))
    problems.raise_found()
    Handover.objects.bulk_create(new)
    return len(new)


def handovers_export(user: User) -> Iterator[dict[str, Any]]:
    for handover in handovers_for(user).select_related("reverses").order_by("at", "number"):
        yield _values(handover)


FACILITIES = Ledger(
    "medwaste_facilities",
    FACILITY_SHEET,
    gettext_lazy("医疗废物：医疗机构"),
    FACILITY_COLUMNS,
    facilities_apply,
    facilities_export,
    capability=Capability.MEDWASTE,
)
POINTS = Ledger(
    "medwaste_points",
    POINT_SHEET,
    gettext_lazy("医疗废物：周转点"),
    POINT_COLUMNS,
    points_apply,
    points_export,
    capability=Capability.MEDWASTE,
)
DISPOSERS = Ledger(
    "medwaste_disposers",
    DISPOSER_SHEET,
    gettext_lazy("医疗废物：处置单位"),
    DISPOSER_COLUMNS,
    disposers_apply,
    disposers_export,
    capability=Capability.MEDWASTE,
)
HANDOVERS = Ledger(
    "medwaste_handovers",
    HANDOVER_SHEET,
    gettext_lazy("医疗废物：交接记录"),
    HANDOVER_COLUMNS,
    handovers_apply,
    handovers_export,
    capability=Capability.MEDWASTE,
)
ALL = (FACILITIES, POINTS, DISPOSERS, HANDOVERS)
