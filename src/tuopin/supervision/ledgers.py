"""The rectification ledger (sheet 整改台账) and the listed-supervision per-person ledger (sheet 挂牌督战台账) in
Excel, through the ledger framework of tuopin.core.ledgers.

An import only adds items: a number already recorded is skipped when the row says exactly what is recorded (so a
file can be imported again) and refused otherwise, since state changes are steps done on the item's page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.models import User
from tuopin.accounts.scope import scope_q
from tuopin.core.excel import ImportFailed, Problem
from tuopin.core.ledgers import Ledger, LedgerColumn, LedgerRow
from tuopin.supervision.models import Category, EntryKind, Item, ListedEntry, ListedPerson, Source, Status
from tuopin.supervision.selectors import items_for
from tuopin.supervision.services import ItemData, item_create, listed_entry_add, verifying_office

SHEET = "整改台账"


def _choices(enum: Any) -> tuple[tuple[str, str], ...]:
    with translation.override("zh-hans"):
        return tuple((str(value), str(label)) for value, label in enum.choices)


COLUMNS = (
    LedgerColumn("编号", "number", required=True, aliases=("number", "no")),
    LedgerColumn(
        "问题来源", "source", "choice", required=True, aliases=("source",), choices=_choices(Source)
    ),
    LedgerColumn(
        "问题类别", "category", "choice", required=True, aliases=("category",), choices=_choices(Category)
    ),
    LedgerColumn("区域代码", "area", "area", required=True, aliases=("area", "area_code", "区划代码")),
    LedgerColumn("问题描述", "description", required=True, aliases=("description",)),
    LedgerColumn("责任单位", "unit", required=True, aliases=("unit", "responsible_unit")),
    LedgerColumn("责任人", "person", required=True, aliases=("person", "responsible_person")),
    LedgerColumn("发现日期", "found_on", "date", required=True, aliases=("found_on", "found")),
    LedgerColumn("整改时限", "deadline", "date", required=True, aliases=("deadline",)),
    LedgerColumn("状态", "status", "choice", aliases=("status",), choices=_choices(Status)),
    LedgerColumn("整改措施", "measures", aliases=("measures",)),
)
FIELDS = ("source", "category", "description", "unit", "person", "found_on", "deadline", "measures", "status")


def _data(values: dict[str, Any]) -> ItemData:
    return ItemData(number=values["number"], source=values["source"], category=values["category"],
                    area_code=values["area"], description=values["description"], unit=values["unit"],
                    person=values["person"], found_on=values["found_on"], deadline=values["deadline"],
                    measures=values.get("measures", ""))  # fmt: skip


def _same(item: Item, values: dict[str, Any]) -> bool:
    wanted = {**values, "status": values.get("status", Status.OPEN), "measures": values.get("measures", "")}
    return item.area_id == values["area"] and all(getattr(item, name) == wanted[name] for name in FIELDS)


def apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    problems: list[Problem] = []

    def problem(row: LedgerRow, column: str, value: Any, message: str) -> None:
        problems.append(Problem(SHEET, row.number, column, str(value), message))

    existing = {i.number: i for i in Item.objects.filter(number__in=[r.values["number"] for r in rows])}
    seen: dict[str, int] = {}
    fresh: list[LedgerRow] = []
    for row in rows:
        values = row.values
        number, status = values["number"], values.get("status", Status.OPEN)
        if number in seen:
            problem(row, "编号", number, _("与第%(row)s行编号重复。") % {"row": seen[number]})
            continue
        seen[number] = row.number
        if number in existing:
            if not _same(existing[number], values):
                problem(
                    row, "编号", number, _("编号已存在且内容不同：台账只追加，状态变更请在整改事项页面办理。")
                )
            continue
        for name, header in (("number", "编号"), ("unit", "责任单位"), ("person", "责任人")):
            limit = getattr(Item._meta.get_field(name), "max_length", None) or 0
            if len(values[name]) > limit:
                problem(row, header, values[name][:50], _("不能超过%(n)s个字。") % {"n": limit})
        if values["deadline"] < values["found_on"]:
            problem(row, "整改时限", values["deadline"], _("整改时限不能早于发现日期。"))
        if (
            status in (Status.VERIFIED, Status.CLOSED)
            and actor is not None
            and (actor.role != verifying_office(values["area"]))
        ):
            problem(row, "状态", Status(status).label, _("已验收或已销号的事项须由上一级部门导入。"))
        fresh.append(row)
    if problems:
        raise ImportFailed(problems)
    for row in fresh:
        item_create(actor=actor, data=_data(row.values), status=row.values.get("status", Status.OPEN),
                    note=_("台账导入"))  # fmt: skip
    return len(fresh)


def export(user: User) -> Iterator[dict[str, Any]]:
    for item in items_for(user).order_by("number").iterator(chunk_size=2000):
        yield {"number": item.number, "source": item.source, "category": item.category, "area": item.area_id,
               "description": item.description, "unit": item.unit, "person": item.person,
               "found_on": item.found_on, "deadline": item.deadline, "status": item.status,
               "measures": item.measures}  # fmt: skip


RECTIFICATION = Ledger(
    name="rectification",
    sheet=SHEET,
    label=gettext_lazy("整改台账"),
    columns=COLUMNS,
    apply=apply,
    export=export,
    page="supervision:items",
)


# --- listed supervision: the per-person ledger ----------------------------------------------------------------

LISTED_SHEET = "挂牌督战台账"
LISTED_COLUMNS = (
    LedgerColumn("名单编号", "listing", "integer", required=True, aliases=("listing",)),
    LedgerColumn("村代码", "village", "area", required=True, aliases=("village", "区划代码")),
    LedgerColumn("户编号", "household", required=True, aliases=("household", "household_number")),
    LedgerColumn("姓名", "name", required=True, aliases=("name",)),
    LedgerColumn("类型", "kind", "choice", required=True, aliases=("kind",), choices=_choices(EntryKind)),
    LedgerColumn("内容", "text", required=True, aliases=("text", "帮扶措施")),
    LedgerColumn("日期", "on", "date", required=True, aliases=("on", "date")),
)


def _entry_key(person_id: int, values: dict[str, Any]) -> tuple[Any, ...]:
    return (person_id, values["kind"], values["text"][:300], values["on"])


def listed_apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    """Measures and clearances for listed persons, found by list, village, household number and name. An entry
    already recorded (same person, type, text and date) is skipped, so the exported ledger imports again."""
    problems: list[Problem] = []
    keys = {(r.values["listing"], r.values["village"], r.values["household"], r.values["name"]) for r in rows}
    persons = {
        (p.listed.listing_id, p.village_id, p.member.household.number, p.member.name): p
        for p in ListedPerson.objects.filter(
            listed__listing_id__in={k[0] for k in keys}, village_id__in={k[1] for k in keys}
        ).select_related("listed", "member__household")
    }
    recorded = set(
        ListedEntry.objects.filter(person__in=persons.values()).values_list("person_id", "kind", "text", "on")
    )
    created = 0
    for row in rows:
        values = row.values
        person = persons.get((values["listing"], values["village"], values["household"], values["name"]))
        if person is None:
            problems.append(Problem(LISTED_SHEET, row.number, "姓名", values["name"],
                                    _("该名单的这个村没有这个户编号和姓名的挂牌督战对象。")))  # fmt: skip
            continue
        if _entry_key(person.pk, values) in recorded:
            continue
        try:
            listed_entry_add(
                actor=actor, person=person, kind=values["kind"], text=values["text"], on=values["on"]
            )
        except ValidationError as error:
            fields = getattr(error, "error_dict", {})
            column, value = ("日期", values["on"]) if "on" in fields else ("类型", values["kind"])
            problems.append(Problem(LISTED_SHEET, row.number, column, str(value), "；".join(error.messages)))
            continue
        recorded.add(_entry_key(person.pk, values))
        created += 1
    if problems:
        raise ImportFailed(problems)
    return created


def listed_export(user: User) -> Iterator[dict[str, Any]]:
    entries = (
        ListedEntry.objects.filter(scope_q(user, "person__village_id"))
        .select_related("person__listed", "person__member__household")
        .order_by("person__listed__listing_id", "person__village_id", "person_id", "id")
    )
    for entry in entries.iterator(chunk_size=2000):
        person = entry.person
        yield {"listing": person.listed.listing_id, "village": person.village_id,
               "household": person.member.household.number, "name": person.member.name, "kind": entry.kind,
               "text": entry.text, "on": entry.on}  # fmt: skip


LISTED = Ledger(
    name="listed",
    sheet=LISTED_SHEET,
    label=gettext_lazy("挂牌督战台账"),
    columns=LISTED_COLUMNS,
    apply=listed_apply,
    export=listed_export,
    page="supervision:listings",
)
