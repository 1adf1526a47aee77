"""The supervision ledgers in Excel, through the ledger framework of tuopin.ledgers.framework: rectification items (sheet
整改台账), the listed-supervision per-person ledger (挂牌督战台账), inspection findings (检查发现) and questions with
their answers (问答).

An import only adds: a row already recorded is skipped when it says exactly what is recorded (so an exported file
can be imported again) and refused otherwise, since state changes are steps done on the pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.models import User
from tuopin.accounts.scope import code_in, in_scope, scope_q
from tuopin.areas.models import Area
from tuopin.ledgers.framework import Ledger, LedgerColumn, LedgerRow, SheetProblems
from tuopin.supervision.models import (
    Answer,
    Category,
    ChecklistItem,
    EntryKind,
    Finding,
    Item,
    ListedEntry,
    ListedPerson,
    Question,
    Result,
    Round,
    Source,
    Status,
)
from tuopin.supervision.selectors import findings_for, items_for, questions_for, rounds_for
from tuopin.supervision.services import (
    ItemData,
    Rectify,
    answer_publish,
    finding_record,
    item_create,
    listed_entry_add,
    may_answer,
    question_ask,
    verifying_office,
)

SHEET = "整改台账"


COLUMNS = (
    LedgerColumn("编号", "number", required=True, aliases=("number", "no")),
    LedgerColumn("问题来源", "source", "choice", required=True, aliases=("source",), vocabulary=Source),
    LedgerColumn("问题类别", "category", "choice", required=True, aliases=("category",), vocabulary=Category),
    LedgerColumn("区域代码", "area", "area", required=True, aliases=("area", "area_code", "区划代码")),
    LedgerColumn("问题描述", "description", required=True, aliases=("description",)),
    LedgerColumn("责任单位", "unit", required=True, aliases=("unit", "responsible_unit")),
    LedgerColumn("责任人", "person", required=True, aliases=("person", "responsible_person")),
    LedgerColumn("发现日期", "found_on", "date", required=True, aliases=("found_on", "found")),
    LedgerColumn("整改时限", "deadline", "date", required=True, aliases=("deadline",)),
    LedgerColumn("状态", "status", "choice", aliases=("status",), vocabulary=Status),
    LedgerColumn("整改措施", "measures", aliases=("measures",)),
)
FIELDS = ("source", "category", "description", "unit", "person", "found_on", "deadline", "measures", "status")


def _data(values: dict[str, Any]) -> ItemData:
    return ItemData(
        number=values["number"],
        source=values["source"],
        category=values["category"],
        area_code=values["area"],
        description=values["description"],
        unit=values["unit"],
        person=values["person"],
        found_on=values["found_on"],
        deadline=values["deadline"],
        measures=values.get("measures", ""),
    )


def _same(item: Item, values: dict[str, Any]) -> bool:
    wanted = {**values, "status": values.get("status", Status.OPEN), "measures": values.get("measures", "")}
    return item.area_id == values["area"] and all(getattr(item, name) == wanted[name] for name in FIELDS)


def apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    problems = SheetProblems(SHEET, COLUMNS)
    problem = problems.add
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
        for name, header in (("number", "编号"), ("unit", "责任单位"), ("person", "责任人")):
            limit = getattr(Item._meta.get_field(name), "max_length", None) or 0
            if len(values[name]) > limit:
                problem(row, header, values[name][:50], _("不能超过%(n)s个字。") % {"n": limit})
        if values["deadline"] < values["found_on"]:
            problem(row, "整改时限", values["deadline"], _("整改时限不能早于发现日期。"))
        if (
            status in (Status.VERIFIED, Status.CLOSED)
            and actor is not None
            and (actor.role != verifying_office(values["area"]))
        ):
            problem(row, "状态", Status(status).label, _("已验收或已销号的事项须由上一级部门导入。"))
        fresh.append(row)
    problems.raise_found()
    for row in fresh:
        item_create(
            actor=actor,
            data=_data(row.values),
            status=row.values.get("status", Status.OPEN),
            note=_("台账导入"),
        )
    return len(fresh)


def export(user: User) -> Iterator[dict[str, Any]]:
    for item in items_for(user).order_by("number").iterator(chunk_size=2000):
        yield {
            "number": item.number,
            "source": item.source,
            "category": item.category,
            "area": item.area_id,
            "description": item.description,
            "unit": item.unit,
            "person": item.person,
            "found_on": item.found_on,
            "deadline": item.deadline,
            "status": item.status,
            "measures": item.measures,
        }


RECTIFICATION = Ledger(
    name="rectification",
    sheet=SHEET,
    label=gettext_lazy("整改台账"),
    columns=COLUMNS,
    apply=apply,
    export=export,
    page="supervision:items",
)


# --- listed supervision: the per-person ledger ----------------------------------------------------------------

LISTED_SHEET = "挂牌督战台账"
LISTED_COLUMNS = (
    LedgerColumn("名单编号", "listing", "integer", required=True, aliases=("listing",)),
    LedgerColumn("村代码", "village", "area", required=True, aliases=("village", "区划代码")),
    LedgerColumn("户编号", "household", required=True, aliases=("household", "household_number")),
    LedgerColumn("姓名", "name", required=True, aliases=("name",)),
    LedgerColumn("类型", "kind", "choice", required=True, aliases=("kind",), vocabulary=EntryKind),
    LedgerColumn("内容", "text", required=True, aliases=("text", "帮扶措施")),
    LedgerColumn("日期", "on", "date", required=True, aliases=("on", "date")),
)


def _entry_key(person_id: int, values: dict[str, Any]) -> tuple[Any, ...]:
    return (person_id, values["kind"], values["text"][:300], values["on"])


def listed_apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    """Measures and clearances for listed persons, found by list, village, household number and name. An entry
    already recorded (same person, type, text and date) is skipped, so the exported ledger imports again."""
    problems = SheetProblems(LISTED_SHEET, LISTED_COLUMNS)
    keys = {(r.values["listing"], r.values["village"], r.values["household"], r.values["name"]) for r in rows}
    persons = {
        (p.listed.listing_id, p.village_id, p.member.household.number, p.member.name): p
        for p in ListedPerson.objects.filter(
            listed__listing_id__in={k[0] for k in keys}, village_id__in={k[1] for k in keys}
        ).select_related("listed", "member__household")
    }
    recorded = set(
        ListedEntry.objects.filter(person__in=persons.values()).values_list("person_id", "kind", "text", "on")
    )
    created = 0
    for row in rows:
        values = row.values
        person = persons.get((values["listing"], values["village"], values["household"], values["name"]))
        if person is None:
            problems.add(row, "name", values["name"], _("该名单的这个村没有这个户编号和姓名的挂牌督战对象。"))
            continue
        if _entry_key(person.pk, values) in recorded:
            continue
        try:
            listed_entry_add(
                actor=actor, person=person, kind=values["kind"], text=values["text"], on=values["on"]
            )
        except ValidationError as error:
            fields = getattr(error, "error_dict", {})
            column = "on" if "on" in fields else "kind"
            problems.add(row, column, values[column], "；".join(error.messages))
            continue
        recorded.add(_entry_key(person.pk, values))
        created += 1
    problems.raise_found()
    return created


def listed_export(user: User) -> Iterator[dict[str, Any]]:
    entries = (
        ListedEntry.objects.filter(scope_q(user, "person__village_id"))
        .select_related("person__listed", "person__member__household")
        .order_by("person__listed__listing_id", "person__village_id", "person_id", "id")
    )
    for entry in entries.iterator(chunk_size=2000):
        person = entry.person
        yield {
            "listing": person.listed.listing_id,
            "village": person.village_id,
            "household": person.member.household.number,
            "name": person.member.name,
            "kind": entry.kind,
            "text": entry.text,
            "on": entry.on,
        }


LISTED = Ledger(
    name="listed",
    sheet=LISTED_SHEET,
    label=gettext_lazy("挂牌督战台账"),
    columns=LISTED_COLUMNS,
    apply=listed_apply,
    export=listed_export,
    page="supervision:listings",
)


# --- shared by the inspection and Q&A ledgers -------------------------------------------------------------------

CHANGED = gettext_lazy("与已记录的内容不同：台账只追加，不能修改已记录的内容。")


# --- inspections: one row per finding of a round ----------------------------------------------------------------

FINDINGS_SHEET = "检查发现"
FINDINGS_COLUMNS = (
    LedgerColumn("轮次编号", "round", "integer", aliases=("round", "round_id")),
    LedgerColumn("检查轮次", "round_name", aliases=("round_name", "轮次名称")),
    LedgerColumn("检查组", "team", aliases=("team", "督查组")),
    LedgerColumn("清单", "checklist", aliases=("checklist", "清单代码")),
    LedgerColumn("条目序号", "position", "integer", required=True, aliases=("position", "序号")),
    LedgerColumn("区域代码", "area", "area", required=True, aliases=("area", "area_code", "区划代码")),
    LedgerColumn("结果", "result", "choice", required=True, aliases=("result",), vocabulary=Result),
    LedgerColumn("情况说明", "note", aliases=("note",)),
    LedgerColumn("检查日期", "on", "date", aliases=("on", "date")),
    LedgerColumn("问题类别", "category", "choice", aliases=("category",), vocabulary=Category),
    LedgerColumn("责任单位", "unit", aliases=("unit", "responsible_unit")),
    LedgerColumn("责任人", "person", aliases=("person", "responsible_person")),
    LedgerColumn("整改时限", "deadline", "date", aliases=("deadline",)),
)
RECTIFY_FIELDS = ("category", "unit", "person", "deadline")
COMPARED = ("result", "note", "on", *RECTIFY_FIELDS)


def _recorded(finding: Finding) -> dict[str, Any]:
    """What a recorded finding says, in the ledger's fields (a problem's date and rectification are its item's)."""
    recorded: dict[str, Any] = {"result": finding.result, "note": finding.note}
    item = getattr(finding, "item", None)  # a missing reverse one-to-one raises an AttributeError
    if item is not None:
        recorded |= {
            "on": item.found_on,
            "category": item.category,
            "unit": item.unit,
            "person": item.person,
            "deadline": item.deadline,
        }
    return recorded


