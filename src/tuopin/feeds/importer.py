"""Checking a department's file and writing its accepted rows to Parquet, vectorised in DuckDB.

A provincial medical-insurance file runs to tens of millions of rows, so nothing here runs Python per row: the file
is read by DuckDB (CSV) or by `tuopin.core.excel` (xlsx, small by the upload limit), every cell is checked by SQL,
and DuckDB writes the accepted rows with COPY. Checks on an ID number depend only on the ID, so they run once per
distinct ID (a file names each person many times): GB 11643-1999 (length, characters, birth date, MOD 11-2 check
digit, in the order of `registry.idnumbers.parse_id`), the region through `registry.services.region_known` once per
distinct region code, and the blind index, HMAC-SHA256 with the key ring's index key computed in SQL as
sha256(opad || unhex(sha256(ipad || id))), equal to `tuopin.core.crypto.blind_index`.

Rows of a CSV file are numbered as a spreadsheet shows them: the header is row 1, each record after it one row
(blank lines are skipped and not counted).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from tuopin.core.crypto import INDEX_KEY_SQL, load_keyring
from tuopin.core.excel import ImportFailed, cell_text, header_positions, iter_sheet
from tuopin.core.idmask import mask_id_sql, mask_id_text
from tuopin.core.uploads import UploadRejected
from tuopin.feeds.sources import TEXT_MAX, FeedColumn, Source
from tuopin.registry.idnumbers import EARLIEST_BIRTH, ID_PROBLEMS, id_checks_sql, mask_id
from tuopin.registry.services import region_known

ERROR_CAP = 1000  # problems listed; the counts stay exact
# What Python's str.split() takes for whitespace (parse_id removes it from an ID), as an RE2 class.
WHITESPACE = r"[\t\n\x{0b}\f\r\x{1c}-\x{1f}\x{85}\p{Z}]"
SNIFF_BYTES = 1 << 16
DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y.%m.%d",
    "%Y年%m月%d日",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)
Progress = Callable[[int, int, str], None]
STEPS = 4


@dataclass(frozen=True)
class FeedProblem:
    row: int  # 1 is the header; 0 for the file as a whole
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


class FeedRejected(Exception):
    """The file cannot be read as the source's table at all (missing columns, not a CSV, no rows)."""

    def __init__(self, problems: list[FeedProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _messages() -> dict[str, str]:
    """What each check's code means, in the current language."""
    return {
        "required": _("必填。"),
        "masked": _("身份证号已脱敏，不能用于导入。"),
        **{code: _(message) for code, message in ID_PROBLEMS.items()},
        "date": _("日期无效，应为“2024-03-01”的格式。"),
        "date_future": _("日期不能晚于今天。"),
        "date_early": _("日期早于1900年。"),
        "money": _("应为非负金额。"),
        "text_long": _("内容过长（最多%(max)s个字）。") % {"max": TEXT_MAX},
        "text_id": _("不能包含身份证号。"),
        "MISSING COLUMNS": _("列数比表头少。"),
        "TOO MANY COLUMNS": _("列数比表头多。"),
        "UNQUOTED VALUE": _("引号不成对。"),
        "INVALID ENCODING": _("编码无效（应为UTF-8或GBK）。"),
        "LINE SIZE OVER MAXIMUM": _("这一行过长。"),
    }


def _column_message(column: FeedColumn, code: str, messages: dict[str, str]) -> str:
    if code == "enum":
        return _("不是可选值（%(values)s）。") % {"values": "、".join(c.label for c in column.choices)}
    if code == "integer":
        return _("应为%(low)s到%(high)s的整数。") % {"low": column.minimum, "high": column.maximum}
    return messages.get(code, _("无法读取这一行。"))


def shown(value: str, *, is_id: bool) -> str:
    """A cell's value as a problem shows it: an ID masked, anything ID-shaped inside other text masked too."""
    value = (value or "")[:200]
    if is_id:
        return mask_id(value)
    return mask_id_text(value)


def quote(value: str) -> str:
    """A SQL string literal (paths and codes of our own; user text goes in as parameters)."""
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class CheckedFeed:
    """A checked file held in DuckDB: the counts, the first problems, and the accepted rows ready to be written."""

    source: Source
    con: Any
    rows: int = 0
    rejected: int = 0
    problems: list[FeedProblem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def accepted(self) -> int:
        return self.rows - self.rejected

    def write(self, target: Path, batch_id: int) -> int:
        """COPY the accepted rows to `target` (a temporary name first, then renamed); returns how many."""
        key = load_keyring().index_key.ljust(64, b"\0")
        ipad, opad = bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)
        self.con.execute(
            f"""CREATE TEMP TABLE good_ids AS SELECT *, {INDEX_KEY_SQL.format(index="id_index")} AS id_key
                             FROM (SELECT raw, sha256($2::BLOB || unhex(sha256($1::BLOB || encode(norm)))) AS id_index,
                                          {mask_id_sql("norm")} AS id_masked
                                   FROM ids WHERE err IS NULL)""",  # noqa: S608
            [ipad, opad],
        )
        values = ", ".join(f"c.v{j} AS {ident(column.field)}" for j, column in _data(self.source))
        temporary = target.with_name(f".{target.name}.tmp")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con.execute(f"""COPY (SELECT g.id_index, g.id_masked, g.id_key, {values}, {int(batch_id)}::BIGINT AS batch_id,
                                 c.row::BIGINT AS "row" FROM checked c JOIN good_ids g ON g.raw = c.c0 WHERE NOT c.bad)
                                 TO {quote(str(temporary))} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)""")  # noqa: S608
            if self.source.summed:
                write_totals(self.source, temporary, target.with_suffix(".totals.parquet"), self.con)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        return self.accepted


def write_totals(source: Source, rows: Path, target: Path, con: Any = None) -> None:
    """A batch's per-person totals (`Source.totals_schema`) from its rows file: what lets the screening skip the
    people who cannot reach a limit (amounts are never negative, so a person's sum over a period is at most the
    sum of their totals in the batches that touch it)."""
    own = con is None
    con = con or duckdb.connect()
    temporary = target.with_name(f".{target.name}.tmp")
    dated, summed = ident(source.dated), ident(source.summed)
    try:  # our own data directory's paths, names of our own schema
        con.execute(f"""COPY (SELECT id_key, batch_id, count(*)::BIGINT AS "rows", min({dated}) AS first_on,
                             max({dated}) AS last_on, CAST(sum({summed}) AS DECIMAL(38, 2)) AS total
                             FROM read_parquet({quote(str(rows))}) GROUP BY id_key, batch_id)
                        TO {quote(str(temporary))} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)""")  # noqa: S608
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
        if own:
            con.close()


def _data(source: Source) -> list[tuple[int, FeedColumn]]:
    """The data columns with their position in `source.columns` (c0 is the ID, as every source starts with it)."""
    return [(j, column) for j, column in enumerate(source.columns) if column.kind != "id"]


@contextmanager
def check_feed(source: Source, path: Path, *, progress: Progress | None = None) -> Iterator[CheckedFeed]:
    """Read and check a CSV or xlsx file of `source`; the DuckDB tables live as long as the context.

    Raises FeedRejected when the file cannot be read as the source's table, UploadRejected for a hostile workbook.
    """
    report = progress or (lambda done, total, phase: None)
    scratch = Path(settings.DATA_DIR) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    # The scratch directory holds DuckDB's spill files and a transcoded copy: personal data, removed at the end.
    with tempfile.TemporaryDirectory(dir=scratch, prefix="feed-") as workdir:
        con = duckdb.connect(
            config={"temp_directory": str(Path(workdir) / "duckdb"), "preserve_insertion_order": True}
        )
        try:
            report(0, STEPS, _("读取文件"))
            if sniff_kind(path) == "xlsx":
                _load_xlsx(con, source, path)
            else:
                _load_csv(con, source, path, Path(workdir))
            report(1, STEPS, _("校验身份证号"))
            _check_ids(con)
            report(2, STEPS, _("汇总问题"))
            checked = CheckedFeed(source, con)
            _count(checked)
            report(3, STEPS, _("写入"))
            yield checked
        finally:
            con.close()


def sniff_kind(path: Path) -> str:
    """'xlsx' or 'csv' by the file's name, the way uploads are accepted."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return "xlsx"
    if suffix == ".csv":
        return "csv"
    raise UploadRejected(_("只接受 .csv 或 .xlsx 文件：%(name)s") % {"name": path.name})


# Reading -------------------------------------------------------------------------------------------------------


def _checked_sql(source: Source, rows: str, raw: dict[int, str]) -> str:
    """One pass over the file's records (`rows`: a relation with "row" and the raw cells named in `raw`, the ID at
    position 0): the raw ID, typed values v{j}, problem codes e{j}, the offending cells b{j} and `bad`.

    Cells are converted as they are first; trimming and the other spellings are tried only where that fails
    (trimming every cell of a large file costs more than all the checks together)."""
    today = timezone.localdate()
    data = _data(source)
    cells = ", ".join(f"{raw[j]} AS r{j}" if j in raw else f"NULL::VARCHAR AS r{j}" for j, _c in data)
    typed = ", ".join(f"r{j}, {_typed(column, f'r{j}')} AS v{j}" for j, column in data)
    codes = ", ".join(f"{_check(column, f'r{j}', f'v{j}', today)} AS e{j}" for j, column in data)
    bad_cells = ", ".join(f"CASE WHEN e{j} IS NOT NULL THEN r{j} END AS b{j}" for j, _c in data)
    values = ", ".join(f"v{j}" for j, _c in data)
    errors = ", ".join(f"e{j}" for j, _c in data)
    bad = " OR ".join(f"e{j} IS NOT NULL" for j, _c in data)
    blank = " AND ".join(f"{name} IS NULL" for name in raw.values())
    return f"""SELECT "row", c0, {values}, {errors}, {bad_cells}, ({bad}) AS bad
               FROM (SELECT "row", c0, {typed}, {codes} FROM (
                   SELECT "row", coalesce({raw[0]}, '') AS c0, {cells} FROM {rows} WHERE NOT ({blank})))"""  # noqa: S608


def _typed(column: FeedColumn, r: str) -> str:
    def spelled(value: str, cast: str = "") -> str:
        exact = {
            spelling: choice.code
            for choice in column.choices
            for spelling in (choice.code, choice.label, *choice.aliases)
        }
        literal = (lambda code: str(int(code))) if cast else quote
        first = " ".join(f"WHEN {quote(s)} THEN {literal(code)}" for s, code in exact.items())
        other = " ".join(f"WHEN {quote(s)} THEN {literal(code)}" for s, code in column.spellings().items())
        return f"coalesce({cast or 'NULL'}, CASE {value} {first} END, CASE lower(trim({value})) {other} END)"

    if column.kind == "date":
        formats = ", ".join(quote(f) for f in DATE_FORMATS)
        return f"coalesce(try_cast({r} AS DATE), CAST(try_strptime(trim({r}), [{formats}]) AS DATE))"
    if column.kind == "money":
        return f"coalesce(try_cast({r} AS DECIMAL(14, 2)), try_cast(replace(trim({r}), ',', '') AS DECIMAL(14, 2)))"
    if column.kind == "enum":
        return spelled(r)
    if column.kind == "integer":
        return spelled(r, f"try_cast({r} AS BIGINT)") if column.choices else f"try_cast({r} AS BIGINT)"
    return f"nullif(trim({r}), '')"  # text


def _check(column: FeedColumn, r: str, v: str, today: date) -> str:
    """The problem code of a cell, or NULL."""
    missing = "'required'" if column.required else "NULL"
    blank = f"WHEN {r} IS NULL OR trim({r}) = '' THEN {missing}"
    if column.kind == "date":
        return (
            f"CASE WHEN {v} > DATE {quote(today.isoformat())} THEN 'date_future' "
            f"WHEN {v} < DATE {quote(EARLIEST_BIRTH.isoformat())} THEN 'date_early' "
            f"WHEN {v} IS NOT NULL THEN NULL {blank} ELSE 'date' END"
        )
    if column.kind == "money":
        return f"CASE WHEN {v} < 0 THEN 'money' WHEN {v} IS NOT NULL THEN NULL {blank} ELSE 'money' END"
    if column.kind == "enum":
        return f"CASE WHEN {v} IS NOT NULL THEN NULL {blank} ELSE 'enum' END"
    if column.kind == "integer":
        low, high = int(column.minimum or 0), int(column.maximum or 0)
        return (
            f"CASE WHEN {v} NOT BETWEEN {low} AND {high} THEN 'integer' WHEN {v} IS NOT NULL THEN NULL {blank} "
            f"ELSE 'integer' END"
        )
    return (
        f"CASE WHEN {v} IS NULL THEN {missing} WHEN length({v}) > {TEXT_MAX} THEN 'text_long' "
        f"WHEN regexp_matches({v}, '[0-9]{{17}}[0-9Xx]') THEN 'text_id' END"
    )


def _load_xlsx(con: Any, source: Source, path: Path) -> None:
    try:
        _name, rows = iter_sheet(
            path, sheet=None, columns=source.header_map(), required=source.required_headers()
        )
    except ImportFailed as failed:
        raise FeedRejected(
            [FeedProblem(p.row, p.column, p.value, p.message) for p in failed.problems]
        ) from failed
    headers = [column.header for column in source.columns]
    numbers: list[int] = []
    cells: list[list[str | None]] = [[] for _h in headers]
    for row in rows:
        numbers.append(row.number)
        for j, header in enumerate(headers):
            cells[j].append(_cell(row.cells[header]) if header in row.cells else None)
    table = pa.table(
        {
            "row": pa.array(numbers, pa.int64()),
            **{f"c{j}": pa.array(values, pa.string()) for j, values in enumerate(cells)},
        }
    )
    con.register("xlsx_rows", table)
    con.execute(
        f"CREATE TEMP TABLE checked AS {_checked_sql(source, 'xlsx_rows', {j: f'c{j}' for j in range(len(headers))})}"
    )
    con.unregister("xlsx_rows")
    con.execute("CREATE TEMP TABLE reject_lines (line BIGINT, error_type VARCHAR)")


def _cell(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = cell_text(value)
    return text or None


def _load_csv(con: Any, source: Source, path: Path, workdir: Path) -> None:
    """Read a CSV file (UTF-8 with or without BOM; GBK/GB18030 transcoded to UTF-8 first) into `checked`.

    A file DuckDB's parser cannot follow (line endings mixed by hand edits) is read again from a copy with its line
    endings made uniform; a file that still fails is refused as a whole."""
    encoding, head = _sniff(path)
    header, delimiter = _header(head)
    raw = {j: f"f{p}" for j, p in _positions(source, header).items()}
    columns = "{" + ", ".join(f"'f{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    attempts = [path] if encoding == "utf-8" else []
    attempts.append(workdir / "transcoded.csv")
    for attempt, readable in enumerate(attempts):
        if readable != path:
            _transcode(path, readable, "utf-8-sig" if encoding == "utf-8" else encoding)
        records = f"""(SELECT row_number() OVER () + 1 AS "row", * FROM read_csv({quote(str(readable))},
                       header = true, auto_detect = false, columns = {columns}, delim = {quote(delimiter)}, quote = '"',
                       escape = '"', store_rejects = true, rejects_table = 'rejects_{attempt}',
                       rejects_scan = 'scans_{attempt}'))"""  # noqa: S608
        try:
            con.execute(f"CREATE TEMP TABLE checked AS {_checked_sql(source, records, raw)}")
        except duckdb.Error as error:
            if readable == attempts[-1]:
                message = _("无法读取CSV文件：%(error)s") % {"error": str(error).splitlines()[0][:200]}
                raise FeedRejected([FeedProblem(0, "", "", message)]) from error
            continue
        con.execute(f"""CREATE TEMP TABLE reject_lines AS SELECT line, min(error_type) AS error_type
                        FROM rejects_{attempt} GROUP BY line""")  # noqa: S608
        break
    _renumber(con)


def _sniff(path: Path) -> tuple[str, str]:
    """The file's encoding and its first bytes as text. Binary content is refused."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if b"\0" in head or head.startswith(b"PK\x03\x04"):
        raise FeedRejected([FeedProblem(0, "", "", _("文件内容不是CSV文本（应为.csv或.xlsx）。"))])
    for encoding in ("utf-8", "gb18030"):
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=len(head) < SNIFF_BYTES)
        except UnicodeDecodeError:
            continue
        return encoding, text.removeprefix("\ufeff")
    raise FeedRejected([FeedProblem(0, "", "", _("文件编码无法识别（应为UTF-8或GBK）。"))])


