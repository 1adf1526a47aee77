"""Ledgers kept in Excel by the offices (rectification items, duties, visits, …): one framework for all of them.

A ledger is described once as a `Ledger`: its sheet, its columns (`LedgerColumn`: Chinese header, field, kind) and
two functions of the app that owns it, `apply(rows, *, actor)` and optionally `export(user)`. From that one
description come the template (`tuopin export template --ledger NAME`), the import (`tuopin import ledger NAME FILE`,
the upload page) and the export (`tuopin export ledger NAME`, the pages' Excel download).

An import behaves like the registry import: the upload checks of `core/uploads.py`, every cell converted and every
problem collected with sheet, row, column and value; then `apply` runs in one transaction that is rolled back on a
dry run or on any problem, so a file is taken whole or not at all. `apply` sees only rows whose cells converted, and
reports what only it can see (an unknown household, a duplicate number, a state change not allowed) by raising
`ImportFailed` with all of its problems at once; they are listed together with the cell problems.

Who may import: a user with the write capability (the area cells held to their area scope, `apply` checking the
rest), and, for a ledger marked `units_may_import`, a `unit` user linked to a helping unit. Such a user's rows are
not held to an area scope (its account's areas say nothing about what it writes): the ledger's `apply` checks each
row against the user's units (the assistance services' `may_write`). `ledger_may_import` is that rule, for the
page, the job and `ledger_import` alike.

Apps register their ledgers in `AppConfig.ready()` with `ledger_register`.
"""

from __future__ import annotations

import hashlib
import io
import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter
from django.conf import settings
from django.db import transaction
from django.db.models import Choices
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from xlsxwriter.utility import xl_col_to_name

from tuopin.accounts.roles import Capability
from tuopin.accounts.scope import UNIT_ROLE, held_unit_ids, in_scope
from tuopin.areas.signals import figures_stale
from tuopin.audit.services import audit_record, import_refusal_record
from tuopin.core.excel import ImportFailed, Problem, SheetRow, cell_text, open_workbook, read_sheet
from tuopin.core.text import text_problem, text_visible
from tuopin.core.uploads import UploadRejected
from tuopin.core.vocab import choice_value

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from tuopin.accounts.models import User

KINDS = ("text", "date", "datetime", "integer", "decimal", "money", "ratio", "boolean", "choice", "area")
OPTIONS_SHEET = "选项"
MAX_ROWS = 1_048_575
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class LedgerColumn:
    """One column: the canonical Chinese header, the field it fills and how its cells are read.

    Kinds: text; date (an Excel date or 2019-07-01, 2019/7/1, 2019年7月1日); datetime (an Excel date and time or
    2019-03-01 08:30, 2019/3/1 8:30, 2019年3月1日 8:30, seconds optional; a naive value is local time,
    settings.TIME_ZONE, and the value is aware); integer; decimal (a number >= 0, > 0 where `positive`, of any sign
    where `signed`, with at most `places` decimal places: kilograms, tonnes; a Decimal); money (yuan, >= 0, two places, a Decimal); ratio
    (0..1, "85%" accepted, a Decimal); boolean (是/否, yes/no, y/n, true/false, 1/0, 有/无); choice (the Chinese
    label or the code, case ignored; the value is the code); area (an area code that exists and, for a user, lies
    in their scope)."""

    header: str
    field: str
    kind: str = "text"
    _: KW_ONLY
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()  # (code, Chinese label)
    # A vocabulary (Django choices) instead of `choices`: its labels fill the template's drop-down list, and a cell
    # may spell a value in any way tuopin.core.vocab accepts (code, label, registered alias).
    vocabulary: type[Choices] | None = None
    positive: bool = False  # decimal: > 0 rather than >= 0
    signed: bool = (
        False  # decimal: any sign (a reversing entry's negative weight); `apply` says what it takes
    )
    places: int = 3  # decimal: the most decimal places a cell may have

    def __post_init__(self) -> None:
        if self.vocabulary is not None:
            with translation.override("zh-hans"):
                pairs = tuple((str(value), str(label)) for value, label in self.vocabulary.choices)
            object.__setattr__(self, "choices", pairs)
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r} of column {self.header}")
        if (self.kind == "choice") != bool(self.choices):
            raise ValueError(f"column {self.header}: choices go with kind 'choice' and only with it")


@dataclass(frozen=True)
class LedgerRow:
    number: int  # the row number as Excel shows it
    values: dict[str, Any]  # field -> converted value; blank optional cells are absent


