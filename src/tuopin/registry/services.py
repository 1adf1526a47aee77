"""Writes on the registry. Each checks the actor's right (capability and area scope, source and target for a
move) before its transaction opens (a refusal leaves one denial row), keeps the history row (who, when, old → new,
why) and the audit row in the same transaction, and refuses a stale edit (optimistic locking on `version`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.accounts.permissions import write_required
from tuopin.accounts.scope import in_scope
from tuopin.areas.codes import code_at
from tuopin.areas.models import Area
from tuopin.audit.services import audit_record
from tuopin.core.crypto import blind_index, encrypt
from tuopin.core.errors import StaleEdit
from tuopin.registry.idnumbers import IdNumberError, mask_id, mask_phone, parse_id
from tuopin.registry.income import INCOME_FIELDS as INCOME_FIELDS
from tuopin.registry.models import Change, Household, Income, Member
from tuopin.registry.vocab import Relation

HOUSEHOLD_FIELDS = (
    "category",
    "standard",
    "main_cause",
    "other_cause_1",
    "other_cause_2",
    "population_type",
    "identification_year",
    "status",
    "exit_year",
    "housing_area",
    "housing_structure",
    "housing_safety",
    "relocated",
    "water_safe",
    "electricity",
    "road",
)
MEMBER_FIELDS = (
    "name",
    "relation",
    "ethnicity",
    "education",
    "school_status",
    "health",
    "health_2",
    "disability_grade",
    "labour",
    "work_status",
    "medical_insurance",
    "pension_insurance",
    "dibao",
)
# Who a household is in the programme: given on registration and import, changed afterwards only by the announcement
# of an identification or exit procedure (tuopin.procedures) through household_status_record.
STATUS_FIELDS = ("population_type", "identification_year", "status", "exit_year")
EDITABLE_FIELDS = tuple(name for name in HOUSEHOLD_FIELDS if name not in STATUS_FIELDS)


@dataclass
class MemberData:
    name: str
    id_number: str
    relation: str
    values: dict[str, Any] = field(default_factory=dict)  # any of MEMBER_FIELDS besides name and relation


@lru_cache(maxsize=8192)
def region_known(code6: str) -> bool:
    """An ID's region: a loaded county, or any county of a province whose divisions are not loaded here."""
    if Area.objects.filter(code=code6).exists():
        return True
    province = code_at(code6, "province")
    return not Area.objects.filter(code=province).exists() and province in GB2260_PROVINCES


GB2260_PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