def _transcode(source: Path, target: Path, encoding: str) -> None:
    """A UTF-8 copy with uniform line endings (universal newlines: quoted line breaks become \\n too)."""
    try:
        with (
            source.open("r", encoding=encoding) as reader,
            target.open("w", encoding="utf-8", newline="\n") as writer,
        ):
            while chunk := reader.read(1 << 20):
                writer.write(chunk)
    except UnicodeDecodeError as error:
        target.unlink(missing_ok=True)
        raise FeedRejected([FeedProblem(0, "", "", _("文件编码无法识别（应为UTF-8或GBK）。"))]) from error


def _header(head: str) -> tuple[list[str], str]:
    first = head.splitlines()[0] if head.strip() else ""
    delimiter = "\t" if "\t" in first and "," not in first else ","
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter), [])
    return [name.strip() for name in header], delimiter


def _positions(source: Source, header: list[str]) -> dict[int, int]:
    """Column index in `source.columns` → position in the file; a missing required column is a problem."""
    found = header_positions(header, source.header_map())
    positions = {j: found[column.header] for j, column in enumerate(source.columns) if column.header in found}
    missing = [
        column.header for j, column in enumerate(source.columns) if column.required and j not in positions
    ]
    if missing:
        raise FeedRejected([FeedProblem(1, header, "", _("缺少必需的列。")) for header in missing])
    return positions