def _changed_field(recorded: dict[str, Any], values: dict[str, Any]) -> str | None:
    """The first field in which a row differs from a recorded finding. A blank cell says nothing; the date of a
    finding without a problem is not kept (it is the day it was recorded), so it is not compared."""
    for name in COMPARED:
        if (
            name in values
            and not (name == "on" and "on" not in recorded)
            and recorded.get(name) != values[name]
        ):
            return name
    return None


def _rounds_named(rows: list[LedgerRow], actor: User | None) -> list[Round]:
    ids = {row.values["round"] for row in rows if "round" in row.values}
    names = {row.values["round_name"] for row in rows if "round_name" in row.values}
    visible = rounds_for(actor) if actor is not None else Round.objects.select_related("area", "checklist")
    return list(visible.filter(Q(pk__in=ids) | Q(name__in=names)))


def _round(row: LedgerRow, rounds: list[Round], problems: SheetProblems) -> Round | None:
    """The round a row names by number or by name (one the importing user sees), agreeing with its team and
    checklist when those are given."""
    values = row.values
    before = len(problems.found)
    if "round" in values:
        found = next((r for r in rounds if r.pk == values["round"]), None)
        if found is None:
            problems.add(row, "round", values["round"], _("没有这个督查轮次。"))
            return None
        if values.get("round_name", found.name) != found.name:
            problems.add(row, "round_name", values["round_name"], _("与轮次编号所指轮次的名称不符。"))
    elif "round_name" in values:
        named = [r for r in rounds if r.name == values["round_name"]]
        if len(named) != 1:
            message = _("有多个同名轮次，请填写轮次编号。") if named else _("没有这个督查轮次。")
            problems.add(row, "round_name", values["round_name"], message)
            return None
        found = named[0]
    else:
        problems.add(row, "round", "", _("请填写轮次编号或检查轮次。"))
        return None
    if values.get("team", found.team) != found.team:
        problems.add(row, "team", values["team"], _("不是该轮次的督查组。"))
    if values.get("checklist", found.checklist.code) not in (found.checklist.code, found.checklist.name):
        problems.add(row, "checklist", values["checklist"], _("不是该轮次使用的清单。"))
    return found if len(problems.found) == before else None


