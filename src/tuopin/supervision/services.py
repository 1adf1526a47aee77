"""Writes on the supervision ledgers. Each creates rows and never updates or deletes them (the cached state of an
item or a listed person is set only here, by the service that writes the step), checks the actor's office and area
scope, and writes its audit row in the same transaction; a refusal is audited on its own.

Who does what with a rectification item (the levels follow the item's area):
- the responsible office works it (open → rectifying → submitted): the township office for an item of a township
  or village, the county office for a county's item, the city office for a city's, the province for its own;
- the office one level up verifies and closes it (submitted → verified → closed), or sends a submission back
  (submitted → rectifying, with a note) or reopens a verified item (verified → rectifying: the correction is a new
  step that supersedes, never an edit): the county for township and village items, the city for county items, the
  province for city and province items. An overdue item shows to that office as escalated;
- inspectors read everything in their scope and change nothing; the command line (actor None) may do anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.models import User
from tuopin.accounts.permissions import can_write, write_required
from tuopin.accounts.roles import Role
from tuopin.accounts.scope import code_in
from tuopin.areas.codes import LEVEL_OF_LENGTH, level_of
from tuopin.areas.models import Area
from tuopin.audit.services import audit_record
from tuopin.core.errors import StaleEdit
from tuopin.supervision.models import (
    Answer,
    AnswerArea,
    ChecklistItem,
    EntryKind,
    Evidence,
    Finding,
    Item,
    ItemStep,
    ListedArea,
    ListedEntry,
    ListedList,
    ListedPerson,
    Question,
    Result,
    Round,
    RoundKind,
    Source,
    Status,
)

OFFICES = (Role.PROVINCE, Role.CITY, Role.COUNTY, Role.TOWNSHIP)
# The office responsible for an item, by the level of its area, and the office one level up that verifies.
RESPONSIBLE = {
    "province": Role.PROVINCE,
    "city": Role.CITY,
    "county": Role.COUNTY,
    "township": Role.TOWNSHIP,
    "village": Role.TOWNSHIP,
}
VERIFIER = {
    Role.PROVINCE: Role.PROVINCE,
    Role.CITY: Role.PROVINCE,
    Role.COUNTY: Role.CITY,
    Role.TOWNSHIP: Role.COUNTY,
}


@dataclass(frozen=True)
class Action:
    code: str
    label: Any
    before: tuple[str, ...]
    after: str
    by: str  # "work" (the responsible office) or "verify" (the office one level up)
    note_required: bool = False


ACTIONS = {
    action.code: action
    for action in (
        Action("start", gettext_lazy("开始整改"), (Status.OPEN,), Status.RECTIFYING, "work"),
        Action("submit", gettext_lazy("提交验收"), (Status.RECTIFYING,), Status.SUBMITTED, "work"),
        Action(
            "reject",
            gettext_lazy("退回整改"),
            (Status.SUBMITTED,),
            Status.RECTIFYING,
            "verify",
            note_required=True,
        ),
        Action("verify", gettext_lazy("通过验收"), (Status.SUBMITTED,), Status.VERIFIED, "verify"),
        Action("close", gettext_lazy("销号"), (Status.VERIFIED,), Status.CLOSED, "verify"),
        Action(
            "reopen",
            gettext_lazy("撤销验收"),
            (Status.VERIFIED,),
            Status.RECTIFYING,
            "verify",
            note_required=True,
        ),
    )
}


def _name(actor: User | None) -> str:
    return actor.get_username() if actor else "system"


def _writes(actor: User | None, code: str) -> bool:
    return can_write(actor, code)


def _organises(actor: User | None, code: str) -> bool:
    """An office or the admin writing inside its scope: who organises inspections and listed supervision."""
    return _writes(actor, code) and (actor is None or actor.role in (*OFFICES, Role.ADMIN))


def responsible_office(code: str) -> str:
    return RESPONSIBLE[level_of(code)]


def verifying_office(code: str) -> str:
    return VERIFIER[Role(RESPONSIBLE[level_of(code)])]


def may_act(actor: User | None, item: Item, by: str) -> bool:
    """Whether the actor is the office that works ("work") or verifies ("verify") the item."""
    if actor is None:
        return True
    office = responsible_office(item.area_id) if by == "work" else verifying_office(item.area_id)
    return actor.role == office and _writes(actor, item.area_id)


def actions_for(actor: User | None, item: Item) -> list[Action]:
    return [a for a in ACTIONS.values() if item.status in a.before and may_act(actor, item, a.by)]


# --- rectification items ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemData:
    number: str
    source: str
    category: str
    area_code: str
    description: str
    unit: str
    person: str
    found_on: date
    deadline: date
    measures: str = ""


def _item_checks(data: ItemData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.deadline < data.found_on:
        errors["deadline"] = [_("整改时限不能早于发现日期。")]
    if Item.objects.filter(number=data.number).exists():
        errors["number"] = [_("编号已存在。")]
    if not Area.objects.filter(code=data.area_code).exists():
        errors["area_code"] = [_("没有这个区划代码。")]
    return errors


def item_create(
    *,
    actor: User | None,
    data: ItemData,
    finding: Finding | None = None,
    status: str = Status.OPEN,
    on: date | None = None,
    note: str = "",
) -> Item:
    """Record a rectification item (open). `status` past open is for a ledger imported from Excel: one step takes
    it there, with the import as its note; setting it verified or closed needs the verifying office."""
    write_required(
        actor,
        allowed=_writes(actor, data.area_code)
        and not (
            status in (Status.VERIFIED, Status.CLOSED)
            and actor is not None
            and actor.role != verifying_office(data.area_code)
        ),
        action="rectify.create",
        object_type="item",
        object_id=data.number,
        message=_("只能在您的管辖区划内登记整改事项；已验收或已销号的事项须由上一级办理。"),
    )
    errors = _item_checks(data)
    if errors:
        raise ValidationError(errors)
    on = on or timezone.localdate()
    with transaction.atomic():
        item = Item.objects.create(
            number=data.number,
            source=data.source,
            category=data.category,
            area_id=data.area_code,
            description=data.description,
            unit=data.unit,
            person=data.person,
            found_on=data.found_on,
            deadline=data.deadline,
            measures=data.measures,
            status=status,
            finding=finding,
            created_by=_name(actor),
        )
        ItemStep.objects.create(
            item=item,
            before="",
            after=Status.OPEN,
            action="create",
            on=data.found_on,
            actor=_name(actor),
            note=note,
        )
        if status != Status.OPEN:
            ItemStep.objects.create(
                item=item,
                before=Status.OPEN,
                after=status,
                action="import",
                on=on,
                actor=_name(actor),
                note=note,
            )
        audit_record(
            action="rectify.create",
            actor=actor,
            object_type="item",
            object_id=item.number,
            area=data.area_code,
            details={"source": data.source, "category": data.category, "status": status},
        )
    return item


def item_act(
    *, actor: User | None, item: Item, action: str, note: str = "", on: date | None = None
) -> ItemStep:
    """Move an item one step (see the module's docstring for who may); refused when someone moved it meanwhile."""
    step = ACTIONS.get(action)
    if step is None:
        raise ValidationError(_("未知的办理操作。"))
    office = responsible_office(item.area_id) if step.by == "work" else verifying_office(item.area_id)
    write_required(
        actor,
        allowed=may_act(actor, item, step.by),
        action=f"rectify.{action}",
        object_type="item",
        object_id=item.number,
        message=_("此操作由%(office)s办理，且须在您的管辖区划内。") % {"office": Role(office).label},
    )
    if item.status not in step.before:
        raise ValidationError(
            _("当前状态“%(status)s”不能办理“%(action)s”。")
            % {"status": Status(item.status).label, "action": step.label}
        )
    note = note.strip()
    if step.note_required and not note:
        raise ValidationError({"note": [_("请填写说明。")]})
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": [_("日期不能晚于今天。")]})
    with transaction.atomic():
        if not Item.objects.filter(pk=item.pk, status=item.status).update(status=step.after):
            raise StaleEdit(_("该记录已被他人修改，请刷新后重试。"))
        written = ItemStep.objects.create(
            item=item,
            before=item.status,
            after=step.after,
            action=action,
            note=note[:500],
            on=on,
            actor=_name(actor),
        )
        audit_record(
            action=f"rectify.{action}",
            actor=actor,
            object_type="item",
            object_id=item.number,
            area=item.area_id,
            details={"before": item.status, "after": step.after},
        )
    item.status = step.after
    return written


EVIDENCE_KINDS = (".pdf", ".jpg", ".jpeg", ".png", ".xlsx", ".docx")
EVIDENCE_FOLDER = "evidence"


def evidence_add(*, actor: User | None, item: Item, name: str, data: bytes) -> Evidence:
    """Keep a file of evidence for an item under the data directory (the responsible or the verifying office)."""
    from tuopin.core.uploads import file_store

    write_required(
        actor,
        allowed=may_act(actor, item, "work") or may_act(actor, item, "verify"),
        action="rectify.evidence",
        object_type="item",
        object_id=item.number,
        message=_("只有责任单位和验收单位可以上传佐证材料。"),
    )
    stored = file_store(
        EVIDENCE_FOLDER,
        name,
        data,
        kinds=EVIDENCE_KINDS,
        refused=_("只接受 PDF、JPG、PNG、XLSX、DOCX 文件：%(name)s") % {"name": name},
    )
    with transaction.atomic():
        evidence = Evidence.objects.create(
            item=item,
            name=Path(name).name[:150],
            stored=stored,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=_name(actor),
        )
        audit_record(
            action="rectify.evidence",
            actor=actor,
            object_type="item",
            object_id=item.number,
            area=item.area_id,
            details={"file": evidence.name, "sha256": evidence.sha256},
        )
    return evidence


def days_overdue(item: Item, as_of: date) -> int:
    """Days past the deadline at `as_of`; 0 when not overdue (a deadline of today is not overdue; closed never is)."""
    if item.status == Status.CLOSED or item.deadline >= as_of:
        return 0
    return (as_of - item.deadline).days


# --- inspections -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundData:
    name: str
    kind: str
    team: str
    members: str
    area_code: str
    checklist_id: int
    starts_on: date
    ends_on: date


def round_create(*, actor: User | None, data: RoundData) -> Round:
    write_required(
        actor,
        allowed=_organises(actor, data.area_code),
        action="inspection.create",
        object_type="round",
        object_id=data.name,
        message=_("只能在您的管辖区划内组织督查。"),
    )
    if data.ends_on < data.starts_on:
        raise ValidationError({"ends_on": [_("结束日期不能早于开始日期。")]})
    with transaction.atomic():
        found = Round.objects.create(
            name=data.name,
            kind=data.kind,
            team=data.team,
            members=data.members,
            area_id=data.area_code,
            checklist_id=data.checklist_id,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            created_by=_name(actor),
        )
        audit_record(
            action="inspection.create",
            actor=actor,
            object_type="round",
            object_id=str(found.pk),
            area=data.area_code,
            details={"name": data.name, "kind": data.kind},
        )
    return found


@dataclass(frozen=True)
class Rectify:
    """What a problem finding needs to become a rectification item; the rest comes from the finding."""

    category: str
    unit: str
    person: str
    deadline: date


def finding_record(
    *,
    actor: User | None,
    round: Round,
    checklist_item: ChecklistItem,
    area_code: str,
    result: str,
    note: str,
    rectify: Rectify | None = None,
    on: date | None = None,
) -> Finding:
    """Record a round's finding for one checklist item in one area. A problem becomes a rectification item in the
    same transaction (source 督查 or 巡视 by the round's kind, the finding's area and note), linked back to it."""
    write_required(
        actor,
        allowed=_writes(actor, area_code) and code_in(area_code, [round.area_id]),
        action="inspection.finding",
        object_type="round",
        object_id=str(round.pk),
        message=_("只能在督查范围和您的管辖区划内记录发现。"),
    )
    if checklist_item.checklist_id != round.checklist_id:
        raise ValidationError(_("该条目不属于本轮督查的清单。"))
    if Finding.objects.filter(round=round, checklist_item=checklist_item, area_id=area_code).exists():
        raise ValidationError(_("本轮督查已记录该区划的这一条。"))
    if result == Result.PROBLEM and (rectify is None or not note.strip()):
        raise ValidationError({"note": [_("发现问题时须填写情况说明、责任单位、责任人和整改时限。")]})
    on = on or min(timezone.localdate(), round.ends_on)  # found during the round
    with transaction.atomic():
        finding = Finding.objects.create(
            round=round,
            checklist_item=checklist_item,
            area_id=area_code,
            result=result,
            note=note.strip(),
            recorded_by=_name(actor),
        )
        audit_record(
            action="inspection.finding",
            actor=actor,
            object_type="round",
            object_id=str(round.pk),
            area=area_code,
            details={"item": checklist_item.position, "result": result},
        )
        if result == Result.PROBLEM and rectify is not None:
            source = Source.PATROL if round.kind == RoundKind.PATROL else Source.INSPECTION
            prefix = "XS" if round.kind == RoundKind.PATROL else "DC"
            look = f"【{checklist_item.position}. {checklist_item.look}，{checklist_item.inquiry}】"
            data = ItemData(
                number=f"{prefix}{round.starts_on.year}-{round.pk:04d}-{finding.pk:05d}",
                source=source,
                category=rectify.category,
                area_code=area_code,
                description=f"{look}{finding.note}",
                unit=rectify.unit,
                person=rectify.person,
                found_on=on,
                deadline=rectify.deadline,
            )
            item_create(actor=actor, data=data, finding=finding)
    return finding


# --- listed supervision ----------------------------------------------------------------------------------------


def listing_create(*, actor: User | None, name: str, year: int, area_code: str) -> ListedList:
    write_required(
        actor,
        allowed=_organises(actor, area_code),
        action="listed.create",
        object_type="listing",
        object_id=name,
        message=_("只能在您的管辖区划内发布挂牌督战名单。"),
    )
    with transaction.atomic():
        listing = ListedList.objects.create(name=name, year=year, area_id=area_code, created_by=_name(actor))
        audit_record(
            action="listed.create",
            actor=actor,
            object_type="listing",
            object_id=str(listing.pk),
            area=area_code,
            details={"name": name, "year": year},
        )
    return listing


def listing_add_area(*, actor: User | None, listing: ListedList, area_code: str, leader: str) -> ListedArea:
    """List a county or a village. A village's poor persons remaining at the start of the listing's year
    (registered, not exited then: still poor or relapsed, or exited that year or later; still members) become its
    per-person ledger, taken from the registry now."""
    from tuopin.registry.models import Member
    from tuopin.registry.vocab import PopulationType
    from tuopin.registry.vocab import Status as PovertyStatus

    write_required(
        actor,
        allowed=_writes(actor, area_code) and code_in(area_code, [listing.area_id]),
        action="listed.add",
        object_type="listing",
        object_id=str(listing.pk),
        message=_("只能列入名单发布范围和您的管辖区划内的县村。"),
    )
    listable = LEVEL_OF_LENGTH.get(len(area_code)) in ("county", "village")
    if not listable or not Area.objects.filter(code=area_code).exists():
        raise ValidationError({"area_code": [_("挂牌督战的对象是县或村，请填写县或村的区划代码。")]})
    if ListedArea.objects.filter(listing=listing, area_id=area_code).exists():
        raise ValidationError({"area_code": [_("已在名单中。")]})
    with transaction.atomic():
        listed = ListedArea.objects.create(listing=listing, area_id=area_code, leader=leader)
        members = []
        if level_of(area_code) == "village":
            members = list(
                Member.objects.filter(
                    Q(household__status__in=(PovertyStatus.POOR, PovertyStatus.RELAPSED))
                    | Q(household__exit_year__gte=listing.year),
                    household__village_id=area_code,
                    left_on__isnull=True,
                    household__population_type=PopulationType.REGISTERED,
                    household__merged_into__isnull=True,
                ).values_list("pk", flat=True)
            )
            ListedPerson.objects.bulk_create(
                ListedPerson(listed=listed, member_id=member, village_id=area_code) for member in members
            )
        audit_record(
            action="listed.add",
            actor=actor,
            object_type="listing",
            object_id=str(listing.pk),
            area=area_code,
            details={"persons": len(members), "leader": leader},
        )
    return listed


def listed_entry_add(
    *, actor: User | None, person: ListedPerson, kind: str, text: str, on: date | None = None
) -> ListedEntry:
    """A measure for a listed person, their clearance, or the clearance withdrawn (a superseding entry)."""
    write_required(
        actor,
        area_codes=[person.village_id],
        action="listed.entry",
        object_type="listed_person",
        object_id=str(person.pk),
        message=_("只能办理您的管辖区划内的挂牌督战对象。"),
    )
    on = on or timezone.localdate()
    text = text.strip()
    if not text:
        raise ValidationError({"text": [_("请填写内容。")]})
    if on > timezone.localdate():
        raise ValidationError({"on": [_("日期不能晚于今天。")]})
    if kind == EntryKind.CLEARED and person.cleared_on is not None:
        raise ValidationError(_("该对象已销号。"))
    if kind == EntryKind.REOPENED and person.cleared_on is None:
        raise ValidationError(_("该对象尚未销号。"))
    cleared = {EntryKind.CLEARED: on, EntryKind.REOPENED: None}
    with transaction.atomic():
        if kind in cleared:
            changed = ListedPerson.objects.filter(pk=person.pk, cleared_on=person.cleared_on).update(
                cleared_on=cleared[EntryKind(kind)]
            )
            if not changed:
                raise StaleEdit(_("该记录已被他人修改，请刷新后重试。"))
            person.cleared_on = cleared[EntryKind(kind)]
        entry = ListedEntry.objects.create(
            person=person, kind=kind, text=text[:300], on=on, actor=_name(actor)
        )
        audit_record(
            action=f"listed.{kind}",
            actor=actor,
            object_type="listed_person",
            object_id=str(person.pk),
            area=person.village_id,
        )
    return entry


# --- questions and answers -------------------------------------------------------------------------------------


def question_ask(*, actor: User | None, area_code: str, text: str) -> Question:
    write_required(
        actor,
        area_codes=[area_code],
        action="qa.ask",
        object_type="question",
        message=_("只能就您的管辖区划提问。"),
    )
    if not text.strip():
        raise ValidationError({"text": [_("请填写问题。")]})
    with transaction.atomic():
        question = Question.objects.create(area_id=area_code, text=text.strip(), asker=_name(actor))
        audit_record(
            action="qa.ask", actor=actor, object_type="question", object_id=str(question.pk), area=area_code
        )
    return question


def may_answer(actor: User | None, question: Question, area_codes: list[str]) -> bool:
    """Whether the actor may answer the question and publish the answer to these areas (and the asker's): an office
    or the admin whose scope holds every one of them."""
    codes = set(area_codes) | {question.area_id}
    return actor is None or (
        actor.role in (*OFFICES, Role.ADMIN) and all(_writes(actor, code) for code in codes)
    )


def answer_publish(
    *, actor: User | None, question: Question, text: str, office: str, area_codes: list[str]
) -> Answer:
    """An office answers a question and publishes the answer to areas of its scope (at least the asker's)."""
    codes = sorted(set(area_codes) | {question.area_id})
    write_required(
        actor,
        allowed=may_answer(actor, question, codes),
        action="qa.answer",
        object_type="question",
        object_id=str(question.pk),
        message=_("只有管辖该区划的乡镇及以上部门可以答复，并只能发布到其管辖区划。"),
    )
    if not text.strip():
        raise ValidationError({"text": [_("请填写答复。")]})
    if Area.objects.filter(code__in=codes).count() != len(codes):
        raise ValidationError({"areas": [_("没有这个区划代码。")]})
    with transaction.atomic():
        answer = Answer.objects.create(
            question=question, text=text.strip(), office=office.strip()[:100], answered_by=_name(actor)
        )
        AnswerArea.objects.bulk_create(AnswerArea(answer=answer, area_id=code) for code in codes)
        audit_record(
            action="qa.answer",
            actor=actor,
            object_type="question",
            object_id=str(question.pk),
            area=",".join(codes),
            details={"answer": answer.pk},
        )
    return answer


def default_deadline(found_on: date, days: int = 30) -> date:
    return found_on + timedelta(days=days)
