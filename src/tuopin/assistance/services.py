"""Writes of the pairing graph and of household plans and measures (funds and loans: funds.py; duties and visits:
visits.py). Every write is keyword-only, checks who may write, runs in one transaction with its audit row, and only
ever adds rows (see models.py).

Who may write (the permission model of the assistance ledgers):
- the command line (actor None) anything;
- office users (province to village) with the write capability, inside their area scope;
- a `unit` user only the rows of its own helping units that `check_write(..., unit_may=True)` allows: its visits
  and its projects (services in visits.py and funds.py); never pairings, plans, measures, fund entries or loans;
- inspectors and everyone else nothing.
A refusal is audited outside the write transaction so that its row survives.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.accounts.permissions import can_write, write_required
from tuopin.accounts.roles import Capability, Role
from tuopin.accounts.scope import in_units
from tuopin.areas.models import Area
from tuopin.assistance.catalogue import MEASURES, labour_group
from tuopin.assistance.models import (
    TARGET_LEVEL,
    Agreement,
    HelpingUnit,
    MeasureRecord,
    Pairing,
    PairingEnd,
    PairingKind,
    Plan,
    TargetType,
    UnitMember,
    WorkingGroup,
)
from tuopin.audit.services import audit_record
from tuopin.core.crypto import encrypt
from tuopin.registry.idnumbers import mask_phone
from tuopin.registry.models import Household

PERSON_KINDS = (
    "cadre_household",
    "task_force",
    "first_secretary",
    "leader_county",
    "leader_township",
    "leader_village",
)


def actor_name(actor: User | None) -> str:
    return actor.get_username() if actor else "system"


def may_write(actor: User | None, *, area: str, unit_id: int | None = None, unit_may: bool = False) -> bool:
    if actor is None:
        return True
    if actor.role == Role.UNIT:
        return unit_may and actor.is_active and in_units(actor, unit_id)
    return can_write(actor, area)


def check_write(
    actor: User | None,
    *,
    area: str,
    what: str,
    object_id: str = "",
    unit_id: int | None = None,
    unit_may: bool = False,
) -> None:
    """Refuse (audited) unless the actor may write this row: see the module notes."""
    write_required(
        actor,
        allowed=may_write(actor, area=area, unit_id=unit_id, unit_may=unit_may),
        action=f"assistance.{what}",
        object_type=what,
        object_id=object_id,
        message=_("您无权录入该帮扶记录。"),
    )


def area_of(code: str, level: str | None = None) -> Area:
    area = Area.objects.filter(pk=code.strip()).first()
    if area is None or (level and area.level != level):
        raise ValidationError(_("区划代码不存在或级别不符：%(code)s") % {"code": code})
    return area


def target_area(target_type: str, code: str) -> str:
    """The area code a visit or duty target lies in: the area itself, or a household's village."""
    code = code.strip()
    if target_type == TargetType.HOUSEHOLD:
        village = Household.objects.filter(number=code).values_list("village_id", flat=True).first()
        if village is None:
            raise ValidationError(_("户编号不存在：%(code)s") % {"code": code})
        return village
    if target_type not in (TargetType.COUNTY, TargetType.TOWNSHIP, TargetType.VILLAGE):
        raise ValidationError(_("对象类型应为县、乡镇、村或户。"))
    return area_of(code, target_type).code


def _required(value: str, message: str) -> str:
    if not value.strip():
        raise ValidationError(message)
    return value.strip()


# ---------------------------------------------------------------------------------------------------- units


def unit_create(
    *,
    actor: User | None,
    name: str,
    kind: str,
    parent: HelpingUnit | None = None,
    group: WorkingGroup | None = None,
    area_code: str = "",
) -> HelpingUnit:
    write_required(
        actor,
        allowed=actor is None or actor.can(Capability.MANAGE_USERS),
        action="assistance.unit_create",
        object_type="unit",
        object_id=name,
        message=_("只有管理员可以登记帮扶单位。"),
    )
    with transaction.atomic():
        unit = HelpingUnit.objects.create(
            name=_required(name, _("请填写单位名称。"))[:100],
            kind=kind,
            parent=parent,
            group=group,
            area=area_of(area_code) if area_code else None,
        )
        audit_record(action="assistance.unit_create", actor=actor, object_type="unit", object_id=str(unit.pk))
    return unit


