"""Duties (who must visit what, how often) and visits, and the compliance of the one with the other.

How compliance judges a reporting period P (`compliance`):
- each duty is judged once per duty period of its frequency that belongs to P (periods.within: a quarterly duty
  twice in 2019H2, a yearly duty only when P is a whole year, a weekly one in the ISO weeks whose Thursday lies in
  P) and lies wholly inside the duty's dates: a duty that starts or ends inside a period is not judged for that
  period (half a quarter cannot be held to a quarter's visits);
- a visit counts for a duty period when the same person (the name as written, spaces ignored) visited the duty's
  target or a place inside it (a village visit counts for a county duty; a household only for itself) on a day
  of that period;
- a judgement is met when the visits counted reach the duty's visits per period;
- periods that have not ended on the as-of date are not judged yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.assistance import periods
from tuopin.assistance.models import Duty, HelpingUnit, TargetType, Visit
from tuopin.assistance.services import actor_name, check_write, target_area
from tuopin.audit.services import audit_record
from tuopin.core.uploads import UploadRejected, file_store, stored_path


def person_key(name: str) -> str:
    return "".join(name.split())


def unit_named(name: str) -> HelpingUnit | None:
    return HelpingUnit.objects.filter(name=name.strip()).first() if name.strip() else None


def _checked(who: str, target_type: str, target_code: str) -> str:
    problems: dict[str, list[str]] = {}
    if not who.strip():
        problems["who"] = [_("请填写姓名。")]
    if target_type not in TargetType.values:
        problems["target_type"] = [_("对象类型应为县、乡镇、村或户。")]
    if problems:
        raise ValidationError(problems)
    return target_area(target_type, target_code)


def duty_record(
    *,
    actor: User | None,
    who: str,
    target_type: str,
    target_code: str,
    frequency: str,
    valid_from: date,
    valid_to: date | None = None,
    per_period: int = 1,
    role: str = "",
    unit_name: str = "",
    supersedes: Duty | None = None,
) -> Duty:
    """A duty to visit; a change is a new duty that supersedes the old (give the old one its end date first)."""
    area = _checked(who, target_type, target_code)
    unit = unit_named(unit_name)
    check_write(actor, area=area, what="duty", object_id=target_code)
    problems: dict[str, list[str]] = {}
    if frequency not in periods.KINDS:
        problems["frequency"] = [_("频次应为每年、每半年、每季度、每月或每周。")]
    if per_period < 1:
        problems["per_period"] = [_("每期次数至少为1。")]
    if valid_to is not None and valid_to < valid_from:
        problems["valid_to"] = [_("终止日期不能早于起始日期。")]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        duty = Duty.objects.create(
            who=person_key(who)[:60],
            role=role.strip()[:60],
            unit=unit,
            unit_name=unit_name.strip()[:100],
            target_type=target_type,
            target_code=target_code.strip(),
            area_id=area,
            frequency=frequency,
            per_period=per_period,
            valid_from=valid_from,
            valid_to=valid_to,
            supersedes=supersedes,
            actor=actor_name(actor),
        )
        audit_record(
            action="assistance.duty", actor=actor, object_type="duty", object_id=str(duty.pk), area=area
        )
    return duty


PHOTO_FOLDER = "visits"


def photo_store(name: str, data: bytes) -> str:
    """Keep a visit's photo (a JPG or PNG: core.uploads.file_store); returns the stored file's name."""
    return file_store(
        PHOTO_FOLDER,
        name,
        data,
        kinds=(".jpg", ".jpeg", ".png"),
        refused=_("照片只接受 JPG 或 PNG 文件：%(name)s") % {"name": Path(name).name},
    )


def visit_record(
    *,
    actor: User | None,
    who: str,
    on: date,
    target_type: str,
    target_code: str,
    purpose: str,
    findings: str = "",
    role: str = "",
    unit_name: str = "",
    photo_name: str = "",
    photo_data: bytes = b"",
    supersedes: Visit | None = None,
) -> Visit:
    """A visit, with a photo if one is given; a helping unit's user records the visits of its own units."""
    area = _checked(who, target_type, target_code)
    unit = unit_named(unit_name)
    check_write(
        actor,
        area=area,
        what="visit",
        object_id=target_code,
        unit_id=unit.pk if unit else None,
        unit_may=True,
    )
    if not purpose.strip():
        raise ValidationError({"purpose": [_("请填写走访事由。")]})
    if supersedes is not None and hasattr(supersedes, "successor"):
        raise ValidationError(_("该记录已被更正过。"))
    try:
        photo = photo_store(photo_name, photo_data) if photo_data else ""
    except UploadRejected as error:
        raise ValidationError({"photo": [str(error)]}) from error
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                who=person_key(who)[:60],
                role=role.strip()[:60],
                unit=unit,
                unit_name=unit_name.strip()[:100],
                on=on,
                target_type=target_type,
                target_code=target_code.strip(),
                area_id=area,
                purpose=purpose.strip()[:300],
                findings=findings.strip()[:1000],
                photo=photo,
                supersedes=supersedes,
                actor=actor_name(actor),
            )
            audit_record(
                action="assistance.visit",
                actor=actor,
                object_type="visit",
                object_id=str(visit.pk),
                area=area,
            )
    except Exception:
        if photo:
            stored_path(PHOTO_FOLDER, photo).unlink(missing_ok=True)  # no photo without its visit
        raise
    return visit