def _renumber(con: Any) -> None:
    """Rows after a line DuckDB rejected (wrong number of cells, bad quoting) move down past it."""
    if not con.execute("SELECT count(*) FROM reject_lines").fetchone()[0]:
        return
    con.execute("""CREATE TEMP TABLE shifts AS SELECT threshold, max(shift) AS shift FROM (
                       SELECT line - row_number() OVER (ORDER BY line) + 1 AS threshold,
                              row_number() OVER (ORDER BY line) AS shift FROM reject_lines) GROUP BY threshold""")
    con.execute("""CREATE TEMP TABLE renumbered AS SELECT * REPLACE (c."row" + coalesce(s.shift, 0) AS "row")
                   FROM checked c ASOF LEFT JOIN shifts s ON c."row" >= s.threshold""")
    con.execute("ALTER TABLE renumbered DROP COLUMN threshold")
    con.execute("ALTER TABLE renumbered DROP COLUMN shift")
    con.execute("DROP TABLE checked")
    con.execute("ALTER TABLE renumbered RENAME TO checked")


# The ID numbers, once each ------------------------------------------------------------------------------------


def _check_ids(con: Any) -> None:
    today = timezone.localdate()
    con.execute(f"""CREATE TEMP TABLE ids AS SELECT raw, norm, CASE
            WHEN norm = '' THEN 'required'
            WHEN contains(norm, '*') THEN 'masked'{id_checks_sql("norm", today=today)}
            END AS err
        FROM (SELECT raw, upper(regexp_replace(raw, {quote(WHITESPACE)}, '', 'g')) AS norm FROM (SELECT DISTINCT c0 AS raw FROM checked))""")  # noqa: S608
    regions = [
        code for (code,) in con.execute("SELECT DISTINCT left(norm, 6) FROM ids WHERE err IS NULL").fetchall()
    ]
    region_known.cache_clear()  # divisions may have been loaded since the last import
    unknown = [code for code in regions if not region_known(code)]
    if unknown:
        con.execute("CREATE TEMP TABLE unknown_regions AS SELECT unnest($1::VARCHAR[]) AS code", [unknown])
        con.execute(
            "UPDATE ids SET err = 'id_region' WHERE err IS NULL AND left(norm, 6) IN (SELECT code FROM unknown_regions)"
        )