def unit_ensure(*, actor: User | None, name: str, group_name: str = "") -> HelpingUnit:
    """The helping unit of this name, registered when a ledger first names it (a department of the working group
    named beside it, found or made under no parent; else "other"). Units are master data: an existing one is
    taken as it is."""
    unit = HelpingUnit.objects.filter(name=name.strip()).first()
    if unit is not None:
        return unit
    with transaction.atomic():
        group = None
        if group_name.strip():
            owner = HelpingUnit.objects.filter(groups__name=group_name.strip()).first()
            group = (
                WorkingGroup.objects.filter(unit=owner, name=group_name.strip()).first() if owner else None
            )
        unit = HelpingUnit.objects.create(
            name=_required(name, _("请填写单位名称。"))[:100],
            kind="department" if group else "other",
            group=group,
            parent=group.unit if group else None,
        )
        audit_record(action="assistance.unit_create", actor=actor, object_type="unit", object_id=str(unit.pk))
    return unit


def unit_member_link(*, actor: User | None, user: User, unit: HelpingUnit) -> UnitMember:
    """Link a `unit` user to the helping unit it acts for (a user manager of the user's scope, or the command
    line). The link is the whole of what the user then sees in the assistance ledgers."""
    if user.role != Role.UNIT:
        raise ValidationError(_("只有帮扶单位角色的用户可以关联帮扶单位。"))
    if actor is not None:
        from tuopin.accounts.selectors import users_for

        write_required(
            actor,
            allowed=actor.can(Capability.MANAGE_USERS) and users_for(actor).filter(pk=user.pk).exists(),
            action="assistance.unit_link",
            object_type="unit_link",
            object_id=str(user.pk),
            message=_("您无权管理该用户。"),
        )
    with transaction.atomic():
        link, created = UnitMember.objects.get_or_create(
            user=user, unit=unit, defaults={"linked_by": actor_name(actor)}
        )
        if created:
            audit_record(
                action="assistance.unit_link",
                actor=actor,
                object_type="user",
                object_id=str(user.pk),
                details={"unit": unit.name},
            )
    return link


# ------------------------------------------------------------------------------------------------- pairings


def _check_pairing(
    kind: str,
    area: Area,
    household: Household | None,
    helper_name: str,
    unit: HelpingUnit | None,
    helper_area: Area | None,
) -> None:
    problems: dict[str, list[str]] = {}
    if kind not in PairingKind.values:
        problems["kind"] = [_("请选择结对类型。")]
    elif area.level != TARGET_LEVEL[kind]:
        problems["area"] = [_("受援区划的级别与结对类型不符。")]
    if kind == PairingKind.CADRE_HOUSEHOLD and household is None:
        problems["household"] = [_("请填写户编号。")]
    if kind in PERSON_KINDS and not helper_name.strip():
        problems["helper_name"] = [_("请填写帮扶人姓名。")]
    if kind == PairingKind.UNIT_VILLAGE and unit is None:
        problems["unit"] = [_("请选择帮扶单位。")]
    if kind == PairingKind.COUNTY_COUNTY and (helper_area is None or helper_area.level != "county"):
        problems["helper_area"] = [_("请填写帮扶县代码。")]
    if problems:
        raise ValidationError(problems)


