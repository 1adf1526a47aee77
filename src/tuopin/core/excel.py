"""Reading spreadsheets the way every import in Tuopin does: headers matched by Chinese name or English alias,
every problem collected with sheet, row, column and value, nothing written until the whole file is clean."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from tuopin.core.uploads import check_xlsx


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int  # 1-based, as Excel shows it
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.sheet} {_('第%(row)s行') % {'row': self.row}}" if self.row else self.sheet
        column = f" [{self.column}]" if self.column else ""
        value = f" “{self.value}”" if self.value else ""
        return f"{where}{column}{value}: {self.message}"


class ImportFailed(Exception):
    """Raised with every problem found; the import wrote nothing."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class SheetRow:
    number: int
    cells: dict[str, Any]  # canonical column name -> raw cell value


def cell_text(value: Any) -> str:
    """A cell as the user typed it: numbers without a spurious .0, strings stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def open_workbook(path: Path) -> CalamineWorkbook:
    """Open an uploaded workbook after the hostile-file checks (size, content, zip bomb)."""
    check_xlsx(path)
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types for broken parts
        raise ImportFailed(
            [Problem(path.name, 0, "", "", _("无法读取工作簿：%(error)s") % {"error": error})]
        ) from error


def read_sheet(
    source: Path | CalamineWorkbook,
    *,
    sheet: str | None,
    columns: Mapping[str, tuple[str, ...]],
    required: tuple[str, ...],
    optional_sheet: bool = False,
) -> tuple[str, list[SheetRow]]:
    """Read one sheet. `columns` maps each canonical (Chinese) header to its accepted aliases.

    Raises ImportFailed when the sheet or a required column is missing; blank rows are skipped. An optional sheet
    that is absent reads as no rows.
    """
    name, rows = iter_sheet(
        source, sheet=sheet, columns=columns, required=required, optional_sheet=optional_sheet
    )
    return name, list(rows)


def iter_sheet(
    source: Path | CalamineWorkbook,
    *,
    sheet: str | None,
    columns: Mapping[str, tuple[str, ...]],
    required: tuple[str, ...],
    optional_sheet: bool = False,
) -> tuple[str, Iterator[SheetRow]]:
    """`read_sheet` one row at a time, for large sheets: only the current row exists as Python objects."""
    workbook = open_workbook(source) if isinstance(source, Path) else source
    names = workbook.sheet_names
    name = sheet if sheet in names else (names[0] if sheet is None and names else None)
    if name is None and optional_sheet:
        return sheet or "", iter(())
    if name is None:
        raise ImportFailed(
            [Problem(sheet or "", 0, "", "", _("找不到工作表“%(sheet)s”。") % {"sheet": sheet})]
        )
    found = workbook.get_sheet_by_name(name)
    first = 1 + (found.start[0] if found.start else 0)  # Excel's number of the first row calamine returns
    data = found.iter_rows()
    header = next(data, None)
    if not header:
        raise ImportFailed([Problem(name, 1, "", "", _("工作表是空的。"))])
    lookup = {
        alias.strip().lower(): canonical
        for canonical, aliases in columns.items()
        for alias in (canonical, *aliases)
    }
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        canonical = lookup.get(cell_text(cell).lower())
        if canonical is not None and canonical not in positions:
            positions[canonical] = index
    missing = [column for column in required if column not in positions]
    if missing:
        raise ImportFailed([Problem(name, first, column, "", _("缺少必需的列。")) for column in missing])
    return name, _rows(data, positions, first + 1)


def _rows(data: Iterator[list[Any]], positions: dict[str, int], start: int) -> Iterator[SheetRow]:
    for offset, raw in enumerate(data, start=start):
        cells = {column: raw[index] if index < len(raw) else None for column, index in positions.items()}
        if all(cell_text(value) == "" for value in cells.values()):
            continue
        yield SheetRow(offset, cells)