@dataclass(frozen=True)
class Ledger:
    name: str
    sheet: str
    label: str | Promise
    columns: tuple[LedgerColumn, ...]
    apply: Callable[..., int]  # apply(rows, *, actor) -> entries created; raises ImportFailed
    export: Callable[..., Iterable[dict[str, Any]]] | None = None  # export(user) -> rows the user may see
    page: str = ""  # the URL name of the ledger's page, for the upload page's links back
    # A `unit` user linked to a helping unit may import it too; `apply` must then check each row against the
    # user's units (it is not held to an area scope).
    units_may_import: bool = False
    # A capability the importer needs beside write (the medical-waste ledgers: `medwaste`, which a village task
    # force, holding write, does not have).
    capability: str = ""

    def column(self, field_name: str) -> LedgerColumn:
        return next(column for column in self.columns if column.field == field_name)


LEDGERS: dict[str, Ledger] = {}


class UnknownLedger(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no ledger {name!r}; one of: {', '.join(sorted(LEDGERS)) or '(none registered)'}")


def ledger_register(ledger: Ledger) -> Ledger:
    """Make a ledger known to the commands and pages (call it from the owning app's `AppConfig.ready`)."""
    LEDGERS[ledger.name] = ledger
    return ledger


def ledger_get(name: str) -> Ledger:
    try:
        return LEDGERS[name]
    except KeyError:
        raise UnknownLedger(name) from None


def _unit_actor(user: User | None) -> bool:
    return user is not None and getattr(user, "role", "") == UNIT_ROLE


def ledger_may_import(user: User, ledger: Ledger) -> bool:
    """Whether the user may import the ledger: the write capability (and the ledger's own capability if it has one),
    or a `unit` user linked to a unit for a ledger marked `units_may_import` (see the module notes)."""
    if not user.is_active:
        return False
    if _unit_actor(user):
        return ledger.units_may_import and bool(held_unit_ids(user))
    return user.can(Capability.WRITE) and (not ledger.capability or user.can(ledger.capability))


# ---------------------------------------------------------------------------------------------------------- import


@dataclass
class LedgerImportResult:
    ledger: str
    ok: bool
    rows: int
    created: int = 0  # on a dry run: what the file would create
    dry_run: bool = False
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ledger": self.ledger,
            "ok": self.ok,
            "rows": self.rows,
            "created": self.created,
            "dry_run": self.dry_run,
            "errors": list(self.errors),
        }


DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")


DATETIME_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[ T]?\s*"
    r"(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*(?:[:：分]\s*(\d{1,2})\s*秒?|分)?$"
)
TRUE_TEXTS = frozenset({"是", "yes", "y", "true", "1", "有", "√"})
FALSE_TEXTS = frozenset({"否", "no", "n", "false", "0", "无", "×"})


def _datetime(raw: Any, text: str) -> datetime | None:
    """An aware datetime: a cell's naive value (Excel's, or typed) is local time (settings.TIME_ZONE)."""
    if isinstance(raw, datetime):
        naive = raw
    else:
        match = DATETIME_TEXT.match(text)
        if not match:
            return None
        try:
            year, month, day, hour, minute, second = (int(part) for part in match.groups(default="0"))
            naive = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001  # made aware below
        except ValueError:
            return None
    if timezone.is_aware(naive):
        return naive
    return timezone.make_aware(naive, zoneinfo.ZoneInfo(settings.TIME_ZONE))


