"""Reading a user's CSV file for the measures, and refusing it whole with every problem found (up to a cap).

A file is UTF-8 (with or without BOM) or GBK/GB18030, as the feeds importer accepts; comma-separated with a header
row. Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2. Every cell is read
as text and checked with Arrow compute kernels and one DuckDB query (duplicate ids), never in a loop over rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

PROBLEM_CAP = 50
NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 is a superset of GBK


@dataclass(frozen=True)
class Problem:
    row: int  # 1 is the header; 0 for the file as a whole
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row else []
        where += [f"column {self.column}"] if self.column else []
        value = f" ({self.value!r})" if self.value else ""
        return f"{', '.join(where) or 'file'}{value}: {self.message}"


class FileRefused(Exception):
    """The file cannot be measured; `problems` says every reason found (up to PROBLEM_CAP)."""

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        super().__init__(f"{len(problems) + more} problem(s)")
        self.problems = problems
        self.more = more

    def report(self, path: Path) -> str:
        lines = [f"{path} is refused ({len(self.problems) + self.more} problem(s)):"]
        lines += [f"  {problem}" for problem in self.problems]
        if self.more:
            lines.append(f"  … and {self.more} more")
        return "\n".join(lines)


@dataclass(frozen=True)
class IncomeFile:
    incomes: npt.NDArray[np.float64]
    weights: npt.NDArray[np.float64] | None


@dataclass(frozen=True)
class DeprivationFile:
    deprivations: dict[str, npt.NDArray[np.float64]]
    weights: npt.NDArray[np.float64] | None
    groups: list[str] | None


class _Problems:
    """Problems gathered across checks; counts past the cap instead of keeping them."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.more = 0

    def add(self, problem: Problem) -> None:
        if len(self.kept) < PROBLEM_CAP:
            self.kept.append(problem)
        else:
            self.more += 1

    def raise_found(self) -> None:
        if self.kept:
            raise FileRefused(self.kept, self.more)


def read_incomes(path: Path, *, weight_column: str | None = None) -> IncomeFile:
    """Columns `id` and `income` (a number ≥ 0), and `weight_column` (a number ≥ 0) when named."""
    problems = _Problems()
    table = _read(path, ["id", "income", *([weight_column] if weight_column else [])], problems)
    _check_ids(table, problems)
    incomes = _numbers(table, "income", problems)
    weights = _numbers(table, weight_column, problems) if weight_column else None
    _check_weight_sum(weights, weight_column, problems)
    problems.raise_found()
    return IncomeFile(incomes=incomes, weights=weights)


def read_deprivations(
    path: Path,
    indicators: Sequence[str],
    *,
    group_column: str | None = None,
    weight_column: str | None = None,
) -> DeprivationFile:
    """Columns `id`, one 0/1 column per indicator (and no other), `group_column` (not blank) and `weight_column`
    (a number ≥ 0) when named."""
    problems = _Problems()
    extra = [name for name in (group_column, weight_column) if name]
    table = _read(path, ["id", *indicators, *extra], problems)
    for name in table.column_names:
        if name not in {"id", *indicators, *extra}:
            problems.add(
                Problem(1, name, "", "this column has no weight in --weights (every indicator needs one)")
            )
    _check_ids(table, problems)
    deprivations = {name: _zero_one(table, name, problems) for name in indicators}
    weights = _numbers(table, weight_column, problems) if weight_column else None
    _check_weight_sum(weights, weight_column, problems)
    groups = _labels(table, group_column, problems) if group_column else None
    problems.raise_found()
    return DeprivationFile(deprivations=deprivations, weights=weights, groups=groups)


