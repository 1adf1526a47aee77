"""Writing policy values: validated, versioned (a stale edit is refused), every change kept and audited.

Who may write: the system (CLI, actor None) and administrators any profile; a province-level office with write
permission its own province's overrides. Nobody else: a county cannot change the line its households are judged by."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tuopin.accounts.permissions import write_required
from tuopin.administration.policy_selectors import may_edit
from tuopin.areas.models import Area
from tuopin.audit.services import audit_record
from tuopin.core.errors import StaleEdit
from tuopin.policy.keys import KEYS, parse_value
from tuopin.policy.models import PolicyChange, PolicyValue

if TYPE_CHECKING:
    from tuopin.accounts.models import User

FIRST_YEAR, LAST_YEAR = 2000, 2100


def policy_set(
    *,
    actor: User | None,
    key: str,
    year: int,
    value: str,
    source: str,
    province: str = "",
    note: str = "",
    version: int | None = None,
) -> PolicyValue:
    """Set `key` from `year` on in the national profile (province "") or a province's overrides.

    `version` is the version the editor saw (None: a new row, or the CLI, which always writes the latest)."""
    source, note = source.strip(), note.strip()
    problems: dict[str, list[str]] = {}
    canonical = ""
    if key not in KEYS:
        problems["key"] = [_("未知的政策参数：%(key)s") % {"key": key}]
    else:
        try:
            canonical = parse_value(key, value)
        except ValidationError as error:
            problems["value"] = error.messages
    if not FIRST_YEAR <= year <= LAST_YEAR:
        problems["year"] = [_("年度应在%(first)s到%(last)s之间。") % {"first": FIRST_YEAR, "last": LAST_YEAR}]
    if not source:
        problems["source"] = [_("请注明依据（文件、文号或出处）。")]
    if province and not Area.objects.filter(code=province, level="province").exists():
        problems["province"] = [_("省份代码不存在：%(code)s") % {"code": province}]
    if problems:
        raise ValidationError(problems)
    write_required(
        actor,
        allowed=may_edit(actor, province),
        action="policy.set",
        object_type="policy",
        object_id=f"{province or 'national'}:{key}",
        message=_("无权修改该政策参数。"),
    )
    with transaction.atomic():
        return _write(actor, key, year, canonical, source, province, note, version)


def _write(
    actor: User | None,
    key: str,
    year: int,
    canonical: str,
    source: str,
    province: str,
    note: str,
    version: int | None,
) -> PolicyValue:
    row = PolicyValue.objects.select_for_update().filter(key=key, province=province, year=year).first()
    name = actor.get_username() if actor else "system"
    if row is None:
        if version:
            raise StaleEdit(_("该记录已被他人修改，请刷新后重试。"))
        row = PolicyValue.objects.create(
            key=key, province=province, year=year, value=canonical, source=source, note=note, changed_by=name
        )
        old_value = old_source = ""
    else:
        if version is not None and version != row.version:
            raise StaleEdit(_("该记录已被他人修改，请刷新后重试。"))
        if (row.value, row.source, row.note) == (canonical, source, note):
            return row
        old_value, old_source = row.value, row.source
        row.value, row.source, row.note = canonical, source, note
        row.version += 1
        row.changed_by = name
        row.save()
    PolicyChange.objects.create(
        policy_value=row,
        actor=actor,
        actor_name=name,
        old_value=old_value,
        new_value=canonical,
        old_source=old_source,
        new_source=row.source,
        note=row.note,
    )
    audit_record(
        action="policy.set",
        actor=actor,
        object_type="policy",
        object_id=f"{province or 'national'}:{key}:{year}",
        area=province,
        details={"key": key, "year": year, "old": old_value, "new": canonical},
    )
    return row