# ------------------------------------------------------------------------------------------------ compliance


@dataclass(frozen=True)
class DutyFacts:
    """What compliance needs of a duty (plain values, so that the arithmetic is testable without a database)."""

    who: str
    target_type: str
    target_code: str
    frequency: str
    per_period: int
    valid_from: date
    valid_to: date | None
    label: str = ""  # the target as people read it


@dataclass(frozen=True)
class VisitFacts:
    who: str
    target_type: str
    target_code: str
    area: str  # the area the target lies in (a household's village)
    on: date


@dataclass
class Report:
    period: str
    duties: int = 0
    met: int = 0
    missed: list[dict[str, Any]] = field(default_factory=list)
    by_frequency: dict[str, list[int]] = field(default_factory=dict)  # frequency -> [judged, met]

    def as_dict(self) -> dict[str, Any]:
        return {"period": self.period, "duties": self.duties, "met": self.met, "missed": self.missed}


def _counts_for(duty: DutyFacts, visit: VisitFacts) -> bool:
    if person_key(visit.who) != person_key(duty.who):
        return False
    if duty.target_type == TargetType.HOUSEHOLD or visit.target_type == TargetType.HOUSEHOLD:
        if duty.target_type == TargetType.HOUSEHOLD:
            return visit.target_type == TargetType.HOUSEHOLD and visit.target_code == duty.target_code
        return visit.area.startswith(duty.target_code)  # a household visit counts for its village and above
    return visit.target_code.startswith(duty.target_code)


def compliance(
    duties: Iterable[DutyFacts], visits: Iterable[VisitFacts], period: periods.Period, *, as_of: date
) -> Report:
    """Judge every duty in `period` (see the module notes)."""
    by_person: dict[str, list[VisitFacts]] = {}
    for visit in visits:
        by_person.setdefault(person_key(visit.who), []).append(visit)
    report = Report(period.label)
    for duty in duties:
        mine = [v for v in by_person.get(person_key(duty.who), []) if _counts_for(duty, v)]
        for judged in periods.within(period, duty.frequency):
            if judged.start < duty.valid_from or (duty.valid_to is not None and judged.end > duty.valid_to):
                continue
            if judged.end >= as_of:
                continue
            done = sum(1 for v in mine if judged.holds(v.on))
            tally = report.by_frequency.setdefault(duty.frequency, [0, 0])
            report.duties += 1
            tally[0] += 1
            if done >= duty.per_period:
                report.met += 1
                tally[1] += 1
            else:
                report.missed.append(
                    {
                        "who": duty.who,
                        "target": duty.target_code,
                        "period": judged.label,
                        "required": duty.per_period,
                        "done": done,
                    }
                )
    report.missed.sort(key=lambda m: (m["period"], m["who"], m["target"]))
    return report