def _read(path: Path, required: Sequence[str], problems: _Problems) -> pa.Table:
    """The file as a table of text columns; refused at once when it cannot be read, lacks a column or has no rows."""
    text = _decode(path)
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    header = [name.strip() for name in header]
    if not any(header):
        raise FileRefused([Problem(0, "", "", "the file is empty (no header row)")])
    for name in {name for name in header if header.count(name) > 1}:
        problems.add(Problem(1, name, "", "this column appears more than once in the header"))
    for name in required:
        if name not in header:
            problems.add(Problem(1, name, "", "this column is missing from the header"))
    problems.raise_found()

    def skip(row: Any) -> str:
        problems.add(
            Problem(row.number, "", "", f"expected {row.expected_columns} cells, found {row.actual_columns}")
        )
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header}, strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as error:
        raise FileRefused(
            [Problem(0, "", "", f"not a readable CSV file: {str(error).splitlines()[0][:200]}")]
        ) from error
    problems.raise_found()
    if table.num_rows == 0:
        raise FileRefused([Problem(0, "", "", "the file has a header but no rows")])
    return table


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileRefused([Problem(0, "", "", f"cannot read the file: {error.strerror or error}")]) from error
    if b"\0" in data[: 1 << 16] or data.startswith(b"PK\x03\x04"):
        raise FileRefused([Problem(0, "", "", "the file is not CSV text (save the sheet as CSV)")])
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            continue
    raise FileRefused([Problem(0, "", "", "the file's encoding is neither UTF-8 nor GBK")])


def _report(table: pa.Table, column: str, bad: pa.Array, message: str, problems: _Problems) -> None:
    """One problem per row where `bad` is true, up to the cap (only those rows are taken from the table)."""
    rows = pc.indices_nonzero(pc.fill_null(bad, True)).slice(0, PROBLEM_CAP)
    values = table.column(column).take(rows).to_pylist()
    for row, value in zip(rows.to_pylist(), values, strict=True):
        problems.add(Problem(row + 2, column, value, message))
    problems.more += max(0, pc.sum(pc.cast(bad, pa.int64())).as_py() - len(values))


def _trimmed(table: pa.Table, column: str) -> pa.ChunkedArray:
    return pc.utf8_trim_whitespace(table.column(column))


def _check_ids(table: pa.Table, problems: _Problems) -> None:
    ids = _trimmed(table, "id")
    _report(table, "id", pc.equal(ids, ""), "the id is blank", problems)
    with duckdb.connect() as con:
        con.register("ids", pa.table({"row": np.arange(2, len(ids) + 2), "id": ids}))
        duplicates = con.execute(
            f"""SELECT "row", id, first FROM (SELECT "row", id, min("row") OVER (PARTITION BY id) AS first FROM ids)
                WHERE "row" > first AND id <> '' ORDER BY "row" LIMIT {PROBLEM_CAP + 1}"""  # noqa: S608
        ).fetchall()
    for row, value, first in duplicates[:PROBLEM_CAP]:
        problems.add(Problem(row, "id", value, f"this id is already on row {first}"))
    problems.more += max(0, len(duplicates) - PROBLEM_CAP)


def _numbers(table: pa.Table, column: str, problems: _Problems) -> npt.NDArray[np.float64]:
    """The column as numbers ≥ 0; blank, non-numeric and negative cells are problems."""
    cells = _trimmed(table, column)
    numeric = pc.match_substring_regex(cells, NUMBER)
    _report(table, column, pc.invert(numeric), "not a number", problems)
    values = pc.cast(pc.if_else(numeric, cells, "0"), pa.float64())
    _report(table, column, pc.less(values, 0), "must not be negative", problems)
    return np.asarray(values.to_numpy(), dtype=np.float64)


def _check_weight_sum(
    weights: npt.NDArray[np.float64] | None, column: str | None, problems: _Problems
) -> None:
    if weights is not None and not problems.kept and weights.sum() <= 0:
        problems.add(Problem(0, column or "", "", "the weights sum to zero"))


def _zero_one(table: pa.Table, column: str, problems: _Problems) -> npt.NDArray[np.float64]:
    cells = _trimmed(table, column)
    one = pc.equal(cells, "1")
    _report(
        table, column, pc.invert(pc.or_(one, pc.equal(cells, "0"))), "a deprivation must be 0 or 1", problems
    )
    return np.asarray(pc.cast(one, pa.float64()).to_numpy(), dtype=np.float64)


def _labels(table: pa.Table, column: str, problems: _Problems) -> list[str]:
    cells = _trimmed(table, column)
    _report(table, column, pc.equal(cells, ""), "the group is blank", problems)
    return [str(label) for label in cells.to_pylist()]
