"""The rectification ledger in Excel (sheet 整改台账), through the ledger framework of tuopin.core.ledgers.

An import only adds items: a number already recorded is skipped when the row says exactly what is recorded (so a
file can be imported again) and refused otherwise, since state changes are steps done on the item's page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.models import User
from tuopin.core.excel import ImportFailed, Problem
from tuopin.core.ledgers import Ledger, LedgerColumn, LedgerRow
from tuopin.supervision.models import Category, Item, Source, Status
from tuopin.supervision.selectors import items_for
from tuopin.supervision.services import ItemData, item_create, verifying_office

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