def _date(raw: Any, text: str) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    match = DATE_TEXT.match(text)
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            return None
    return None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _unescape(text: str) -> str:
    """A text cell as it was recorded: the apostrophe the export puts before a formula-like text (`_escape`) comes
    off, so that every exported ledger imports again as it was."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _convert(column: LedgerColumn, raw: Any, text: str) -> tuple[Any, str]:
    """A cell's value by kind, or (None, the problem)."""
    kind = column.kind
    if kind == "area":
        return text, ""
    if kind == "text":
        return _unescape(text), ""
    if kind == "date":
        value = _date(raw, text)
        return (value, "") if value else (None, _("应为日期，如 2019-07-01。"))
    if kind == "datetime":
        moment = _datetime(raw, text)
        return (moment, "") if moment else (None, _("应为日期和时间，如 2019-03-01 08:30。"))
    if kind == "decimal":
        return _number(column, text)
    if kind == "boolean":
        lowered = text.lower()
        if lowered in TRUE_TEXTS:
            return True, ""
        if lowered in FALSE_TEXTS:
            return False, ""
        return None, _("应为“是”或“否”。")
    if kind == "integer":
        number = _decimal(text)
        if number is None or number != number.to_integral_value():
            return None, _("应为整数。")
        return int(number), ""
    if kind == "money":
        number = _decimal(text)
        if number is None or number < 0:
            return None, _("应为非负金额。")
        return number.quantize(Decimal("0.01")), ""
    if kind == "ratio":
        percent = text.endswith(("%", "％"))
        number = _decimal(text.rstrip("%％"))
        if number is not None and percent:
            number /= 100
        if number is None or not 0 <= number <= 1:
            return None, _("应为0到1之间的比例（或百分数）。")
        return number, ""
    if column.vocabulary is not None:  # choice
        code = choice_value(column.vocabulary, text)
        return (None, _("不是可选值。")) if code is None else (str(code), "")
    lowered = text.lower()
    for code, label in column.choices:
        if lowered in {code.lower(), str(label).lower()}:
            return code, ""
    return None, _("不是可选值。")


def _number(column: LedgerColumn, text: str) -> tuple[Decimal | None, str]:
    number = _decimal(text)
    if number is None or (number < 0 and not column.signed) or (column.positive and number <= 0):
        return None, _("应为大于0的数。") if column.positive else _("应为非负数。")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > column.places:
        return None, _("最多%(places)s位小数。") % {"places": column.places}
    return number, ""


def _cells(sheet: str, ledger: Ledger, rows: list[SheetRow], problems: list[Problem]) -> list[LedgerRow]:
    converted: list[LedgerRow] = []
    for row in rows:
        values: dict[str, Any] = {}
        before = len(problems)
        for column in ledger.columns:
            raw = row.cells.get(column.header)
            text = raw.strip() if isinstance(raw, str) else cell_text(raw)
            if not text:
                if column.required:
                    problems.append(Problem(sheet, row.number, column.header, "", _("必填。")))
                continue
            # The rule of tuopin.core.text; a text cell may hold line breaks (Alt+Enter), a code or a number not.
            message = text_problem(text, multiline=column.kind == "text")
            if message:
                problems.append(Problem(sheet, row.number, column.header, text_visible(text)[:100], message))
                continue
            value, message = _convert(column, raw, text)
            if message:
                problems.append(Problem(sheet, row.number, column.header, text[:100], message))
            else:
                values[column.field] = value
        converted.append(
            LedgerRow(row.number, values) if len(problems) == before else LedgerRow(-row.number, {})
        )
    return converted


def _check_areas(
    sheet: str, ledger: Ledger, rows: list[LedgerRow], actor: User | None, problems: list[Problem]
) -> None:
    """Area cells in one query: the code must exist and, for a user, lie in their scope (the scope is checked before
    `apply` ever runs, so no ledger can forget it). A `unit` user's rows are checked by the ledger's `apply` against
    its units instead (only ledgers marked `units_may_import` take them)."""
    from tuopin.areas.models import Area

    if _unit_actor(actor):
        actor = None  # existence only: what a unit may write is decided by its units, in `apply`

    columns = [column for column in ledger.columns if column.kind == "area"]
    codes = {row.values[c.field] for row in rows for c in columns if c.field in row.values}
    known = set(Area.objects.filter(code__in=codes).values_list("code", flat=True)) if codes else set()
    for row in rows:
        for column in columns:
            code = row.values.get(column.field)
            if code is None:
                continue
            if code not in known:
                problems.append(Problem(sheet, row.number, column.header, code, _("没有这个区划代码。")))
            elif actor is not None and not in_scope(actor, code):
                problems.append(Problem(sheet, row.number, column.header, code, _("不在您的管辖范围内。")))


class SheetProblems:
    """What a ledger's `apply` finds wrong, row by row, reported under the columns' headers (name a column by its
    field or by its header); `raise_found()` raises them all at once, as the framework expects."""

    def __init__(self, sheet: str, columns: Iterable[LedgerColumn] = ()) -> None:
        self.sheet = sheet
        self.headers = {column.field: column.header for column in columns}
        self.found: list[Problem] = []

    def add(self, row: LedgerRow, column: str, value: Any, message: Any) -> None:
        text = "" if value is None else str(value)
        self.found.append(
            Problem(self.sheet, row.number, self.headers.get(column, column), text[:100], str(message))
        )

    def raise_found(self) -> None:
        if self.found:
            raise ImportFailed(list(self.found))


