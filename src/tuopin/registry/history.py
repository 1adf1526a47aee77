"""Reading a household's history the way the timeline shows it: field labels and vocabulary labels, not codes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from tuopin.registry.models import Change

ACTION_LABELS = {
    "register": _("建档"),
    "update": _("修改户信息"),
    "move": _("迁移"),
    "member_add": _("增员"),
    "member_update": _("修改成员信息"),
    "member_remove": _("减员"),
    "income_add": _("录入收入"),
    "income_update": _("修改收入"),
    "import": _("导入"),
    "split": _("分户"),
    "split_from": _("分户新立"),
    "merge": _("合户"),
    "merged_into": _("并入他户"),
    "status": _("识别退出程序公告"),
}
# Entries of the split and merge history that are not fields of a model.
EXTRA_LABELS = {
    "members": _("成员"),
    "new_household": _("新户"),
    "from_household": _("原户"),
    "merged_household": _("并入的户"),
}


def _display(model: Any, name: str, value: Any) -> tuple[str, Any]:
    if isinstance(value, list):
        value = "、".join(str(v) for v in value)
    if name in EXTRA_LABELS:
        return str(EXTRA_LABELS[name]), value
    try:
        field = model._meta.get_field(name.removesuffix("_id"))
    except FieldDoesNotExist:
        return name, value
    choices = dict(field.flatchoices) if field.choices else {}
    if isinstance(value, bool):
        value = _("是") if value else _("否")
    return str(field.verbose_name), choices.get(value, value)


def describe(changes: Iterable[Change]) -> list[Change]:
    """Attach `action_label` and `described` [(label, old, new)] to each change for the template."""
    described = []
    for change in changes:
        model = apps.get_model("registry", change.object_type) if change.object_type else None
        rows = []
        for name, (old, new) in change.fields.items():
            label, old_shown = _display(model, name, old) if model else (name, old)
            _label, new_shown = _display(model, name, new) if model else (name, new)
            rows.append((label, old_shown, new_shown))
        change.action_label = str(ACTION_LABELS.get(change.action, change.action))  # type: ignore[attr-defined]
        change.described = rows  # type: ignore[attr-defined]
        described.append(change)
    return described
