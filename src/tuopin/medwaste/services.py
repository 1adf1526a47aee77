"""Writes to the medical-waste ledger. A handover is recorded (`handover_record`, checked as the import checks a row)
or imported, and never edited: a correction is a reversing entry (`handover_reverse`), and a handover is removed
(`handover_delete`) by no role while younger than the retention period (policy `medwaste_retention_years` of its
year and province), and after that by an administrator only.

THE rule of a handover's write is `may_record`: the command line; an office holding the write and the medical-waste
capabilities with the giver's area in its scope; a transfer point's keeper for a handover given or received at its
own point. No other role records or reverses (a village office holds the write capability but not this ledger's;
an inspector, a health office and a facility's user read only). Users are linked to their places by
`place_member_link`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.accounts.permissions import WriteRefused, can_write, write_required
from tuopin.accounts.roles import Capability, Role
from tuopin.areas.codes import code_at
from tuopin.areas.signals import figures_stale
from tuopin.audit.services import audit_record
from tuopin.core.text import text_problem
from tuopin.ledgers.framework import LedgerRow, SheetProblems
from tuopin.medwaste import selectors
from tuopin.medwaste.ledgers import (
    HANDOVER_COLUMNS,
    HANDOVER_SHEET,
    Place,
    Places,
    handover_check,
    weight_check,
)
from tuopin.medwaste.models import (
    Facility,
    Handover,
    PlaceKind,
    PlaceMember,
    TransferPoint,
    WasteCategory,
)
from tuopin.policy.selectors import policy_for

REVERSAL_SUFFIX = "-冲正"


class HandoverInvalid(ValueError):
    """The write is refused for what it is (a reason missing, a reversal twice), with a message for the user and,
    for a handover recorded, each problem as (column header, message)."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class HandoverLike(Protocol):
    """What the write rule reads of a handover, recorded or about to be."""

    giver_kind: str
    giver_code: str
    receiver_kind: str
    receiver_code: str
    area_id: str


def may_keep(user: User) -> bool:
    """Who opens the keeper's page: a keeper (at its points), an office holding the write and medical-waste
    capabilities (at any point in its scope)."""
    return user.role == Role.KEEPER or (user.can(Capability.WRITE) and user.can(Capability.MEDWASTE))


def may_write_at(actor: User | None, *, area: str, points: Iterable[str]) -> bool:
    """THE rule of a medical-waste write (see the module notes): the command line; else a user holding the
    medical-waste capability that is a keeper linked to one of `points`, or an office that may write `area`."""
    if actor is None:
        return True
    if not actor.is_active or not actor.can(Capability.MEDWASTE):
        return False
    if actor.role == Role.KEEPER:
        return not selectors.links_of(actor).points.keys().isdisjoint(points)
    return can_write(actor, area)


def may_record(actor: User | None, handover: HandoverLike) -> bool:
    """A handover's write (recording it, reversing it): at a point it gave or received, in the giver's area."""
    points = [
        code
        for kind, code in (
            (handover.giver_kind, handover.giver_code),
            (handover.receiver_kind, handover.receiver_code),
        )
        if kind == PlaceKind.POINT
    ]
    return may_write_at(actor, area=handover.area_id, points=points)


def retention_until(handover: Handover) -> datetime:
    """The moment the handover's record may first be removed: its time plus the retention years in force in its
    year and province."""
    years = policy_for(handover.at.year, code_at(handover.area_id, "province")).value(
        "medwaste_retention_years"
    )
    at = timezone.localtime(handover.at)
    try:
        return at.replace(year=at.year + int(years or 0))
    except ValueError:  # 29 February
        return at.replace(year=at.year + int(years or 0), day=28)


def _reversal_number(handover: Handover) -> str:
    base = handover.number[: 40 - len(REVERSAL_SUFFIX)] + REVERSAL_SUFFIX
    number, serial = base, 1
    while Handover.objects.filter(number=number).exists():
        serial += 1
        number = f"{base[: 40 - len(str(serial))]}{serial}"
    return number