def _check_finding(row: LedgerRow, found: Round, problems: SheetProblems) -> None:
    """What `finding_record` would refuse, and a problem without what its rectification item needs, as problems on
    the row's columns."""
    values = row.values
    today = timezone.localdate()
    if not code_in(values["area"], [found.area_id]):
        problems.add(row, "area", values["area"], _("不在该轮次的督查范围内。"))
    on = values.get("on") or min(today, found.ends_on)
    if on > today:
        problems.add(row, "on", on, _("日期不能晚于今天。"))
    if values["result"] != Result.PROBLEM:
        if any(name in values for name in RECTIFY_FIELDS):
            problems.add(
                row,
                "result",
                Result(values["result"]).label,
                _("结果为无问题时不填问题类别、责任单位、责任人和整改时限。"),
            )
        return
    for name in ("note", *RECTIFY_FIELDS):
        if name not in values:
            problems.add(row, name, "", _("发现问题时必填（将生成整改事项）。"))
    for name in ("unit", "person"):
        limit = getattr(Item._meta.get_field(name), "max_length", None) or 0
        if len(values.get(name, "")) > limit:
            problems.add(row, name, values[name][:50], _("不能超过%(n)s个字。") % {"n": limit})
    if "deadline" in values and values["deadline"] < on:
        problems.add(row, "deadline", values["deadline"], _("整改时限不能早于发现日期。"))