def ledger_read(
    ledger: Ledger, path: Path, *, actor: User | None, filename: str = ""
) -> tuple[int, list[LedgerRow], list[Problem]]:
    """Read and convert the ledger's sheet: the number of rows read, the rows whose cells are all good, and the
    problems of the others (see `_read`)."""
    _sheet, count, rows, problems = _read(ledger, path, actor=actor, filename=filename)
    return count, rows, problems


def _read(
    ledger: Ledger, path: Path, *, actor: User | None, filename: str = ""
) -> tuple[str, int, list[LedgerRow], list[Problem]]:
    """The sheet read (the ledger's, else the first: a CSV file's is named after the file), the number of rows
    read, the rows whose cells are all good, and the problems of the others.

    Raises ImportFailed when the sheet or a required column is missing or the sheet has no data rows (blank rows
    are not rows: a file of blank rows is refused, not taken as an import of nothing), UploadRejected for a hostile
    file."""
    workbook = open_workbook(path, name=filename, allow_csv=True)  # a CSV file's one sheet: the file's name
    names = [name for name in workbook.sheet_names if name != OPTIONS_SHEET]
    sheet = ledger.sheet if ledger.sheet in names else (names[0] if names else ledger.sheet)
    columns = {column.header: column.aliases for column in ledger.columns}
    required = tuple(column.header for column in ledger.columns if column.required)
    sheet, raw_rows = read_sheet(workbook, sheet=sheet, columns=columns, required=required)
    if not raw_rows:
        raise ImportFailed([Problem(sheet, 0, "", "", _("工作表没有数据行。"))])
    problems: list[Problem] = []
    converted = _cells(sheet, ledger, raw_rows, problems)
    good = [row for row in converted if row.number > 0]
    _check_areas(sheet, ledger, good, actor, problems)
    bad_rows = {problem.row for problem in problems}
    return sheet, len(raw_rows), [row for row in good if row.number not in bad_rows], problems


class _Rollback(Exception):
    pass


def _no_progress(done: int, total: int, phase: str) -> None:
    return None