def handover_reverse(*, actor: User | None, handover: Handover, reason: str) -> Handover:
    """The reversing entry of `handover`: the same places, time and category, the weight negated, with the reason.
    A handover is reversed once; a reversal is not itself reversed. Raises HandoverInvalid, WriteRefused."""
    write_required(
        actor,
        allowed=may_record(actor, handover),
        action="medwaste.handover.reverse",
        object_type="handover",
        object_id=handover.number,
        message=_("您无权冲正这条交接记录。"),
    )
    reason = reason.strip()
    if not reason:
        raise HandoverInvalid(_("冲正需要说明原因。"))
    if len(reason) > 200:
        raise HandoverInvalid(_("冲正原因不能超过200个字。"))
    if handover.reverses_id is not None:
        raise HandoverInvalid(_("冲正记录不能再冲正。"))
    with transaction.atomic():
        locked = Handover.objects.select_for_update().get(pk=handover.pk)
        if Handover.objects.filter(reverses=locked).exists():
            raise HandoverInvalid(_("这条交接记录已经冲正过。"))
        reversal = Handover.objects.create(
            number=_reversal_number(locked),
            at=locked.at,
            giver_kind=locked.giver_kind,
            giver_code=locked.giver_code,
            receiver_kind=locked.receiver_kind,
            receiver_code=locked.receiver_code,
            area_id=locked.area_id,
            category=locked.category,
            kg=-locked.kg,
            packages=locked.packages,
            giver_person=locked.giver_person,
            receiver_person=locked.receiver_person,
            vehicle=locked.vehicle,
            disposal_method=locked.disposal_method,
            destination=locked.destination,
            reverses=locked,
            reason=reason,
            recorded_by=actor,
        )
        audit_record(
            action="medwaste.handover.reverse",
            actor=actor,
            object_type="handover",
            object_id=locked.number,
            area=locked.area_id,
            details={"reversal": reversal.number, "kg": str(locked.kg), "reason": reason},
        )
    return reversal


def handover_delete(*, actor: User | None, handover: Handover, now: datetime | None = None) -> None:
    """Remove a handover's record, and its reversing entry with it, once its retention period is over: for an
    administrator (or the command line) only; before that no one may, the command line included. A reversing entry
    goes only with the handover it reverses. Each refusal is audited. Raises WriteRefused, HandoverInvalid."""
    if handover.reverses_id is not None:
        raise HandoverInvalid(_("冲正记录只能随原交接记录一并删除。"))
    now = now or timezone.now()
    until = retention_until(handover)
    if now < until:
        message, reason = (
            _("交接记录须保存至%(date)s，不能删除。") % {"date": f"{until:%Y-%m-%d}"},
            "retention",
        )
    else:
        message, reason = _("只有系统管理员可以删除保存期已满的交接记录。"), "admin only"
    if now < until or not (actor is None or (actor.role == Role.ADMIN and actor.is_active)):
        # Not write_required: it lets the command line through, and the retention binds it too.
        refusal = WriteRefused(
            message,
            action="medwaste.handover.delete",
            actor=actor,
            object_type="handover",
            object_id=handover.number,
            details={"reason": reason, "until": until.isoformat()},
        )
        refusal.record()
        raise refusal
    with transaction.atomic():
        audit_record(
            action="medwaste.handover.delete",
            actor=actor,
            object_type="handover",
            object_id=handover.number,
            area=handover.area_id,
            details={"at": handover.at.isoformat(), "kg": str(handover.kg), "category": handover.category},
        )
        Handover.objects.filter(reverses=handover).delete()
        handover.delete()


# -------------------------------------------------------------------------------------------------- recording

NUMBER_LENGTH = 40


def _number(place: str, at: datetime) -> str:
    """A new 联单编号: the transfer point's (or the giver's) code, the local time to the second, and a serial when
    that is taken (at most 40 characters)."""
    stamp = f"-{timezone.localtime(at):%Y%m%d%H%M%S}"
    base = place[: NUMBER_LENGTH - len(stamp) - 3] + stamp
    taken = set(Handover.objects.filter(number__startswith=base).values_list("number", flat=True))
    number, serial = base, 1
    while number in taken:
        serial += 1
        number = f"{base}-{serial}"
    return number


def _problems(
    values: dict[str, object], actor: User | None, now: datetime
) -> tuple[list[tuple[str, str]], tuple[Place | None, Place | None]]:
    """What is wrong with the handover, as the import words it (ledgers.handover_check), and its giver and
    receiver."""
    problems = SheetProblems(HANDOVER_SHEET, HANDOVER_COLUMNS)
    row = LedgerRow(1, values)
    for column in HANDOVER_COLUMNS:  # what the import's cell reading checks of a required or a text column
        value = values.get(column.field)
        if column.required and value in (None, ""):
            problems.add(row, column.field, "", _("必填。"))
        elif isinstance(value, str) and text_problem(value):
            problems.add(row, column.field, value[:50], text_problem(value))
    if values.get("category") not in WasteCategory.values:
        problems.add(row, "category", values.get("category"), _("请选择类别。"))
    places: tuple[Place | None, Place | None] = (None, None)
    if not problems.found:
        places = handover_check(problems, row, Places([row], actor), now)
        weight_check(problems, row)
    return [(p.column, p.message) for p in problems.found], places


