"""Import of the registration workbook (户信息, 成员信息, 收入信息): every problem in one pass, then all rows or none.

Households are matched by 户编号, members by the blind index of their ID number, incomes by household and year, so
re-importing a file changes nothing. Blank cells leave a stored value unchanged (and take the default on a new
record). Every created or changed record gets a history row with the file as its reason.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from tuopin.accounts.scope import in_scope
from tuopin.areas.models import Area
from tuopin.areas.signals import figures_stale
from tuopin.audit.services import audit_record, import_refusal_record
from tuopin.core.bulk import batches, insert_rows, lookup_chunk, reserve_ids, update_rows
from tuopin.core.crypto import blind_index, encrypt
from tuopin.core.excel import ImportFailed, Problem, SheetRow, cell_text, iter_sheet, open_workbook
from tuopin.core.text import text_problem, text_visible
from tuopin.core.uploads import UploadRejected
from tuopin.core.vocab import choice_value
from tuopin.registry.idnumbers import IdNumber, IdNumberError, mask_id, mask_phone, parse_id
from tuopin.registry.models import Change, Household, Income, Member
from tuopin.registry.services import household_number_problem, region_known
from tuopin.registry.vocab import COMBINED_CATEGORY, Relation
from tuopin.registry.workbook import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLDS,
    INCOME_COLUMNS,
    INCOMES,
    MEMBER_COLUMNS,
    MEMBERS,
    Column,
    column_map,
    required_headers,
)

if TYPE_CHECKING:
    from tuopin.accounts.models import User

YES = {
    "是": True,
    "否": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "1": True,
    "0": False,
    "true": True,
    "false": False,
}
SEPARATORS = re.compile(r"[,，、;；/\s]+")


@dataclass(slots=True)
class Parsed:
    sheet: str
    row: int
    key: str
    values: dict[str, Any]
    id_number: IdNumber | None = None
    index: str = ""  # blind index of id_number, computed once at parse time

    def __post_init__(self) -> None:
        if self.id_number is not None:
            self.index = blind_index(self.id_number.value)


@dataclass
class ParsedWorkbook:
    households: list[Parsed] = field(default_factory=list)
    members: list[Parsed] = field(default_factory=list)
    incomes: list[Parsed] = field(default_factory=list)


@dataclass
class ImportResult:
    ok: bool
    households: int
    members: int
    incomes: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Cells:
    """Converts one row's cells by column kind, collecting problems instead of stopping at the first."""

    def __init__(self, sheet: str, row: SheetRow, problems: list[Problem]) -> None:
        self.sheet, self.row, self.problems = sheet, row, problems

    def problem(self, column: Column, value: str, message: str) -> None:
        self.problems.append(Problem(self.sheet, self.row.number, column.header, value, message))

    def values(self, columns: Iterable[Column]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        cells = self.row.cells
        for column in columns:
            raw = cells.get(column.header)
            raw = raw.strip() if type(raw) is str else cell_text(raw)
            if not raw:
                if column.required:
                    self.problem(column, "", _("必填。"))
                continue
            cache = _CACHE[column.kind, column.field] if column.kind in CACHED else None
            if cache is not None:  # the same few labels fill most cells: convert each once per process
                value = cache.get(raw, _MISSING)
                if value is _MISSING:
                    before = len(self.problems)
                    value = self.convert(column, raw)
                    if len(self.problems) == before:
                        cache[raw] = value
            else:
                value = self.convert(column, raw)
            if value is not None:
                found[column.field] = value
        return found

    def convert(self, column: Column, raw: str) -> Any:
        """A cell by its column's kind, once its text passed the rule of tuopin.core.text (one line, no control,
        zero-width or bidi character)."""
        refused = text_problem(raw)
        if refused:
            shown = {"id": mask_id, "phone": mask_phone}.get(column.kind, text_visible)(raw)
            self.problem(column, shown[:100], refused)
            return None
        return CONVERTERS[column.kind](self, column, raw)


CACHED = {"enum", "enum2", "yesno", "year", "combined_category"}
_CACHE: defaultdict[tuple[str, str], dict[str, Any]] = defaultdict(dict)  # by kind and field
_MISSING = object()


def _text(cells: _Cells, column: Column, raw: str) -> Any:
    return raw


def _year(cells: _Cells, column: Column, raw: str) -> Any:
    match = re.match(r"^(\d{4})", raw)
    if match and 1990 <= int(match.group(1)) <= 2100:
        return int(match.group(1))
    cells.problem(column, raw, _("应为四位年份。"))
    return None


def _money(cells: _Cells, column: Column, raw: str) -> Any:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        value = Decimal(-1)
    if value < 0 or not value.is_finite():
        cells.problem(column, raw, _("应为非负金额。"))
        return None
    return value.quantize(Decimal("0.01"))


def _yesno(cells: _Cells, column: Column, raw: str) -> Any:
    if raw.lower() in YES:
        return YES[raw.lower()]
    cells.problem(column, raw, _("应填“是”或“否”。"))
    return None


def _enum_value(cells: _Cells, column: Column, raw: str) -> Any:
    assert column.vocab is not None
    value = choice_value(column.vocab, raw)
    if value is None:
        cells.problem(column, raw, _("不是可选值。"))
    return value


def _enum2(cells: _Cells, column: Column, raw: str) -> Any:
    parts = [part for part in SEPARATORS.split(raw) if part]
    if len(parts) > 2:
        cells.problem(column, raw, _("最多填两项。"))
        return None
    values = [_enum_value(cells, column, part) for part in parts]
    return values if all(v is not None for v in values) else None


def _id(cells: _Cells, column: Column, raw: str) -> Any:
    if "*" in raw:
        cells.problem(column, raw, _("身份证号已脱敏（导出时未选择显示完整号码），不能用于导入。"))
        return None
    try:
        return parse_id(raw, region_known=region_known)
    except IdNumberError as error:
        cells.problem(column, mask_id(raw), str(error))  # never echo a full ID number
        return None


def _phone(cells: _Cells, column: Column, raw: str) -> Any:
    if "*" in raw:
        return None  # a masked number from an export: keep the stored one
    digits = raw.replace("-", "").replace(" ", "")
    if not digits.isdigit() or not 7 <= len(digits) <= 12:
        cells.problem(column, mask_phone(raw), _("电话号码格式不正确。"))
        return None
    return digits


def _combined_category(cells: _Cells, column: Column, raw: str) -> Any:
    if raw in COMBINED_CATEGORY:
        return COMBINED_CATEGORY[raw]
    value = _enum_value(cells, column, raw)
    return (value, None) if value is not None else None


CONVERTERS: dict[str, Callable[[_Cells, Column, str], Any]] = {
    "text": _text,
    "year": _year,
    "money": _money,
    "yesno": _yesno,
    "enum": _enum_value,
    "enum2": _enum2,
    "id": _id,
    "phone": _phone,
    "combined_category": _combined_category,
}


def _household_values(values: dict[str, Any]) -> dict[str, Any]:
    """Spread the workbook's columns onto the model's fields."""
    out = {
        k: v
        for k, v in values.items()
        if k not in {"category", "other_causes", "other_cause_3", "head_id", "number", "village", "phone"}
    }
    if "category" in values:
        category, status = values["category"]
        out["category"] = category
        if status is not None and "status" not in values:
            out["status"] = status
    others = [
        *values.get("other_causes", []),
        *([values["other_cause_3"]] if "other_cause_3" in values else []),
    ]
    for name, cause in zip(("other_cause_1", "other_cause_2"), others, strict=False):
        out[name] = cause
    return out


def _member_values(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k not in {"household", "id_number", "health"}}
    health = values.get("health", [])
    if health:
        out["health"] = health[0]
        out["health_2"] = health[1] if len(health) > 1 else ""
    return out


def parse_registry(path: Path, *, actor: User | None = None) -> ParsedWorkbook:
    """Read and check the whole workbook; raise ImportFailed with every problem found (`denied`: the persons
    refused for being registered outside the actor's scope, whose refusal is audited as a denial)."""
    workbook = open_workbook(path)
    region_known.cache_clear()  # divisions may have been loaded since the last import
    problems: list[Problem] = []
    sheets: dict[str, Iterator[SheetRow]] = {}  # read lazily: one row at a time in memory
    for sheet, columns, optional in (
        (HOUSEHOLDS, HOUSEHOLD_COLUMNS, False),
        (MEMBERS, MEMBER_COLUMNS, False),
        (INCOMES, INCOME_COLUMNS, True),
    ):
        try:
            _name, sheets[sheet] = iter_sheet(
                workbook,
                sheet=sheet,
                columns=column_map(columns),
                required=required_headers(columns),
                optional_sheet=optional,
            )
        except ImportFailed as failed:
            problems.extend(failed.problems)
    if problems:
        raise ImportFailed(problems)
    parsed = ParsedWorkbook()
    for row in sheets[HOUSEHOLDS]:
        values = _Cells(HOUSEHOLDS, row, problems).values(HOUSEHOLD_COLUMNS)
        parsed.households.append(
            Parsed(HOUSEHOLDS, row.number, values.get("number", ""), values, values.get("head_id"))
        )
    for row in sheets[MEMBERS]:
        values = _Cells(MEMBERS, row, problems).values(MEMBER_COLUMNS)
        parsed.members.append(
            Parsed(MEMBERS, row.number, values.get("household", ""), values, values.get("id_number"))
        )
    for row in sheets[INCOMES]:
        values = _Cells(INCOMES, row, problems).values(INCOME_COLUMNS)
        parsed.incomes.append(Parsed(INCOMES, row.number, values.get("household", ""), values))
    if not (parsed.households or parsed.members or parsed.incomes):
        raise ImportFailed([Problem(HOUSEHOLDS, 0, "", "", _("工作表没有数据行。"))])
    refused = _check_across(parsed, actor, problems)
    if problems:
        order = {name: position for position, name in enumerate((HOUSEHOLDS, MEMBERS, INCOMES))}
        raise ImportFailed(sorted(problems, key=lambda p: (order.get(p.sheet, 9), p.row)), denied=refused)
    return parsed


def _existing_households(numbers: Iterable[str]) -> dict[str, Household]:
    found: dict[str, Household] = {}
    for chunk in batches(sorted(set(numbers)), lookup_chunk()):
        found.update((h.number, h) for h in Household.objects.filter(number__among=chunk))
    return found


def _current_members(indexes: Iterable[str]) -> dict[str, Member]:
    found: dict[str, Member] = {}
    for chunk in batches(sorted(set(indexes)), lookup_chunk()):
        found.update(
            (m.id_index, m)
            for m in Member.objects.filter(id_index__among=chunk, left_on__isnull=True).select_related(
                "household"
            )
        )
    return found


def _check_across(parsed: ParsedWorkbook, actor: User | None, problems: list[Problem]) -> int:
    """Checks across rows and sheets: duplicates, unknown villages, scope, household numbers, heads, one person one
    household. A household outside the actor's scope reads as absent, and a person registered in one cannot be
    added here, without saying where: returns how many such persons were refused (to be audited)."""

    def problem(item: Parsed, column: str, value: str, message: str) -> None:
        problems.append(Problem(item.sheet, item.row, column, value, message))

    first_row: dict[str, int] = {}
    villages = set(
        Area.objects.filter(
            code__in={h.values.get("village", "") for h in parsed.households}, level="village"
        ).values_list("code", flat=True)
    )
    existing = _existing_households(
        [h.key for h in parsed.households] + [m.key for m in parsed.members] + [i.key for i in parsed.incomes]
    )
    for item in parsed.households:
        if not item.key:
            continue
        if item.key in first_row:
            problem(item, "户编号", item.key, _("与第%(row)s行重复。") % {"row": first_row[item.key]})
        first_row.setdefault(item.key, item.row)
        village = item.values.get("village", "")
        if village and village not in villages:
            problem(item, "村代码", village, _("村代码不存在。"))
        elif village and actor is not None and not in_scope(actor, village):
            problem(item, "村代码", village, _("不在您的管辖范围内。"))
        elif village and actor is not None:
            # A household the actor may not update (a new one) takes a number of its village.
            old = existing.get(item.key)
            if old is None or not in_scope(actor, old.village_id):
                refusal = household_number_problem(item.key, village)
                if refusal:
                    problem(item, "户编号", item.key, refusal)
                elif old is not None:  # a number of the actor's village, held by a household moved out of it
                    problem(item, "户编号", item.key, _("该户编号已被管辖范围外的户使用。"))
    in_file = set(first_row)
    current = _current_members(m.index for m in parsed.members if m.index)
    seen_ids: dict[str, int] = {}
    heads: dict[str, list[str]] = defaultdict(list)
    members_of: dict[str, set[str]] = defaultdict(set)

    def absent(key: str) -> bool:
        """Neither in the file's households nor stored where the actor may see it."""
        if not key or key in in_file:
            return False
        stored = existing.get(key)
        return stored is None or (actor is not None and not in_scope(actor, stored.village_id))

    refused = 0
    for item in parsed.members:
        if absent(item.key):
            problem(item, "户编号", item.key, _("户信息中没有该户。"))
        if item.id_number is None:
            continue
        number = item.id_number.value
        if number in seen_ids:
            problem(
                item,
                "身份证号",
                mask_id(number),
                _("与第%(row)s行是同一人（一人只能属于一户）。") % {"row": seen_ids[number]},
            )
        seen_ids.setdefault(number, item.row)
        stored = current.get(item.index)
        if stored is not None and stored.household.number != item.key:
            if actor is not None and not in_scope(actor, stored.household.village_id):
                problem(item, "身份证号", mask_id(number), _("此人不能加入本户。"))
                refused += 1
            else:
                problem(
                    item,
                    "身份证号",
                    mask_id(number),
                    _("此人已在户 %(number)s 中（一人只能属于一户）。") % {"number": stored.household.number},
                )
        members_of[item.key].add(number)
        if item.values.get("relation") == Relation.HEAD:
            heads[item.key].append(number)
    for item in parsed.households:
        head = item.id_number
        if not item.key or head is None:
            continue
        if head.value not in members_of[item.key]:
            problem(item, "户主身份证号", mask_id(head.value), _("户主不在该户的成员信息中。"))
        if len(heads[item.key]) != 1 and item.key not in existing:
            problem(
                item,
                "户编号",
                item.key,
                _("每户必须有且只有一名户主（成员信息中有%(n)s名）。") % {"n": len(heads[item.key])},
            )
        elif heads[item.key] and head.value not in heads[item.key]:
            problem(item, "户主身份证号", mask_id(head.value), _("与成员信息中的户主不一致。"))
    income_rows: dict[tuple[str, int], int] = {}
    for item in parsed.incomes:
        if absent(item.key):
            problem(item, "户编号", item.key, _("户信息中没有该户。"))
        key = (item.key, item.values.get("year", 0))
        if key in income_rows:
            problem(
                item,
                "年度",
                str(key[1]),
                _("与第%(row)s行重复（同一户同一年度）。") % {"row": income_rows[key]},
            )
        income_rows.setdefault(key, item.row)
    return refused


def _no_progress(done: int, total: int, phase: str) -> None:
    return None


STEPS = 3


def import_registry(
    path: Path,
    *,
    actor: User | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int, str], None] = _no_progress,
    name: str = "",
) -> ImportResult:
    """Check the workbook and, unless it is a dry run, apply it in one transaction.

    `progress(done, total, phase)` is called between the steps (read and check, write, done); `name` is the file
    name recorded as the reason of every change (an upload's original name)."""
    name = name or path.name
    progress(0, STEPS, _("读取并校验"))
    try:
        parsed = parse_registry(path, actor=actor)
    except UploadRejected as rejected:
        import_refusal_record(
            action="registry.import", actor=actor, filename=name, message=str(rejected), dry_run=dry_run
        )
        raise
    except ImportFailed as failed:
        import_refusal_record(
            action="registry.import",
            actor=actor,
            filename=name,
            problems=len(failed.problems),
            denied=failed.denied,
            dry_run=dry_run,
        )
        return ImportResult(False, 0, 0, 0, errors=[p.as_dict() for p in failed.problems])
    counts = (len(parsed.households), len(parsed.members), len(parsed.incomes))
    if dry_run:
        progress(STEPS, STEPS, _("完成"))
        return ImportResult(True, *counts)
    progress(1, STEPS, _("写入数据库"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with transaction.atomic():
        tally = _apply(parsed, actor, f"导入 {name}")
        audit_record(
            action="registry.import",
            actor=actor,
            object_type="file",
            object_id=name[:64],
            details={"sha256": digest, **tally, "households": counts[0], "members": counts[1]},
        )
    keys = {h.key for h in parsed.households}
    only_listed = all(item.key in keys for item in (*parsed.members, *parsed.incomes))
    # The villages whose counts changed (all, when members or incomes of households not in the file changed).
    villages = sorted({h.values["village"] for h in parsed.households}) if only_listed else None
    transaction.on_commit(lambda: figures_stale.send(sender="registry.import", codes=villages))
    progress(STEPS, STEPS, _("完成"))
    return ImportResult(
        True, *counts, created=tally["created"], updated=tally["updated"], unchanged=tally["unchanged"]
    )


def _diff(obj: Any, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {
        name: (getattr(obj, name), value) for name, value in values.items() if getattr(obj, name) != value
    }


def _apply(parsed: ParsedWorkbook, actor: User | None, reason: str) -> dict[str, int]:
    """Write the checked workbook through the bulk path, WRITE_CHUNK households (with their members and incomes)
    at a time so that memory stays flat: new rows inserted in batches, changed rows updated with only their changed
    fields, one history row for each created or changed record."""
    writer = _Writer(actor, reason)
    members, incomes = defaultdict(list), defaultdict(list)
    for item in parsed.members:
        members[item.key].append(item)
    for item in parsed.incomes:
        incomes[item.key].append(item)
    in_file = {h.key for h in parsed.households}
    keys = [h.key for h in parsed.households] + sorted((set(members) | set(incomes)) - in_file)
    by_key = {h.key: h for h in parsed.households}
    for start in range(0, len(keys), WRITE_CHUNK):
        chunk = keys[start : start + WRITE_CHUNK]
        part = ParsedWorkbook(
            households=[by_key[k] for k in chunk if k in by_key],
            members=[m for k in chunk for m in members.get(k, ())],
            incomes=[i for k in chunk for i in incomes.get(k, ())],
        )
        _apply_chunk(part, writer)
        writer.save()
    return {
        "created": writer.tally["created"],
        "updated": writer.tally["updated"],
        "unchanged": writer.tally["unchanged"],
    }


WRITE_CHUNK = 5000


def _apply_chunk(parsed: ParsedWorkbook, writer: _Writer) -> None:
    households = _existing_households(
        [h.key for h in parsed.households] + [m.key for m in parsed.members] + [i.key for i in parsed.incomes]
    )
    ids = {number: h.pk for number, h in households.items()}
    new_rows: list[dict[str, Any]] = []
    changed: list[tuple[Any, dict[str, tuple[Any, Any]]]] = []
    for item in parsed.households:
        values = {"village_id": item.values["village"], **_household_values(item.values)}
        phone = item.values.get("phone")
        old = households.get(item.key)
        if old is None:
            if phone:
                values.update(phone_encrypted=encrypt(phone), phone_masked=mask_phone(phone))
            new_rows.append({"number": item.key, **values})
            continue
        diff = _diff(old, values)
        if phone and mask_phone(phone) != old.phone_masked:
            diff["phone_masked"] = (old.phone_masked, mask_phone(phone))
            diff["phone_encrypted"] = ("", encrypt(phone))
        writer.changed(old, diff, changed)
    for row, pk in zip(new_rows, reserve_ids(Household, len(new_rows)), strict=True):
        row["id"] = ids[row["number"]] = pk
        writer.record(pk, "import", "household", pk, row["number"], {"village_id": (None, row["village_id"])})
    writer.update(Household, changed, "update")
    # Households first and without their heads, then members, then heads: no row ever points at one not yet
    # written. (With a dangling reference pending, SQLite checks every later insert of a household against each
    # table that points at households, including an unindexed one: quadratic at a million households.)
    insert_rows(Household, new_rows, pk=True)
    member_ids = _apply_members(parsed, ids, writer)
    heads = {ids[h.key]: member_ids[h.index] for h in parsed.households if h.index}
    current = {h.pk: h.head_id for h in households.values()}
    update_rows(Household, ["head"], [(pk, head) for pk, head in heads.items() if current.get(pk) != head])
    _apply_incomes(parsed, ids, {households[n].pk for n in households}, writer)


class _Writer:
    """Collects the history rows and the tallies of one import."""

    def __init__(self, actor: User | None, reason: str) -> None:
        self.tally: Counter[str] = Counter()
        self.rows: list[dict[str, Any]] = []
        self.base = {
            "at": datetime.now(UTC),
            "actor_id": actor.pk if actor else None,
            "actor": actor.get_username() if actor else "system",
            "reason": reason,
        }

    def record(
        self,
        household_id: int,
        action: str,
        object_type: str,
        object_id: int,
        label: str,
        diff: dict[str, tuple[Any, Any]],
    ) -> None:
        self.rows.append(
            {
                **self.base,
                "household_id": household_id,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "object_label": label[:100],
                "fields": {k: [_plain(o), _plain(n)] for k, (o, n) in diff.items() if k not in SECRET},
            }
        )
        if action in CREATES:
            self.tally["created"] += 1

    def changed(self, obj: Any, diff: dict[str, tuple[Any, Any]], into: list[Any]) -> None:
        if diff:
            into.append((obj, diff))
        else:
            self.tally["unchanged"] += 1

    def update(
        self, model: type[Any], changed: list[tuple[Any, dict[str, tuple[Any, Any]]]], action: str
    ) -> None:
        """Update each changed record (only its changed fields, its version bumped) and record the change."""
        by_fields: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for obj, diff in changed:
            names = tuple(sorted(diff))
            by_fields[names].append((obj.pk, *(diff[name][1] for name in names), obj.version + 1))
            household_id = obj.pk if model is Household else obj.household_id
            self.record(household_id, action, model._meta.model_name, obj.pk, str(obj), diff)
        for names, rows in by_fields.items():
            update_rows(model, [*names, "version"], rows)
        self.tally["updated"] += len(changed)

    def save(self) -> None:
        insert_rows(Change, self.rows)
        self.rows = []


SECRET = {"phone_encrypted", "id_encrypted"}
CREATES = {"import", "member_add", "income_add"}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def _apply_members(parsed: ParsedWorkbook, ids: dict[str, int], writer: _Writer) -> dict[str, int]:
    """Write the members; returns the member id of every blind index in the file."""
    current = _current_members(m.index for m in parsed.members)
    new_rows: list[dict[str, Any]] = []
    changed: list[tuple[Any, dict[str, tuple[Any, Any]]]] = []
    for item in parsed.members:
        assert item.id_number is not None
        number = item.id_number
        values = _member_values(item.values)
        old = current.get(item.index)
        if old is None:
            new_rows.append(
                {
                    "household_id": ids[item.key],
                    "id_encrypted": encrypt(number.value),
                    "id_index": item.index,
                    "id_masked": mask_id(number.value),
                    "sex": number.sex,
                    "birth_date": number.birth_date,
                    **values,
                }
            )
            continue
        writer.changed(old, _diff(old, values), changed)
    member_ids = {index: m.pk for index, m in current.items()}
    for row, pk in zip(new_rows, reserve_ids(Member, len(new_rows)), strict=True):
        row["id"] = member_ids[row["id_index"]] = pk
    insert_rows(Member, new_rows, pk=True)
    for row in new_rows:
        pk = row["id"]
        writer.record(
            row["household_id"],
            "member_add",
            "member",
            pk,
            f"{row['name']} ({row['id_masked']})",
            {"name": (None, row["name"]), "id_masked": (None, row["id_masked"])},
        )
    writer.update(Member, changed, "member_update")
    return member_ids


def _apply_incomes(
    parsed: ParsedWorkbook, ids: dict[str, int], old_households: set[int], writer: _Writer
) -> None:
    """Write the incomes; only households that existed before this import can have stored incomes."""
    wanted = sorted({ids[i.key] for i in parsed.incomes} & old_households)
    existing: dict[tuple[int, int], Income] = {}
    for chunk in batches(wanted, lookup_chunk()):
        existing.update(
            ((i.household_id, i.year), i) for i in Income.objects.filter(household_id__among=chunk)
        )
    new_rows: list[dict[str, Any]] = []
    changed: list[tuple[Any, dict[str, tuple[Any, Any]]]] = []
    for item in parsed.incomes:
        household = ids[item.key]
        amounts = {k: v for k, v in item.values.items() if k not in {"household", "year"}}
        old = existing.get((household, item.values["year"]))
        if old is None:
            new_rows.append({"household_id": household, "year": item.values["year"], **amounts})
            continue
        writer.changed(old, _diff(old, amounts), changed)
    for row, pk in zip(new_rows, reserve_ids(Income, len(new_rows)), strict=True):
        row["id"] = pk
    insert_rows(Income, new_rows, pk=True)
    for row in new_rows:
        key = (row["household_id"], row["year"])
        writer.record(
            row["household_id"],
            "income_add",
            "income",
            row["id"],
            f"{key[0]} {key[1]}",
            {"year": (None, row["year"])},
        )
    writer.update(Income, changed, "income_update")