def pairing_start(
    *,
    actor: User | None,
    kind: str,
    area_code: str = "",
    valid_from: date,
    reason: str = "",
    helper_name: str = "",
    helper_role: str = "",
    phone: str = "",
    unit: HelpingUnit | None = None,
    group: WorkingGroup | None = None,
    helper_area_code: str = "",
    household: Household | None = None,
    supersedes: Pairing | None = None,
) -> Pairing:
    """Start a pairing (an edge of the graph) valid from a day. A household's pairing lies in its village."""
    area = area_of(household.village_id if household else area_code)
    check_write(actor, area=area.code, what="pairing", object_id=household.number if household else area.code)
    helper_area = area_of(helper_area_code) if helper_area_code else None
    _check_pairing(kind, area, household, helper_name, unit, helper_area)
    if group is None and unit is not None:
        group = unit.group
    with transaction.atomic():
        pairing = Pairing.objects.create(
            kind=kind,
            area=area,
            household=household,
            helper_name=helper_name.strip()[:60],
            helper_role=helper_role.strip()[:60],
            helper_phone_encrypted=encrypt(phone.strip()) if phone.strip() else "",
            helper_phone_masked=mask_phone(phone.strip()),
            unit=unit,
            group=group,
            helper_area=helper_area,
            valid_from=valid_from,
            reason=reason.strip()[:200],
            supersedes=supersedes,
            actor=actor_name(actor),
        )
        audit_record(
            action="assistance.pairing_start",
            actor=actor,
            object_type="pairing",
            object_id=str(pairing.pk),
            area=area.code,
            details={"kind": kind, "supersedes": supersedes.pk if supersedes else None},
        )
    return pairing


def pairing_end(*, actor: User | None, pairing: Pairing, valid_to: date, reason: str) -> PairingEnd:
    """End a pairing: `valid_to` is the last day it held."""
    check_write(actor, area=pairing.area_id, what="pairing", object_id=str(pairing.pk))
    reason = _required(reason, _("请填写变更原因。"))
    if valid_to < pairing.valid_from:
        raise ValidationError({"valid_to": [_("终止日期不能早于起始日期。")]})
    with transaction.atomic():
        if PairingEnd.objects.select_for_update().filter(pairing=pairing).exists():
            raise ValidationError(_("该结对已经终止。"))
        end = PairingEnd.objects.create(
            pairing=pairing, valid_to=valid_to, reason=reason[:200], actor=actor_name(actor)
        )
        audit_record(
            action="assistance.pairing_end",
            actor=actor,
            object_type="pairing",
            object_id=str(pairing.pk),
            area=pairing.area_id,
            details={"valid_to": valid_to.isoformat()},
        )
    return end


def pairing_change(
    *,
    actor: User | None,
    pairing: Pairing,
    on: date,
    reason: str,
    helper_name: str = "",
    helper_role: str = "",
    phone: str = "",
    unit: HelpingUnit | None = None,
) -> Pairing:
    """A change of helper: the old pairing ends the day before `on`, and a new one, superseding it, starts on it;
    both or neither."""
    check_write(
        actor, area=pairing.area_id, what="pairing", object_id=str(pairing.pk)
    )  # refused before the write
    if on <= pairing.valid_from:
        raise ValidationError({"on": [_("变更日期应晚于原结对的起始日期。")]})
    with transaction.atomic():
        pairing_end(actor=actor, pairing=pairing, valid_to=on - timedelta(days=1), reason=reason)
        return pairing_start(
            actor=actor,
            kind=pairing.kind,
            area_code=pairing.area_id,
            valid_from=on,
            reason=reason,
            helper_name=helper_name or pairing.helper_name,
            helper_role=helper_role or pairing.helper_role,
            phone=phone,
            unit=unit or pairing.unit,
            group=pairing.group if unit is None else unit.group,
            helper_area_code=pairing.helper_area_id or "",
            household=pairing.household,
            supersedes=pairing,
        )