def _check_write(actor: User | None, number: str, *codes: str) -> None:
    """The write capability and every code in scope (the command line, actor None, may). Call it before the write's
    transaction opens, so the denial row survives."""
    message = _("您无权修改该区划的数据。")
    write_required(
        actor,
        area_codes=codes,
        object_type="household",
        object_id=number,
        message=message,
        details={"reason": message},
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _record(
    household: Household, actor: User | None, action: str, obj: Model, fields: dict[str, Any], reason: str
) -> None:
    Change.objects.create(
        household=household,
        at=datetime.now(UTC),
        actor_id=actor.pk if actor else None,
        actor=actor.get_username() if actor else "system",
        action=action,
        object_type=obj._meta.model_name or "",
        object_id=obj.pk,
        object_label=str(obj)[:100],
        reason=reason[:200],
        fields={name: [_plain(old), _plain(new)] for name, (old, new) in fields.items()},
    )
    audit_record(
        action=f"registry.{action}",
        actor=actor,
        object_type=obj._meta.model_name or "",
        object_id=str(obj.pk),
        details={"household": household.number, "fields": sorted(fields)},
    )


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError(_("请填写变更原因。"))
    return reason.strip()


def household_number_problem(number: str, village_code: str) -> str:
    """THE rule of household numbers: a household's number is its village's code followed by the household's own
    part, so a village can only ever take numbers of its own (and a refused number says nothing of who else holds
    it). Returns the message of a refusal, "" for a good number. Every path that gives a number applies it."""
    if number.startswith(village_code) and len(number) > len(village_code):
        return ""
    return _("户编号须以本户所在村的村代码 %(code)s 开头，后接本户序号。") % {"code": village_code}


def household_number_check(*, actor: User | None, number: str, village_code: str) -> str:
    """The stripped number, or ValidationError when `household_number_problem` refuses it.

    The command line (actor None) is not held to the rule: it loads registries numbered before it, and the test
    fixtures still number households H001, H002 …"""
    number = number.strip()
    problem = household_number_problem(number, village_code) if actor is not None else ""
    if problem:
        raise ValidationError(problem)
    return number


class PersonRefused(ValidationError):
    """The person is a current member of a household outside the actor's scope. The caller is told only that the
    person cannot be added here (not that, nor where, they are registered); the refusal is audited."""

    def __init__(self, id_masked: str) -> None:
        super().__init__(_("此人不能加入本户。"), code="person_refused")
        self.id_masked = id_masked


@contextmanager
def _person_refusal_audited(actor: User | None, action: str, household_number: str) -> Iterator[None]:
    """Audit a PersonRefused raised inside (after its write transaction rolled back, so the row survives)."""
    try:
        yield
    except PersonRefused as refused:
        audit_record(
            action=f"registry.{action}",
            actor=actor,
            object_type="member",
            object_id=refused.id_masked,
            result="denied",
            details={"household": household_number, "reason": "person_outside_scope"},
        )
        raise


def _person(data: MemberData, actor: User | None) -> dict[str, Any]:
    try:
        parsed = parse_id(data.id_number, region_known=region_known)
    except IdNumberError as error:
        raise ValidationError(
            _("身份证号“%(id)s”：%(error)s") % {"id": mask_id(data.id_number), "error": error}
        ) from error
    index = blind_index(parsed.value)
    holder = Member.objects.filter(id_index=index, left_on__isnull=True).select_related("household").first()
    if holder is not None:
        if actor is not None and not in_scope(actor, holder.household.village_id):
            raise PersonRefused(mask_id(parsed.value))
        raise ValidationError(
            _("身份证号 %(id)s 已在户 %(number)s 中（一人只能属于一户）。")
            % {"id": mask_id(parsed.value), "number": holder.household.number}
        )
    unknown = set(data.values) - set(MEMBER_FIELDS)
    if unknown:
        raise ValidationError(f"unknown member fields: {sorted(unknown)}")
    return {
        "name": data.name,
        "relation": data.relation,
        **data.values,
        "id_encrypted": encrypt(parsed.value),
        "id_index": index,
        "id_masked": mask_id(parsed.value),
        "sex": parsed.sex,
        "birth_date": parsed.birth_date,
    }


def household_register(
    *,
    actor: User | None,
    number: str,
    village_code: str,
    values: dict[str, Any],
    members: list[MemberData],
    reason: str,
    phone: str = "",
) -> Household:
    """Register a household with its members; exactly one member is the head (户主)."""
    reason = _require_reason(reason)
    _check_write(actor, number.strip(), village_code)
    with _person_refusal_audited(actor, "register", number.strip()):
        return _household_register(
            actor=actor,
            number=number,
            village_code=village_code,
            values=values,
            members=members,
            reason=reason,
            phone=phone,
        )


@transaction.atomic
def _household_register(
    *,
    actor: User | None,
    number: str,
    village_code: str,
    values: dict[str, Any],
    members: list[MemberData],
    reason: str,
    phone: str,
) -> Household:
    village = Area.objects.filter(code=village_code, level="village").first()
    if village is None:
        raise ValidationError(_("村代码不存在：%(code)s") % {"code": village_code})
    number = household_number_check(actor=actor, number=number, village_code=village_code)
    if Household.objects.filter(number=number).exists():
        raise ValidationError(_("户编号已存在：%(number)s") % {"number": number})
    if [m.relation for m in members].count(Relation.HEAD) != 1:
        raise ValidationError(_("每户必须有且只有一名户主。"))
    household = Household(number=number, village=village, **_only(values, HOUSEHOLD_FIELDS))
    _set_phone(household, phone)
    household.full_clean(exclude=["head"])
    household.save()
    for data in members:
        member = Member.objects.create(household=household, **_person(data, actor))
        if member.relation == Relation.HEAD:
            household.head = member
    household.save(update_fields=["head"])
    _record(
        household,
        actor,
        "register",
        household,
        {name: (None, getattr(household, name)) for name in ("village_id", *HOUSEHOLD_FIELDS)},
        reason,
    )
    return household


def _only(values: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError(f"unknown fields: {sorted(unknown)}")
    return values


def _set_phone(household: Household, phone: str) -> None:
    phone = phone.strip()
    household.phone_encrypted = encrypt(phone) if phone else ""
    household.phone_masked = mask_phone(phone)


def _apply(
    obj: Household | Member | Income, version: int, changes: dict[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """Set the changed fields if nobody saved the record since `version`; return {field: (old, new)}."""
    diff = {
        name: (getattr(obj, name), value) for name, value in changes.items() if getattr(obj, name) != value
    }
    if not diff:
        if obj.version != version:
            raise StaleEdit(_("该记录已被他人修改，请刷新后重试。"))
        return diff
    for name, (_old, new) in diff.items():
        setattr(obj, name, new)
    obj.full_clean(exclude=["head", "household"])
    updated = type(obj).objects.filter(pk=obj.pk, version=version).update(version=F("version") + 1, **changes)
    if updated == 0:
        raise StaleEdit(_("该记录已被他人修改，请刷新后重试。"))
    obj.version = version + 1
    return diff


def household_update(
    *, actor: User | None, household: Household, version: int, values: dict[str, Any], reason: str
) -> Household:
    reason = _require_reason(reason)
    _check_write(actor, household.number, household.village_id)
    with transaction.atomic():
        if set(values) & set(STATUS_FIELDS):
            raise ValidationError(_("人口类型、识别年度、脱贫状态和脱贫年度只能通过识别和退出程序变更。"))
        diff = _apply(household, version, _only(values, EDITABLE_FIELDS))
        if diff:
            _record(household, actor, "update", household, diff, reason)
        return household


def household_status_record(
    *, actor: User | None, household: Household, values: dict[str, Any], reason: str
) -> Household:
    """Apply the effect of an announced procedure (its caller checked who may announce) with its history row."""
    _refuse_merged(household)
    diff = _apply(household, household.version, _only(values, STATUS_FIELDS))
    if diff:
        _record(household, actor, "status", household, diff, _require_reason(reason))
    return household


def household_move(*, actor: User | None, household: Household, village_code: str, reason: str) -> Household:
    """Move a household to another village: the actor needs both villages in scope (SECURITY.md A3)."""
    reason = _require_reason(reason)
    _check_write(actor, household.number, household.village_id, village_code)
    with transaction.atomic():
        if not Area.objects.filter(code=village_code, level="village").exists():
            raise ValidationError(_("村代码不存在：%(code)s") % {"code": village_code})
        old = household.village_id
        Household.objects.filter(pk=household.pk).update(village_id=village_code, version=F("version") + 1)
        household.refresh_from_db()
        _record(household, actor, "move", household, {"village_id": (old, village_code)}, reason)
        return household


def member_add(*, actor: User | None, household: Household, data: MemberData, reason: str) -> Member:
    """增员. A person who is a current member of a household outside the actor's scope is refused without saying
    so (PersonRefused, audited)."""
    with _person_refusal_audited(actor, "member_add", household.number):
        return _member_add(actor=actor, household=household, data=data, reason=reason)


def _member_add(*, actor: User | None, household: Household, data: MemberData, reason: str) -> Member:
    reason = _require_reason(reason)
    _check_write(actor, household.number, household.village_id)
    with transaction.atomic():
        if data.relation == Relation.HEAD:
            raise ValidationError(_("该户已有户主；请先变更户主。"))
        member = Member.objects.create(household=household, **_person(data, actor))
        _record(
            household,
            actor,
            "member_add",
            member,
            {
                "name": (None, member.name),
                "id_masked": (None, member.id_masked),
                "relation": (None, member.relation),
            },
            reason,
        )
        return member


def member_update(
    *, actor: User | None, member: Member, version: int, values: dict[str, Any], reason: str
) -> Member:
    reason = _require_reason(reason)
    household = member.household
    _check_write(actor, household.number, household.village_id)
    with transaction.atomic():
        if values.get("relation") == Relation.HEAD and member.relation != Relation.HEAD:
            raise ValidationError(_("该户已有户主；请先变更户主。"))
        diff = _apply(member, version, _only(values, MEMBER_FIELDS))
        if diff:
            _record(household, actor, "member_update", member, diff, reason)
        return member


def member_remove(*, actor: User | None, member: Member, left_on: date, reason: str) -> Member:
    """Take a member off the household (death, marriage, moving away); the record and its history stay."""
    reason = _require_reason(reason)
    household = member.household
    _check_write(actor, household.number, household.village_id)
    with transaction.atomic():
        if member.relation == Relation.HEAD:
            raise ValidationError(_("不能减去户主；请先变更户主。"))
        if member.left_on is not None:
            raise ValidationError(_("该成员已减员。"))
        Member.objects.filter(pk=member.pk).update(
            left_on=left_on, left_reason=reason, version=F("version") + 1
        )
        member.refresh_from_db()
        _record(household, actor, "member_remove", member, {"left_on": (None, left_on)}, reason)
        return member


def income_set(
    *,
    actor: User | None,
    household: Household,
    year: int,
    amounts: dict[str, Decimal],
    reason: str,
    version: int | None = None,
) -> Income:
    """Record or correct a year's income; net and per-capita net income are derived from it, never typed."""
    reason = _require_reason(reason)
    _check_write(actor, household.number, household.village_id)
    with transaction.atomic():
        _only(amounts, INCOME_FIELDS)
        if any(value < 0 for value in amounts.values()):
            raise ValidationError(_("收入和支出不能为负数。"))
        income = Income.objects.filter(household=household, year=year).first()
        if income is None:
            income = Income.objects.create(household=household, year=year, **amounts)
            _record(
                household, actor, "income_add", income, {k: (None, v) for k, v in amounts.items()}, reason
            )
            return income
        diff = _apply(income, income.version if version is None else version, amounts)
        if diff:
            _record(household, actor, "income_update", income, diff, reason)
        return income


# What a household split off another takes over from it; housing and the phone are the new household's own.
SPLIT_COPIED = (
    "category",
    "standard",
    "main_cause",
    "other_cause_1",
    "other_cause_2",
    "population_type",
    "identification_year",
    "status",
    "exit_year",
    "water_safe",
    "electricity",
    "road",
)


def _refuse_merged(household: Household) -> None:
    if household.merged_into_id is not None:
        merged = Household.objects.get(pk=household.merged_into_id)
        raise ValidationError(_("该户已并入户 %(number)s。") % {"number": merged.number})


def _lock(household: Household, version: int) -> None:
    """Claim the household for this change: refused if anybody saved it since `version` or it was merged."""
    _refuse_merged(household)
    if not Household.objects.filter(pk=household.pk, version=version).update(version=F("version") + 1):
        raise StaleEdit(_("该记录已被他人修改，请刷新后重试。"))
    household.version = version + 1


def household_split(
    *,
    actor: User | None,
    household: Household,
    version: int,
    member_ids: list[int],
    number: str,
    head_id: int,
    reason: str,
) -> Household:
    """分户: some current members leave to form a new household in the same village, one of them its head.

    The original head stays; the people keep their records (and history), now in the new household."""
    reason = _require_reason(reason)
    _check_write(actor, household.number, household.village_id)
    with transaction.atomic():
        _refuse_merged(household)
        number = household_number_check(actor=actor, number=number, village_code=household.village_id)
        if not number or Household.objects.filter(number=number).exists():
            raise ValidationError(_("户编号已存在：%(number)s") % {"number": number})
        current = {m.pk: m for m in Member.objects.filter(household=household, left_on__isnull=True)}
        chosen = [current[pk] for pk in dict.fromkeys(member_ids) if pk in current]
        if not chosen or len(chosen) != len(set(member_ids)):
            raise ValidationError(_("请选择本户在册的成员。"))
        if household.head_id in member_ids:
            raise ValidationError(_("户主不能分出；请先变更户主。"))
        if head_id not in member_ids:
            raise ValidationError(_("新户户主须是分出的成员之一。"))
        _lock(household, version)
        new = Household(
            number=number,
            village_id=household.village_id,
            **{name: getattr(household, name) for name in SPLIT_COPIED},
        )
        new.full_clean(exclude=["head", "merged_into"])
        new.save()
        Member.objects.filter(pk__in=list(current.keys() & set(member_ids))).update(
            household=new, version=F("version") + 1
        )
        Member.objects.filter(pk=head_id).update(relation=Relation.HEAD)
        new.head_id = head_id
        new.save(update_fields=["head"])
        people = [str(m) for m in chosen]
        _record(
            household,
            actor,
            "split",
            household,
            {"members": (people, None), "new_household": (None, number)},
            reason,
        )
        _record(
            new,
            actor,
            "split_from",
            new,
            {"from_household": (None, household.number), "members": (None, people)},
            reason,
        )
        return new


def household_merge(
    *, actor: User | None, household: Household, version: int, other_number: str, reason: str
) -> Household:
    """合户: every current member of another household joins this one; the other household is closed as merged
    (it leaves lists and counts, its page and history stay). Its former head joins as 其他 until edited."""
    from tuopin.registry.selectors import households_for

    reason = _require_reason(reason)
    _check_write(actor, household.number, household.village_id)
    candidates = (
        households_for(actor) if actor is not None else Household.objects.filter(merged_into__isnull=True)
    )
    other = candidates.filter(number=other_number.strip()).first()
    if other is None or other.pk == household.pk:
        raise ValidationError(_("找不到要并入的户：%(number)s") % {"number": other_number})
    _check_write(actor, other.number, other.village_id)
    with transaction.atomic():
        _lock(household, version)
        _lock(other, other.version)
        moved = list(Member.objects.filter(household=other, left_on__isnull=True))
        Member.objects.filter(pk__in=[m.pk for m in moved]).update(
            household=household, version=F("version") + 1
        )
        if other.head_id is not None:
            Member.objects.filter(pk=other.head_id).update(relation=Relation.OTHER)
        Household.objects.filter(pk=other.pk).update(merged_into=household, head=None)
        people = [str(m) for m in moved]
        _record(
            household,
            actor,
            "merge",
            household,
            {"merged_household": (None, other.number), "members": (None, people)},
            reason,
        )
        _record(
            other,
            actor,
            "merged_into",
            other,
            {"merged_into": (None, household.number), "members": (people, None)},
            reason,
        )
        return household
