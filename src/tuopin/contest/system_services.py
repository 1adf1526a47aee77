"""Writes on indicator systems and entered values. Every save of a system is a new immutable SystemVersion with a
note (the history); a version is validated whole by tuopin.contest.systems (every problem at once) before anything is
written. A province office creates systems of its own province (new, or a copy of one it may read) and adds versions
to them; shipped systems are never edited. Entered values are written by the ledger `contest_values`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tuopin.accounts.permissions import write_required
from tuopin.audit.services import audit_record
from tuopin.contest.models import EnteredValue, IndicatorSystem, SystemVersion
from tuopin.contest.system_selectors import edit_province, may_edit_system
from tuopin.contest.systems import KEY, definition_problems
from tuopin.core.errors import StaleEdit

if TYPE_CHECKING:
    from tuopin.accounts.models import User

LEVELS = ("county", "township", "city", "village")


def _name(actor: User | None) -> str:
    return actor.username if actor is not None else "system"


def _checked(definition: Any, source: str, note: str) -> None:
    problems: dict[str, list[str]] = {}
    found = definition_problems(definition)
    if found:
        problems["definition"] = found
    if not source.strip():
        problems["source"] = [_("请填写依据（文件名称、文号或出处）。")]
    if not note.strip():
        problems["note"] = [_("请写明修改说明。")]
    if problems:
        raise ValidationError(problems)


def system_create(
    *,
    actor: User | None,
    key: str,
    name: str,
    level: str,
    definition: Any,
    source: str,
    note: str,
    owner: str | None = None,
) -> SystemVersion:
    """A new system of the actor's province (a province office; the command line names the owner) with its first
    version."""
    province = owner if actor is None else edit_province(actor)
    write_required(
        actor,
        allowed=bool(province),
        action="contest.system",
        object_type="indicator_system",
        object_id=key,
        message=_("只有省级部门可以维护本省的指标体系。"),
    )
    problems: dict[str, list[str]] = {}
    if not KEY.match(key):
        problems["key"] = [_("代码应以小写字母开头，只含小写字母、数字和下划线。")]
    elif IndicatorSystem.objects.filter(key=key).exists():
        problems["key"] = [_("已有代码为 %(key)s 的指标体系。") % {"key": key}]
    if not name.strip():
        problems["name"] = [_("请填写名称。")]
    if level not in LEVELS:
        problems["level"] = [_("请选择考核对象层级。")]
    try:
        _checked(definition, source, note)
    except ValidationError as error:
        problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        system = IndicatorSystem.objects.create(
            key=key, name=name.strip()[:100], level=level, owner_id=province or None
        )
        version = SystemVersion.objects.create(
            system=system,
            version=1,
            definition=definition,
            source=source.strip()[:300],
            note=note.strip()[:300],
            created_by=_name(actor),
        )
        audit_record(
            action="contest.system",
            actor=actor,
            object_type="indicator_system",
            object_id=key,
            area=province or "",
            details={"version": 1, "note": note.strip()[:100]},
        )
    return version


def system_version_add(
    *, actor: User | None, system: IndicatorSystem, definition: Any, source: str, note: str, based_on: int
) -> SystemVersion:
    """Save an edit as the system's next version. `based_on` is the version the edit started from: when another
    version was saved meanwhile the edit is refused (StaleEdit) rather than silently overwriting it."""
    write_required(
        actor,
        allowed=may_edit_system(actor, system),
        action="contest.system",
        object_type="indicator_system",
        object_id=system.key,
        message=_("只有本省的省级部门可以修改该指标体系；系统内置的体系请复制后修改。"),
    )
    _checked(definition, source, note)
    with transaction.atomic():
        latest = SystemVersion.objects.select_for_update().filter(system=system).order_by("-version").first()
        number = latest.version if latest is not None else 0
        if number != based_on:
            raise StaleEdit(_("该指标体系已被他人修改（当前版本 %(n)s），请刷新后重试。") % {"n": number})
        try:
            version = SystemVersion.objects.create(
                system=system,
                version=number + 1,
                definition=definition,
                source=source.strip()[:300],
                note=note.strip()[:300],
                created_by=_name(actor),
            )
        except IntegrityError:  # a concurrent save took the number
            raise StaleEdit(_("该指标体系已被他人修改，请刷新后重试。")) from None
        audit_record(
            action="contest.system",
            actor=actor,
            object_type="indicator_system",
            object_id=system.key,
            area=system.owner_id or "",
            details={"version": version.version, "note": note.strip()[:100]},
        )
    return version


@dataclass(frozen=True)
class Entered:
    system: IndicatorSystem
    indicator: str
    area: str
    year: int
    value: Decimal
    source: str


def entered_values_set(*, actor: User | None, values: list[Entered]) -> int:
    """Write entered values (a value of the same system, indicator, area and year is replaced), in one transaction
    with one audit row; the ledger `contest_values` has checked each row and the actor's scope."""
    write_required(
        actor,
        area_codes=sorted({v.area for v in values}),
        action="contest.entered",
        object_type="entered_value",
        message=_("您无权录入这些区划的指标值。"),
    )
    created = replaced = 0
    with transaction.atomic():
        for value in values:
            _row, made = EnteredValue.objects.update_or_create(
                system=value.system,
                indicator=value.indicator,
                area_id=value.area,
                year=value.year,
                defaults={"value": value.value, "source": value.source[:200], "entered_by": _name(actor)},
            )
            created += made
            replaced += not made
        audit_record(
            action="contest.entered",
            actor=actor,
            object_type="entered_value",
            object_id=",".join(sorted({v.system.key for v in values}))[:64],
            details={"created": created, "replaced": replaced},
        )
    return created + replaced
