"""Reading spreadsheets the way every import in Tuopin does: headers matched by Chinese name or English alias,
every problem collected with sheet, row, column and value, nothing written until the whole file is clean."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from tuopin.core.uploads import UploadRejected, check_csv, check_xlsx


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
    """Raised with every problem found; the import wrote nothing. `denied` counts the rows refused because they lie
    outside the importing user's scope, for the audit row (a denial, not a mere problem)."""

    def __init__(self, problems: list[Problem], *, denied: int = 0) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
        self.denied = denied


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


class CsvSheet:
    """A CSV file's rows as the reader's sheet gives them (`start`, `iter_rows`): every cell a string."""

    start = None

    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.name = name

    def iter_rows(self) -> Iterator[list[Any]]:
        try:  # comma, semicolon or tab, as the scales' software writes it
            dialect: Any = csv.Sniffer().sniff(self.text[:8192], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = csv.reader(io.StringIO(self.text, newline=""), dialect)
        number = 0
        try:
            for number, row in enumerate(rows, start=1):  # noqa: B007  # the number names the row that fails
                yield row
        except csv.Error as error:
            raise ImportFailed(
                [Problem(self.name, number + 1, "", "", _("无法读取 CSV 文件：%(error)s") % {"error": error})]
            ) from error


class CsvWorkbook:
    """A CSV file read like a workbook of one sheet, named after the file (what weighing scales export)."""

    def __init__(self, text: str, name: str) -> None:
        self.sheet = CsvSheet(text, name)
        self.sheet_names = [name]

    def get_sheet_by_name(self, name: str) -> CsvSheet:
        return self.sheet


Workbook = CalamineWorkbook | CsvWorkbook


def open_workbook(path: Path, *, name: str = "", allow_csv: bool = False) -> Any:
    """Open an uploaded workbook after the hostile-file checks (size, content, zip bomb, a sheet whose cells span
    more than the grid the reader may build). Where the caller allows it (the ledgers), a .csv file (UTF-8, with or
    without a BOM, or GB18030) opens as a workbook of one sheet named after the file (`name`, the name it was
    uploaded under, else the path's); other imports keep to workbooks."""
    if allow_csv and path.suffix.lower() == ".csv":
        return CsvWorkbook(check_csv(path), Path(name or path.name).stem)
    check_xlsx(path)
    check_extent(path)
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types for broken parts
        raise ImportFailed(
            [Problem(path.name, 0, "", "", _("无法读取工作簿：%(error)s") % {"error": error})]
        ) from error


def read_sheet(
    source: Path | Workbook,
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
    source: Path | Workbook,
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
    try:
        found = workbook.get_sheet_by_name(name)
    except Exception as error:  # calamine's own error types for a sheet whose XML it cannot follow
        raise ImportFailed(
            [Problem(name, 0, "", "", _("无法读取工作表：%(error)s") % {"error": error})]
        ) from error
    first = 1 + (found.start[0] if found.start else 0)  # Excel's number of the first row calamine returns
    data = found.iter_rows()
    header = next(data, None)
    if not header:
        raise ImportFailed([Problem(name, 1, "", "", _("工作表是空的。"))])
    positions = header_positions([cell_text(cell) for cell in header], columns)
    missing = [column for column in required if column not in positions]
    if missing:
        raise ImportFailed([Problem(name, first, column, "", _("缺少必需的列。")) for column in missing])
    return name, _rows(data, positions, first + 1)


def header_positions(header: list[str], columns: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """THE header match of every import (workbooks here, CSV files in the feeds): each canonical (Chinese) header →
    its position in `header`, found by the header itself or one of its aliases, ignoring case and surrounding
    blanks; the first matching column wins; headers not found are absent."""
    lookup = {
        alias.strip().lower(): canonical
        for canonical, aliases in columns.items()
        for alias in (canonical, *aliases)
    }
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        canonical = lookup.get(name.strip().lower())
        if canonical is not None and canonical not in positions:
            positions[canonical] = index
    return positions


def _rows(data: Iterator[list[Any]], positions: dict[str, int], start: int) -> Iterator[SheetRow]:
    for offset, raw in enumerate(data, start=start):
        cells = {column: raw[index] if index < len(raw) else None for column, index in positions.items()}
        if all(cell_text(value) == "" for value in cells.values()):
            continue
        yield SheetRow(offset, cells)


# The reader (calamine) builds each sheet as a dense grid from its first to its last cell holding a value: one
# value at A1 and one at XFD1048576 make a grid of 2^34 cells, whose allocation aborts the process. So every part
# of the archive is scanned, in bounded memory, for the span of its cells before the reader sees the file.
_CHUNK = 8 * 1024 * 1024
# A cell as every writer we know emits it: its reference first; the third group is "/" for a cell without a
# value, which the reader skips. A "/" inside its attributes defeats the match, and the count check below.
_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>/]*(/?)>')
# Element names that start with "c" but are not cells (col, cfRule, …): "<c" followed by a name character.
_NOT_CELL = re.compile(rb"<c[A-Za-z0-9_.:-]")
# Any row or cell start tag, with or without a namespace prefix, for parts written otherwise.
_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*)>")
_REF = re.compile(rb'\br\s*=\s*["\']([A-Za-z]*)([0-9]*)["\']')


@dataclass
class Extent:
    """The span of the cells holding a value in one part: first and last row and column, 1-based."""

    part: str
    rows: tuple[int, int] = (0, 0)
    columns: tuple[int, int] = (0, 0)

    def add(self, row: int, column: int) -> None:
        if not self.rows[1]:
            self.rows, self.columns = (row, row), (column, column)
            return
        self.rows = (min(self.rows[0], row), max(self.rows[1], row))
        self.columns = (min(self.columns[0], column), max(self.columns[1], column))

    @property
    def cells(self) -> int:
        if not self.rows[1]:
            return 0
        return (self.rows[1] - self.rows[0] + 1) * (self.columns[1] - self.columns[0] + 1)

    def reference(self) -> str:
        return (
            f"{column_letters(self.columns[0])}{self.rows[0]}:{column_letters(self.columns[1])}{self.rows[1]}"
        )


def column_number(letters: bytes | str) -> int:
    number = 0
    for letter in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_extent(path: Path) -> None:
    """Refuse a workbook any of whose sheets spans more than TUOPIN_XLSX_MAX_CELLS rows × columns, naming the
    sheet and its span, before any grid is built."""
    limit = settings.TUOPIN_XLSX_MAX_CELLS
    with zipfile.ZipFile(path) as archive:
        names = _sheet_names(archive)
        for entry in archive.infolist():
            extent = part_extent(archive, entry)
            if extent.cells > limit:
                raise UploadRejected(
                    _(
                        "工作表“%(sheet)s”的数据范围 %(range)s 有 %(rows)s 行 × %(columns)s 列，超过上限 %(limit)s 个单元格。"
                        "请删除多余的行和列（包括远处的零星内容）后再上传。"
                    )
                    % {
                        "sheet": names.get(entry.filename, entry.filename),
                        "range": extent.reference(),
                        "rows": extent.rows[1] - extent.rows[0] + 1,
                        "columns": extent.columns[1] - extent.columns[0] + 1,
                        "limit": limit,
                    }
                )


def part_extent(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> Extent:
    """The span of one part's cells, read in chunks. Parts written as every known writer does (each cell's
    reference first, no namespace prefix) take the fast scan; any other part is read tag by tag."""
    extent = Extent(entry.filename)
    with archive.open(entry) as part:
        for chunk in _chunks(part):
            cells = _CELL.findall(chunk)
            starts = chunk.count(b"<c") - len(_NOT_CELL.findall(chunk))
            if len(cells) != starts or re.search(rb":c\b", chunk):
                return _extent_by_tags(archive, entry)
            values = [cell for cell in cells if not cell[2]]
            if not values:
                continue
            rows = {int(digits) for digits in {cell[1] for cell in values}}
            columns = {column_number(letters) for letters in {cell[0] for cell in values}}
            extent.add(min(rows), min(columns))
            extent.add(max(rows), max(columns))
    return extent


def _extent_by_tags(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> Extent:
    """Follow rows and cells as the reader does: a reference where one is given, else the next row or column."""
    extent = Extent(entry.filename)
    row = column = 0
    with archive.open(entry) as part:
        for chunk in _chunks(part):
            for closing, kind, attributes in _TAG.findall(chunk):
                if closing:
                    continue
                ref = _REF.search(attributes)
                if kind == b"row":
                    row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                    column = 0
                    continue
                if ref and ref.group(1):
                    column = column_number(ref.group(1))
                    row = int(ref.group(2)) if ref.group(2) else row
                else:
                    column += 1
                if not attributes.rstrip().endswith(b"/"):
                    extent.add(max(row, 1), column)
    return extent


def _chunks(part: Any) -> Iterator[bytes]:
    """A part's bytes in pieces that each end at a tag's start, so that no tag is cut in two."""
    rest = b""
    while block := part.read(_CHUNK):
        data = rest + block
        cut = data.rfind(b"<")
        if cut <= 0:
            rest = data
            if len(rest) > 4 * _CHUNK:  # no tag start in 32 MB: nothing a sheet holds, and not kept in memory
                rest = b""
            continue
        rest = data[cut:]
        yield data[:cut]
    if rest:
        yield rest


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name → sheet name, for the message; parts the workbook does not name keep their part name."""
    try:
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {
        match.group(1): match.group(2)
        for match in re.finditer(r'<Relationship\b[^>]*?\bId="([^"]+)"[^>]*?\bTarget="([^"]+)"', rels)
    }
    names: dict[str, str] = {}
    for match in re.finditer(r'<sheet\b[^>]*?\bname="([^"]+)"[^>]*?\br:id="([^"]+)"', book):
        target = targets.get(match.group(2), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        names[part] = match.group(1)
    return names
