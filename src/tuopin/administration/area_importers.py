"""The yearly-attributes sheet: 代码, 年度, 农村人口, 贫困县, 贫困村, 西部地区 (是/否; blank = unchanged)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from tuopin.administration.area_services import AttributeRow, area_years_apply
from tuopin.areas.models import Area
from tuopin.core.excel import ImportFailed, Problem, SheetRow, cell_text, read_sheet

if TYPE_CHECKING:
    from tuopin.accounts.models import User

COLUMNS = {
    "代码": ("code", "area_code", "区划代码"),
    "年度": ("year",),
    "农村人口": ("rural_population",),
    "贫困县": ("poor_county",),
    "贫困村": ("poor_village",),
    "西部地区": ("western",),
}
FLAGS = {"贫困县": "poor_county", "贫困村": "poor_village", "西部地区": "western"}
YES_NO = {"是": True, "否": False, "yes": True, "no": False, "y": True, "n": False, "1": True, "0": False}
SHEET = "区划年度属性"


def parse_attributes(path: Path) -> list[AttributeRow]:
    """Validate the whole sheet; raise ImportFailed listing every problem, or return the rows to apply."""
    sheet, rows = read_sheet(path, sheet=None, columns=COLUMNS, required=("代码", "年度"))
    codes = {cell_text(row.cells["代码"]) for row in rows}
    known = set(Area.objects.filter(code__in=codes).values_list("code", flat=True))
    problems: list[Problem] = []
    parsed: list[AttributeRow] = []
    seen: dict[tuple[str, int], int] = {}
    for row in rows:
        found = _parse_row(sheet, row, known, problems)
        if found is None:
            continue
        key = (found.code, found.year)
        if key in seen:
            problems.append(
                Problem(
                    sheet,
                    row.number,
                    "代码",
                    found.code,
                    _("与第%(row)s行重复（同一区划同一年度）。") % {"row": seen[key]},
                )
            )
            continue
        seen[key] = row.number
        parsed.append(found)
    if problems:
        raise ImportFailed(problems)
    if not parsed:
        raise ImportFailed([Problem(sheet, 0, "", "", _("没有数据行。"))])
    return parsed


def _parse_row(sheet: str, row: SheetRow, known: set[str], problems: list[Problem]) -> AttributeRow | None:
    before = len(problems)

    def problem(column: str, value: Any, message: str) -> None:
        problems.append(Problem(sheet, row.number, column, cell_text(value), message))

    code = cell_text(row.cells["代码"])
    if code not in known:
        problem("代码", code, _("区划代码不存在。") if code else _("必填。"))
    year_text = cell_text(row.cells["年度"])
    year = int(year_text) if year_text.isdigit() else 0
    if not 2000 <= year <= 2100:
        problem("年度", year_text, _("应为四位年份。"))
    values: dict[str, int | bool] = {}
    population = cell_text(row.cells.get("农村人口"))
    if population:
        if population.isdigit():
            values["rural_population"] = int(population)
        else:
            problem("农村人口", population, _("应为非负整数。"))
    for column, field in FLAGS.items():
        flag = cell_text(row.cells.get(column)).lower()
        if flag:
            if flag in YES_NO:
                values[field] = YES_NO[flag]
            else:
                problem(column, flag, _("应填“是”或“否”。"))
    if len(problems) > before:
        return None
    return AttributeRow(code=code, year=year, values=values)


def import_attributes(path: Path, *, actor: User | None = None) -> dict[str, int]:
    return area_years_apply(rows=parse_attributes(path), actor=actor, source=path.name)