def ledger_import(
    name: str,
    path: Path,
    *,
    actor: User | None,
    dry_run: bool = False,
    progress: Callable[[int, int, str], None] = _no_progress,
    filename: str = "",
) -> LedgerImportResult:
    """Check a ledger workbook (or CSV file) and, unless it is a dry run or anything is wrong, apply it in one transaction.

    `actor` None is the system (the command line without --username): no scope check, as the registry import.
    Raises UnknownLedger for an unknown name and UploadRejected for a file refused as a whole."""
    ledger = ledger_get(name)
    filename = filename or path.name
    result = LedgerImportResult(name, False, 0, dry_run=dry_run)
    if actor is not None and not ledger_may_import(actor, ledger):
        result.errors = [Problem(ledger.sheet, 0, "", "", _("您无权导入该台账。")).as_dict()]
        import_refusal_record(
            action="ledger.import",
            actor=actor,
            filename=filename,
            ledger=ledger.name,
            forbidden=True,
            dry_run=dry_run,
        )
        return result
    progress(0, 3, _("读取并校验"))
    try:
        sheet, result.rows, rows, problems = _read(ledger, path, actor=actor, filename=filename)
    except UploadRejected as rejected:
        import_refusal_record(
            action="ledger.import",
            actor=actor,
            filename=filename,
            ledger=ledger.name,
            message=str(rejected),
            dry_run=dry_run,
        )
        raise
    except ImportFailed as failed:
        result.errors = [problem.as_dict() for problem in failed.problems]
        _audit_refusal(ledger, actor, filename, result)
        return result
    progress(1, 3, _("写入数据库"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        with transaction.atomic():
            created = ledger.apply(rows, actor=actor)
            if problems or dry_run:
                result.created = created
                raise _Rollback
            audit_record(
                action="ledger.import",
                actor=actor,
                object_type="ledger",
                object_id=name,
                details={"file": filename[:100], "sha256": digest, "rows": result.rows, "created": created},
            )
            result.created = created
            codes = sorted(
                {
                    r.values[c.field]
                    for r in rows
                    for c in ledger.columns
                    if c.kind == "area" and r.values.get(c.field)
                }
            )
            # The areas the rows name (all, for a ledger without an area column).
            transaction.on_commit(lambda: figures_stale.send(sender="ledger.import", codes=codes or None))
    except ImportFailed as failed:
        # `apply` names the ledger's sheet (SheetProblems); the problems name the sheet the rows were read from.
        problems = problems + [
            replace(problem, sheet=sheet) if problem.sheet == ledger.sheet else problem
            for problem in failed.problems
        ]
    except _Rollback:
        pass
    progress(3, 3, _("完成"))
    order = {column.header: index for index, column in enumerate(ledger.columns)}
    problems.sort(key=lambda p: (p.row, order.get(p.column, len(order))))
    result.errors = [problem.as_dict() for problem in problems]
    result.ok = not problems
    if not result.ok:
        result.created = 0
        _audit_refusal(ledger, actor, filename, result)
    return result


def _audit_refusal(ledger: Ledger, actor: User | None, filename: str, result: LedgerImportResult) -> None:
    import_refusal_record(
        action="ledger.import",
        actor=actor,
        filename=filename,
        ledger=ledger.name,
        problems=len(result.errors),
        dry_run=result.dry_run,
    )


# ---------------------------------------------------------------------------------------------------------- export


def _escape(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe (SECURITY.md E5)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(column: LedgerColumn, value: Any) -> Any:
    if value is None or value == "":
        return None
    if column.kind == "choice":
        return str(dict(column.choices).get(str(value), value))
    if column.kind == "ratio" and isinstance(value, Decimal):
        return float(value)
    if column.kind == "boolean":
        return _("是") if value else _("否")
    if column.kind == "datetime" and isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value, zoneinfo.ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)
    if column.kind == "decimal" and isinstance(value, Decimal):
        return float(value)
    return value


def ledger_write(ledger: Ledger, target: Path | io.BytesIO, rows: Iterable[dict[str, Any]] = ()) -> int:
    """The ledger's sheet with Chinese headers and a drop-down per choice column (labels on a hidden options
    sheet); `rows` (field -> value, as `export` yields them) fill it, else it is the empty template."""
    options_in_memory = {"in_memory": True} if isinstance(target, io.BytesIO) else {}
    workbook = xlsxwriter.Workbook(
        target if isinstance(target, io.BytesIO) else str(target),
        {"strings_to_formulas": False, **options_in_memory},
    )
    sheet = workbook.add_worksheet(ledger.sheet)
    options = workbook.add_worksheet(OPTIONS_SHEET)
    header = workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetimes = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    listed = 0
    with translation.override("zh-hans"):
        for index, column in enumerate(ledger.columns):
            sheet.write_string(0, index, column.header, header)
            cell_format = {"text": text, "area": text, "date": dates, "datetime": datetimes}.get(column.kind)
            sheet.set_column(index, index, max(12, len(column.header) * 2.4), cell_format)
            if column.choices:
                options.write_string(0, listed, column.header)
                for row, (_code, label) in enumerate(column.choices, start=1):
                    options.write_string(row, listed, str(label))
                letter = xl_col_to_name(listed)
                source = f"='{OPTIONS_SHEET}'!${letter}$2:${letter}${len(column.choices) + 1}"
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
                listed += 1
        count = 0
        for count, values in enumerate(rows, start=1):
            for index, column in enumerate(ledger.columns):
                value = _cell(column, values.get(column.field))
                if value is None:
                    continue
                if isinstance(value, date):
                    naive = value.replace(tzinfo=None) if isinstance(value, datetime) else value
                    sheet.write_datetime(
                        count, index, naive, datetimes if column.kind == "datetime" else dates
                    )
                elif isinstance(value, str):
                    sheet.write_string(count, index, _escape(value))
                else:
                    sheet.write(count, index, value)
    options.hide()
    sheet.activate()
    sheet.freeze_panes(1, 0)
    workbook.close()
    return count


def ledger_export(name: str, target: Path | io.BytesIO, *, user: User, reason: str) -> int:
    """Write the rows of a ledger the user may see (the ledger's `export` applies the scope). The ledgers hold
    names of households' members and cadres, so, as the registry's, an export needs a stated reason and is audited
    with it (SECURITY.md B3). Raises ValueError without a reason."""
    ledger = ledger_get(name)
    if ledger.export is None:
        raise ValueError(f"ledger {name} has no export")
    if not reason.strip():
        raise ValueError("an export of a ledger needs a reason (it is audited)")
    written = ledger_write(ledger, target, ledger.export(user))
    audit_record(
        action="ledger.export",
        actor=user,
        object_type="ledger",
        object_id=name,
        details={"rows": written, "reason": reason.strip()[:200]},
    )
    return written
