"""Reads for the policy pages that concern the division tree: the provinces a profile may belong to. Not scoped:
policy profiles are public to every signed-in user (tuopin.policy.selectors). And who may change a profile
(`may_edit`, the rule policy_set checks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuopin.accounts.roles import Capability, Role
from tuopin.accounts.scope import held_area_codes
from tuopin.areas.models import Area

if TYPE_CHECKING:
    from tuopin.accounts.models import User


def province_names() -> dict[str, str]:
    """Every province's name by code."""
    return dict(Area.objects.filter(level="province").values_list("code", "name"))


def may_edit(user: User | None, province: str) -> bool:
    if user is None:
        return True
    if not user.is_active:
        return False
    if user.role == Role.ADMIN:
        return True
    return (
        bool(province)
        and user.role == Role.PROVINCE
        and user.can(Capability.WRITE)
        and (province in held_area_codes(user))
    )