def findings_apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    """Record each row's finding through `finding_record` (scope, audit, and a problem's rectification item stay
    there). A row saying what is recorded for its round, checklist item and area is skipped, so the exported
    ledger imports again; a row saying anything else about a recorded finding is refused (append-only)."""
    problems = SheetProblems(FINDINGS_SHEET, FINDINGS_COLUMNS)
    rounds = _rounds_named(rows, actor)
    items = {
        (i.checklist_id, i.position): i
        for i in ChecklistItem.objects.filter(checklist__in={r.checklist_id for r in rounds})
    }
    recorded = {
        (f.round_id, f.checklist_item_id, f.area_id): _recorded(f)
        for f in Finding.objects.filter(round__in=rounds).select_related("item")
    }
    created = 0
    for row in rows:
        values = row.values
        found = _round(row, rounds, problems)
        if found is None:
            continue
        item = items.get((found.checklist_id, values["position"]))
        if item is None:
            problems.add(row, "position", values["position"], _("该轮次的清单没有这个序号。"))
            continue
        key = (found.pk, item.pk, values["area"])
        if key in recorded:
            changed = _changed_field(recorded[key], values)
            if changed:
                problems.add(row, changed, values.get(changed, ""), CHANGED)
            continue
        before = len(problems.found)
        _check_finding(row, found, problems)
        if len(problems.found) > before:
            continue
        rectify = None
        if values["result"] == Result.PROBLEM:
            rectify = Rectify(values["category"], values["unit"], values["person"], values["deadline"])
        try:
            finding = finding_record(
                actor=actor,
                round=found,
                checklist_item=item,
                area_code=values["area"],
                result=values["result"],
                note=values.get("note", ""),
                rectify=rectify,
                on=values.get("on"),
            )
        except PermissionDenied as error:
            problems.add(row, "area", values["area"], error)
            continue
        except ValidationError as error:
            problems.add(row, "position", values["position"], "；".join(error.messages))
            continue
        recorded[key] = _recorded(finding)
        created += 1
    problems.raise_found()
    return created


def findings_export(user: User) -> Iterator[dict[str, Any]]:
    """The findings in the user's scope, round by round; a problem's date and rectification are its item's."""
    for finding in findings_for(user).select_related("round__checklist").iterator(chunk_size=2000):
        found = finding.round
        row = {
            "round": found.pk,
            "round_name": found.name,
            "team": found.team,
            "checklist": found.checklist.code,
            "position": finding.checklist_item.position,
            "area": finding.area_id,
            "result": finding.result,
            "note": finding.note,
            "on": timezone.localtime(finding.at).date(),
        }
        yield row | _recorded(finding)


INSPECTIONS = Ledger(
    name="inspections",
    sheet=FINDINGS_SHEET,
    label=gettext_lazy("督查发现台账"),
    columns=FINDINGS_COLUMNS,
    apply=findings_apply,
    export=findings_export,
    page="supervision:rounds",
)


