"""Writes to the medical-waste ledger. A handover is never edited: a correction is a reversing entry
(`handover_reverse`), and a handover is removed (`handover_delete`) by no role while younger than the retention
period (policy `medwaste_retention_years` of its year and province), and after that by an administrator only."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.accounts.permissions import WriteRefused, write_required
from tuopin.accounts.roles import Role
from tuopin.areas.codes import code_at
from tuopin.audit.services import audit_record
from tuopin.medwaste.models import Handover
from tuopin.policy.selectors import policy_for

REVERSAL_SUFFIX = "-冲正"


class HandoverInvalid(ValueError):
    """The write is refused for what it is (a reason missing, a reversal twice), with a message for the user."""


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
        area_codes=[handover.area_id],
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