# Counting and listing the problems -----------------------------------------------------------------------------


def _count(checked: CheckedFeed) -> None:
    con, source = checked.con, checked.source
    con.execute("CREATE TEMP TABLE bad_ids AS SELECT raw, err FROM ids WHERE err IS NOT NULL")
    rows, rejected = (
        con.execute("""SELECT count(*), count(*) FILTER (WHERE bad OR c0 IN (SELECT raw FROM bad_ids))
                                    FROM checked""").fetchone()
    )
    structural = con.execute("SELECT count(*) FROM reject_lines").fetchone()[0]
    checked.rows, checked.rejected = rows + structural, rejected + structural
    parts = [
        'SELECT c."row", 0 AS position, c.c0 AS value, b.err FROM checked c JOIN bad_ids b ON b.raw = c.c0',
        "SELECT line, -1, '', error_type FROM reject_lines",
    ]
    parts += [f'SELECT "row", {j}, b{j}, e{j} FROM checked WHERE e{j} IS NOT NULL' for j, _c in _data(source)]  # noqa: S608
    union = " UNION ALL ".join(parts)
    checked.problem_count = con.execute(f"SELECT count(*) FROM ({union})").fetchone()[0]  # noqa: S608
    found = con.execute(f"SELECT * FROM ({union}) ORDER BY 1, 2 LIMIT {ERROR_CAP}").fetchall()  # noqa: S608
    messages = _messages()
    for row, position, value, code in found:
        if position < 0:
            checked.problems.append(FeedProblem(row, "", "", messages.get(code, _("无法读取这一行。"))))
            continue
        column = source.columns[position]
        message = messages[code] if column.kind == "id" else _column_message(column, code, messages)
        checked.problems.append(
            FeedProblem(row, column.header, shown(value or "", is_id=column.kind == "id"), message)
        )
    if checked.rows == 0:
        checked.problems.append(FeedProblem(0, "", "", _("文件中没有数据行。")))
        checked.problem_count += 1