# --- questions and answers ---------------------------------------------------------------------------------------

QA_SHEET = "问答"
QA_COLUMNS = (
    LedgerColumn("编号", "question", "integer", aliases=("id", "number")),
    # A text column checked here, not an `area` one: a question seen through an answer published to the user's
    # area lies outside their scope, and the exported ledger must import again. A new question is checked.
    LedgerColumn("区域代码", "area", required=True, aliases=("area", "area_code", "区划代码")),
    LedgerColumn("问题", "text", required=True, aliases=("text", "question_text")),
    LedgerColumn("提问日期", "asked_on", "date", aliases=("asked_on", "date")),
    LedgerColumn("答复", "answer", aliases=("answer",)),
    LedgerColumn("答复单位", "office", aliases=("office",)),
    LedgerColumn("发布范围", "published", aliases=("published", "areas")),
)
CODES_SEPARATOR = re.compile(r"[、,，;；\s]+")
AnswerKey = tuple[str, str, frozenset[str]]


def _codes(text: str) -> list[str]:
    return [code for code in CODES_SEPARATOR.split(text) if code]


def _answer_key(question: Question, text: str, office: str, codes: list[str]) -> AnswerKey:
    """An answer as `answer_publish` keeps it: published at least to the question's area."""
    return text, office, frozenset(codes) | {question.area_id}


@dataclass
class _QuestionBook:
    """What the Q&A import compares rows with: the questions named, their answers, the areas that exist."""

    actor: User | None
    problems: SheetProblems
    known: dict[int, Question]
    asked: dict[tuple[str, str], Question]
    answers: dict[int, list[AnswerKey]]
    areas: set[str]

    @classmethod
    def load(cls, rows: list[LedgerRow], actor: User | None) -> _QuestionBook:
        ids = {row.values["question"] for row in rows if "question" in row.values}
        visible = questions_for(actor) if actor is not None else Question.objects.all()
        known = {question.pk: question for question in visible.filter(pk__in=ids)}
        new = [row.values for row in rows if "question" not in row.values]
        asked: dict[tuple[str, str], Question] = {}
        same = Question.objects.filter(
            area_id__in={v["area"] for v in new}, text__in={v["text"] for v in new}
        )
        for question in same.order_by("-pk"):
            asked[(question.area_id, question.text)] = question  # the first asked wins
        questions = [*known.values(), *asked.values()]
        answers: dict[int, list[AnswerKey]] = {question.pk: [] for question in questions}
        by_pk = {question.pk: question for question in questions}
        for answer in Answer.objects.filter(question__in=questions).prefetch_related("published"):
            published = [area.area_id for area in answer.published.all()]
            answers[answer.question_id].append(
                _answer_key(by_pk[answer.question_id], answer.text, answer.office, published)
            )
        named = {row.values["area"] for row in rows}
        named |= {code for row in rows for code in _codes(row.values.get("published", ""))}
        areas = set(Area.objects.filter(code__in=named).values_list("code", flat=True))
        return cls(actor, SheetProblems(QA_SHEET, QA_COLUMNS), known, asked, answers, areas)

    def question(self, row: LedgerRow) -> tuple[Question | None, int]:
        """The row's question: the one numbered (it must say what is recorded), the one already asked with the same
        area and text, or a new one asked now; and how many were created (0 or 1)."""
        values = row.values
        area, text = values["area"], values["text"]
        if "question" in values:
            question = self.known.get(values["question"])
            if question is None:
                self.problems.add(row, "question", values["question"], _("没有这个编号的问题。"))
                return None, 0
            asked_on = timezone.localtime(question.asked_at).date()
            for name, recorded, wanted in (
                ("area", question.area_id, area),
                ("text", question.text, text),
                ("asked_on", asked_on, values.get("asked_on", asked_on)),
            ):
                if recorded != wanted:
                    self.problems.add(row, name, values[name], CHANGED)
                    return None, 0
            return question, 0
        if area not in self.areas:
            self.problems.add(row, "area", area, _("没有这个区划代码。"))
            return None, 0
        if self.actor is not None and not in_scope(self.actor, area):
            self.problems.add(row, "area", area, _("不在您的管辖范围内。"))
            return None, 0
        if (area, text) in self.asked:
            return self.asked[(area, text)], 0
        try:
            question = question_ask(actor=self.actor, area_code=area, text=text)
        except (PermissionDenied, ValidationError) as error:
            message = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.problems.add(row, "area", area, message)
            return None, 0
        self.asked[(area, text)] = question
        self.answers[question.pk] = []
        return question, 1

    def answer(self, row: LedgerRow, question: Question) -> int:
        """Publish the row's answer to an unanswered question; an answer recorded already is skipped, any other
        answer to an answered question refused. Returns how many answers were created (0 or 1)."""
        values = row.values
        if "answer" not in values:
            if "office" in values or "published" in values:
                self.problems.add(row, "answer", "", _("请填写答复。"))
            return 0
        text, office, codes = (
            values["answer"],
            values.get("office", ""),
            _codes(values.get("published", "")),
        )
        key = _answer_key(question, text, office, codes)
        if key in self.answers[question.pk]:
            return 0
        if self.answers[question.pk]:
            self.problems.add(
                row,
                "answer",
                text[:50],
                _("该问题已有答复且内容不同：台账只追加，补充答复请在问答页面发布。"),
            )
            return 0
        if not self._may_publish(row, question, office, codes):
            return 0
        try:
            answer_publish(actor=self.actor, question=question, text=text, office=office, area_codes=codes)
        except (PermissionDenied, ValidationError) as error:
            message = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.problems.add(row, "answer", text[:50], message)
            return 0
        self.answers[question.pk].append(key)
        return 1

    def _may_publish(self, row: LedgerRow, question: Question, office: str, codes: list[str]) -> bool:
        """What `answer_publish` would refuse, as problems on the row's columns."""
        before = len(self.problems.found)
        limit = getattr(Answer._meta.get_field("office"), "max_length", None) or 0
        if not office:
            self.problems.add(row, "office", "", _("必填。"))
        elif len(office) > limit:
            self.problems.add(row, "office", office[:50], _("不能超过%(n)s个字。") % {"n": limit})
        for code in codes:
            if code not in self.areas:
                self.problems.add(row, "published", code, _("没有这个区划代码。"))
            elif self.actor is not None and not in_scope(self.actor, code):
                self.problems.add(row, "published", code, _("不在您的管辖范围内。"))
        if not may_answer(
            self.actor, question, []
        ):  # the published areas are reported above, each on its own
            self.problems.add(
                row,
                "answer",
                row.values.get("answer", "")[:50],
                _("只有管辖该区划的乡镇及以上部门可以答复，并只能发布到其管辖区划。"),
            )
        return len(self.problems.found) == before


