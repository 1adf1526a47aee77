"""Template filters of the medical-waste pages: the rules the tabs show, asked of the services, never restated."""

from __future__ import annotations

from typing import Any

from django import template

from tuopin.medwaste.services import may_keep

register = template.Library()


@register.filter(name="may_keep")
def may_keep_filter(user: Any) -> bool:
    """Whether the user opens the keeper's page (services.may_keep)."""
    return bool(getattr(user, "is_authenticated", False)) and may_keep(user)