def agreement_record(
    *,
    actor: User | None,
    pairing: Pairing,
    title: str,
    signed_on: date,
    funds: Decimal,
    training_places: int = 0,
    jobs: int = 0,
    cadres_exchanged: int = 0,
    projects: int = 0,
    note: str = "",
    supersedes: Agreement | None = None,
) -> Agreement:
    """An agreement of a county-to-county pairing and its outputs (a correction supersedes the earlier row),
    recorded by the offices of either county."""
    helper = pairing.helper_area_id or ""
    side = helper if helper and may_write(actor, area=helper) else pairing.area_id
    check_write(actor, area=side, what="agreement", object_id=str(pairing.pk))
    if pairing.kind != PairingKind.COUNTY_COUNTY:
        raise ValidationError(_("只有县对县的对口帮扶才有帮扶协议。"))
    if funds < 0:
        raise ValidationError({"funds": [_("金额不能为负数。")]})
    with transaction.atomic():
        agreement = Agreement.objects.create(
            pairing=pairing,
            area_id=pairing.area_id,
            title=_required(title, _("请填写协议名称。"))[:200],
            signed_on=signed_on,
            funds=funds,
            training_places=training_places,
            jobs=jobs,
            cadres_exchanged=cadres_exchanged,
            projects=projects,
            note=note.strip()[:500],
            supersedes=supersedes,
            actor=actor_name(actor),
        )
        audit_record(
            action="assistance.agreement",
            actor=actor,
            object_type="agreement",
            object_id=str(agreement.pk),
            area=pairing.area_id,
        )
    return agreement


# ------------------------------------------------------------------------------------------ plans and measures


def _household_labour(household: Household) -> str:
    return labour_group(list(household.members.filter(left_on__isnull=True).values_list("labour", flat=True)))


def plan_record(
    *,
    actor: User | None,
    household: Household,
    year: int,
    path: str,
    measures: list[str],
    responsible: str,
    note: str = "",
) -> Plan:
    """The household's plan ("one household, one policy"); it supersedes the household's plan before it. The labour
    group comes from the members' labour capacity (seed 004)."""
    check_write(actor, area=household.village_id, what="plan", object_id=household.number)
    problems: dict[str, list[str]] = {}
    if not path.strip():
        problems["path"] = [_("请填写脱贫路径。")]
    if not measures or set(measures) - set(MEASURES):
        problems["measures"] = [_("请从措施目录中选择帮扶措施。")]
    if not responsible.strip():
        problems["responsible"] = [_("请填写帮扶责任人。")]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()  # one plan change at a time
        current = Plan.objects.filter(household=household, successor__isnull=True).order_by("-id").first()
        plan = Plan.objects.create(
            household=household,
            area_id=household.village_id,
            year=year,
            labour_group=_household_labour(household),
            path=path.strip()[:300],
            measures=sorted(set(measures), key=list(MEASURES).index),
            responsible=responsible.strip()[:60],
            note=note.strip()[:500],
            supersedes=current,
            actor=actor_name(actor),
        )
        audit_record(
            action="assistance.plan",
            actor=actor,
            object_type="plan",
            object_id=str(plan.pk),
            area=household.village_id,
            details={"household": household.number},
        )
    return plan


def measure_add(
    *,
    actor: User | None,
    household: Household,
    type: str,
    on: date,
    amount: Decimal | None = None,
    provider: str = "",
    evidence: str = "",
    note: str = "",
    supersedes: MeasureRecord | None = None,
) -> MeasureRecord:
    """A measure delivered to a household, typed from the catalogue; a correction supersedes the wrong record."""
    check_write(actor, area=household.village_id, what="measure", object_id=household.number)
    if type not in MEASURES:
        raise ValidationError({"type": [_("请从措施目录中选择措施类型。")]})
    if amount is not None and amount < 0:
        raise ValidationError({"amount": [_("金额不能为负数。")]})
    if supersedes is not None and (
        supersedes.household_id != household.pk or hasattr(supersedes, "successor")
    ):
        raise ValidationError(_("只能更正本户尚未更正的记录。"))
    with transaction.atomic():
        plan = Plan.objects.filter(household=household, successor__isnull=True).order_by("-id").first()
        record = MeasureRecord.objects.create(
            household=household,
            area_id=household.village_id,
            plan=plan,
            type=type,
            on=on,
            amount=amount,
            provider=provider.strip()[:100],
            evidence=evidence.strip()[:300],
            note=note.strip()[:500],
            supersedes=supersedes,
            actor=actor_name(actor),
        )
        audit_record(
            action="assistance.measure",
            actor=actor,
            object_type="measure",
            object_id=str(record.pk),
            area=household.village_id,
            details={"household": household.number, "type": type},
        )
    return record


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value