def questions_apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    """A row without a number asks its question (one already asked in that area with that text is taken instead);
    a row with an answer for an unanswered question publishes it (an office of the question's area, to areas of
    its scope). A row saying what is recorded is skipped, so the exported ledger imports again; anything else
    about a recorded question or answer is refused (append-only). The date asked of a new question is the day of
    the import."""
    book = _QuestionBook.load(rows, actor)
    created = 0
    for row in rows:
        question, asked = book.question(row)
        if question is not None:
            created += asked + book.answer(row, question)
    book.problems.raise_found()
    return created


def questions_export(user: User) -> Iterator[dict[str, Any]]:
    """The questions the user sees, one row per answer published to them (a question without one: one row)."""
    # "visible" is the selector's Prefetch of the answers published to the user (to_attr), unknown to the stubs
    questions = questions_for(user).prefetch_related("visible__published")  # type: ignore[misc]
    for question in questions.order_by("pk"):
        row = {
            "question": question.pk,
            "area": question.area_id,
            "text": question.text,
            "asked_on": timezone.localtime(question.asked_at).date(),
        }
        visible = question.visible  # type: ignore[attr-defined]
        if not visible:
            yield row
        for answer in visible:
            codes = sorted(published.area_id for published in answer.published.all())
            yield row | {"answer": answer.text, "office": answer.office, "published": "、".join(codes)}


QUESTIONS = Ledger(
    name="questions",
    sheet=QA_SHEET,
    label=gettext_lazy("问答台账"),
    columns=QA_COLUMNS,
    apply=questions_apply,
    export=questions_export,
    page="supervision:questions",
)