def handover_record(
    *,
    actor: User | None,
    giver: str,
    receiver: str,
    at: datetime,
    category: str,
    kg: Decimal,
    packages: int,
    giver_person: str,
    receiver_person: str,
    vehicle: str = "",
    disposal_method: str = "",
    destination: str = "",
) -> Handover:
    """Record one weighed handover from the place coded `giver` to the place coded `receiver` (a keeper's receipt
    or removal, an office's entry), checked exactly as the handovers ledger checks an imported row, with a new
    联单编号. Audited (`medwaste.handover.record`); the dashboards hear of it after the commit as of an import.
    Raises HandoverInvalid (every problem, nothing written), WriteRefused (may_record)."""
    now = timezone.now()
    texts = {
        "giver_code": giver.strip(),
        "receiver_code": receiver.strip(),
        "giver_person": giver_person.strip(),
        "receiver_person": receiver_person.strip(),
        "vehicle": vehicle.strip(),
        "disposal_method": disposal_method.strip(),
        "destination": destination.strip(),
    }
    values: dict[str, object] = {
        "number": "-",
        "at": at,
        "category": category,
        "kg": kg,
        "packages": packages,
        **texts,
    }
    problems, (giver_place, receiver_place) = _problems(values, actor, now)
    if problems or giver_place is None or receiver_place is None:
        raise HandoverInvalid(
            "；".join(f"{column}：{message}" for column, message in problems) or _("交接记录有误。"), problems
        )
    handover = Handover(
        at=at,
        giver_kind=giver_place.kind,
        giver_code=giver_place.code,
        receiver_kind=receiver_place.kind,
        receiver_code=receiver_place.code,
        area_id=giver_place.area,
        category=category,
        kg=kg,
        packages=packages,
        giver_person=texts["giver_person"],
        receiver_person=texts["receiver_person"],
        vehicle=texts["vehicle"],
        disposal_method=texts["disposal_method"],
        destination=texts["destination"],
        recorded_by=actor,
    )
    write_required(
        actor,
        allowed=may_record(actor, handover),
        action="medwaste.handover.record",
        object_type="handover",
        object_id=f"{giver_place.code}→{receiver_place.code}",
        message=_("您无权录入这条交接记录。"),
    )
    point = receiver_place.code if receiver_place.kind == PlaceKind.POINT else giver_place.code
    with transaction.atomic():
        handover.number = _number(point, at)
        handover.save()
        audit_record(
            action="medwaste.handover.record",
            actor=actor,
            object_type="handover",
            object_id=handover.number,
            area=handover.area_id,
            details={
                "giver": handover.giver_code,
                "receiver": handover.receiver_code,
                "category": category,
                "kg": str(kg),
                "at": at.isoformat(),
            },
        )
        area = handover.area_id
        transaction.on_commit(lambda: figures_stale.send(sender="medwaste.handover.record", codes=[area]))
    return handover


# ------------------------------------------------------------------------------------------------------ links


class LinkInvalid(ValueError):
    """A link of a user to a place refused for what it is (the role does not match the place)."""


def place_member_link(
    *, actor: User | None, user: User, point: TransferPoint | None = None, facility: Facility | None = None
) -> PlaceMember:
    """Link a keeper (role `keeper`) to its transfer point or a facility's user (role `facility`) to its facility
    (a user manager of the user's scope with the place in its scope, or the command line). The link is the whole
    of what the user then reads and records of the ledger (selectors). Raises LinkInvalid, WriteRefused."""
    if (point is None) == (facility is None):
        raise LinkInvalid(_("请指定一个周转点或一个医疗机构。"))
    if point is not None and user.role != Role.KEEPER:
        raise LinkInvalid(_("只有周转点管理员角色的用户可以关联周转点。"))
    if facility is not None and user.role != Role.FACILITY:
        raise LinkInvalid(_("只有医疗机构角色的用户可以关联医疗机构。"))
    place = point if point is not None else facility
    assert place is not None  # one of the two, checked above
    if actor is not None:
        from tuopin.accounts.selectors import users_for

        in_scope = (
            selectors.points_for(actor) if point is not None else selectors.facilities_for(actor)
        ).filter(pk=place.pk)
        write_required(
            actor,
            allowed=actor.can(Capability.MANAGE_USERS)
            and users_for(actor).filter(pk=user.pk).exists()
            and in_scope.exists(),
            action="medwaste.place_link",
            object_type="place_link",
            object_id=str(user.pk),
            message=_("您无权为该用户关联这个场所。"),
            details={"place": place.code},
        )
    with transaction.atomic():
        link, created = PlaceMember.objects.get_or_create(
            user=user,
            point=point,
            facility=facility,
            defaults={"linked_by": actor.get_username() if actor else "system"},
        )
        if created:
            audit_record(
                action="medwaste.place_link",
                actor=actor,
                object_type="user",
                object_id=str(user.pk),
                details={"point" if point is not None else "facility": place.code},
            )
    return link
