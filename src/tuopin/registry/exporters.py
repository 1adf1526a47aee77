"""Writing the registration workbook: the empty template with drop-down lists, and the registry of an area in the
same shape (ID numbers masked unless a permitted user asks, with a reason; formula-like cells escaped)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter
from django.db.models import QuerySet
from django.utils import translation

from tuopin.core.crypto import decrypt
from tuopin.registry.models import Household, Income, Member
from tuopin.registry.workbook import OPTIONS_SHEET, SHEETS, TEMPLATE_HIDDEN, Column

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 1_048_575


def escape(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe (SECURITY.md E5)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _labels(column: Column) -> list[str]:
    if column.kind == "yesno":
        return ["是", "否"]
    if column.vocab is None:
        return []
    with translation.override("zh-hans"):
        return [str(label) for _value, label in column.vocab.choices]


def _sheet(
    workbook: Workbook,
    sheet: Worksheet,
    columns: tuple[Column, ...],
    options: Worksheet,
    option_columns: dict[str, str],
) -> None:
    header = workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    shown = [c for c in columns if c.field not in TEMPLATE_HIDDEN]
    for index, column in enumerate(shown):
        sheet.write_string(0, index, column.header, header)
        sheet.set_column(
            index, index, max(10, len(column.header) * 2.2), text if column.kind in {"text", "id"} else None
        )
        labels = _labels(column)
        if labels and column.kind != "enum2":
            source = option_columns.setdefault(
                column.header, _add_options(options, option_columns, column, labels)
            )
            sheet.data_validation(
                1,
                index,
                MAX_ROWS,
                index,
                {
                    "validate": "list",
                    "source": source,
                    "error_title": column.header,
                    "error_message": "请从下拉列表中选择",
                },
            )
    sheet.freeze_panes(1, 0)


def _add_options(options: Worksheet, used: dict[str, str], column: Column, labels: list[str]) -> str:
    position = len(used)
    options.write_string(0, position, column.header)
    for row, label in enumerate(labels, start=1):
        options.write_string(row, position, label)
    letter = xlsxwriter.utility.xl_col_to_name(position)
    return f"='{OPTIONS_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"


def write_workbook(path: Path, rows: dict[str, Iterator[list[Any]]] | None = None) -> dict[str, int]:
    """Write the three sheets (and the hidden options sheet); `rows` fills them, else the template is empty."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": False, "strings_to_formulas": False})
    sheets = {name: workbook.add_worksheet(name) for name in SHEETS}
    options = workbook.add_worksheet(OPTIONS_SHEET)
    used: dict[str, str] = {}
    written: dict[str, int] = {}
    for name, columns in SHEETS.items():
        _sheet(workbook, sheets[name], columns, options, used)
    options.hide()
    sheets[next(iter(SHEETS))].activate()
    for name, sheet_rows in (rows or {}).items():
        count = 0
        for count, values in enumerate(sheet_rows, start=1):
            for index, value in enumerate(values):
                if value is not None and value != "":
                    sheet = sheets[name]
                    sheet.write(count, index, escape(value)) if not isinstance(
                        value, str
                    ) else sheet.write_string(count, index, escape(value))
        written[name] = count
    workbook.close()
    return written


def label(model: Any, name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    field = model._meta.get_field(name)
    with translation.override("zh-hans"):
        return str(dict(field.flatchoices).get(value, value)) if field.choices else str(value)


def registry_rows(households: QuerySet[Household], *, reveal: bool) -> dict[str, Iterator[list[Any]]]:
    """The rows of the three sheets for some households, in the template's column order."""

    def id_of(member: Member | None) -> str:
        if member is None:
            return ""
        return decrypt(member.id_encrypted) if reveal else member.id_masked

    def household_rows() -> Iterator[list[Any]]:
        for h in households.select_related("head").order_by("number").iterator(chunk_size=2000):
            others = "、".join(
                label(Household, n, getattr(h, n))
                for n in ("other_cause_1", "other_cause_2")
                if getattr(h, n)
            )
            yield [
                h.number,
                h.village_id,
                id_of(h.head),
                label(Household, "category", h.category),
                label(Household, "standard", h.standard),
                label(Household, "main_cause", h.main_cause),
                others,
                label(Household, "population_type", h.population_type),
                h.identification_year,
                label(Household, "status", h.status),
                h.exit_year,
                h.housing_safety,
                label(Household, "relocated", h.relocated),
                label(Household, "water_safe", h.water_safe),
                h.phone_masked if not reveal else (decrypt(h.phone_encrypted) if h.phone_encrypted else ""),
            ]

    def member_rows() -> Iterator[list[Any]]:
        members = Member.objects.filter(household__in=households, left_on__isnull=True).select_related(
            "household"
        )
        for m in members.order_by("household__number", "id").iterator(chunk_size=2000):
            health = "、".join(
                label(Member, n, getattr(m, n)) for n in ("health", "health_2") if getattr(m, n)
            )
            yield [
                m.household.number,
                m.name,
                id_of(m),
                label(Member, "relation", m.relation),
                label(Member, "ethnicity", m.ethnicity),
                label(Member, "education", m.education),
                label(Member, "school_status", m.school_status),
                health,
                label(Member, "disability_grade", m.disability_grade),
                label(Member, "labour", m.labour),
                label(Member, "work_status", m.work_status),
                label(Member, "medical_insurance", m.medical_insurance),
                label(Member, "pension_insurance", m.pension_insurance),
                label(Member, "dibao", m.dibao),
            ]

    def income_rows() -> Iterator[list[Any]]:
        incomes = Income.objects.filter(household__in=households).select_related("household")
        for i in incomes.order_by("household__number", "year").iterator(chunk_size=2000):
            yield [i.household.number, i.year, i.wage, i.business, i.property_income, i.transfer, i.costs]

    names = list(SHEETS)
    return {names[0]: household_rows(), names[1]: member_rows(), names[2]: income_rows()}
