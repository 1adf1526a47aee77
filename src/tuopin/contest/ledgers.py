"""The ledger `contest_values` (sheet 指标录入): values of entered indicators (a third party's score, a survey's
satisfaction) by system, indicator, area and year, through tuopin.ledgers.framework: all or nothing, every problem
at once, the area cells held to the importer's scope by the framework, audited. A row for a key already recorded
replaces its value. Runs read the values for the system's `entered` indicators."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.models import User
from tuopin.contest.system_selectors import entered_values_for, systems_for, version_of
from tuopin.contest.system_services import Entered, entered_values_set
from tuopin.contest.systems import DefinitionInvalid, definition_parse
from tuopin.ledgers.framework import Ledger, LedgerColumn, LedgerRow, SheetProblems

SHEET = "指标录入"
COLUMNS = (
    LedgerColumn("指标体系代码", "system", required=True, aliases=("system",)),
    LedgerColumn("指标代码", "indicator", required=True, aliases=("indicator",)),
    LedgerColumn("区域代码", "area", "area", required=True, aliases=("area", "区划代码")),
    LedgerColumn("年度", "year", "integer", required=True, aliases=("year",)),
    LedgerColumn("数值", "value", required=True, aliases=("value",)),
    LedgerColumn("来源", "source", required=True, aliases=("source",)),
)
LIMIT = Decimal("1e10")


def _entered_keys(system: Any) -> set[str] | None:
    version = version_of(system)
    if version is None:
        return None
    try:
        return {i.key for i in definition_parse(version.definition).indicators() if i.entered}
    except DefinitionInvalid:
        return None


def apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    problems = SheetProblems(SHEET, COLUMNS)
    systems = {s.key: s for s in systems_for(actor).filter(key__in={r.values["system"] for r in rows})}
    entered = {key: _entered_keys(system) for key, system in systems.items()}
    seen: dict[tuple[str, str, str, int], int] = {}
    values: list[Entered] = []
    for row in rows:
        v = row.values
        system = systems.get(v["system"])
        if system is None:
            problems.add(row, "system", v["system"], _("没有这个指标体系，或您无权使用。"))
            continue
        if v["indicator"] not in (entered[system.key] or set()):
            problems.add(row, "indicator", v["indicator"], _("该指标体系当前版本中没有这个录入指标。"))
        if not 2000 <= v["year"] <= 2100:
            problems.add(row, "year", v["year"], _("年度应在2000到2100之间。"))
        try:
            number = Decimal(v["value"].replace(",", "").replace("，", "").rstrip("%％"))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or abs(number) >= LIMIT:
            problems.add(row, "value", v["value"], _("应为数值。"))
            number = None
        if len(v["source"]) > 200:
            problems.add(row, "source", v["source"][:50], _("不能超过%(n)s个字。") % {"n": 200})
        key = (system.key, v["indicator"], v["area"], v["year"])
        if key in seen:
            problems.add(row, "indicator", v["indicator"], _("与第%(row)s行重复。") % {"row": seen[key]})
        seen.setdefault(key, row.number)
        if number is not None:
            values.append(
                Entered(
                    system,
                    v["indicator"],
                    v["area"],
                    v["year"],
                    number.quantize(Decimal("0.0001")),
                    v["source"],
                )
            )
    problems.raise_found()
    return entered_values_set(actor=actor, values=values) if values else 0


def export(user: User) -> Iterator[dict[str, Any]]:
    for value in entered_values_for(user).order_by("system__key", "indicator", "area_id", "year"):
        yield {
            "system": value.system.key,
            "indicator": value.indicator,
            "area": value.area_id,
            "year": value.year,
            "value": format(value.value.normalize(), "f"),
            "source": value.source,
        }


CONTEST_VALUES = Ledger(
    "contest_values",
    SHEET,
    gettext_lazy("考核录入指标"),
    COLUMNS,
    apply,
    export,
    page="contest:systems",
)
