"""Roles, what each may do, and which area level each role's areas must have."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tuopin.areas.codes import LENGTH_OF_LEVEL, LEVELS


class Role(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇")
    VILLAGE = "village", _("村级(驻村工作队)")
    UNIT = "unit", _("帮扶单位")
    INSPECTOR = "inspector", _("督查/审计(只读)")
    JUDGE = "judge", _("擂台赛评委")
    HEALTH = "health", _("卫健/生态环境部门")
    KEEPER = "keeper", _("周转点管理员")
    FACILITY = "facility", _("医疗机构")
    ADMIN = "admin", _("系统管理员")


class Capability(models.TextChoices):
    READ = "read", _("查看")
    WRITE = "write", _("录入和修改")
    MANAGE_USERS = "manage_users", _("管理用户")
    AUDIT = "audit", _("查看审计日志")
    REVEAL = "reveal", _("查看完整身份证号")
    MEDWASTE = "medwaste", _("查看医疗废物台账")


# Office roles by depth in the division tree (each named after its level); a manager grants only roles at its own
# depth or below.
OFFICE_DEPTH = {Role(level): depth for depth, level in enumerate(LEVELS, start=1)}
# The area code length each office role's areas must have; other roles take areas of any level.
OFFICE_CODE_LENGTH = {Role(level): LENGTH_OF_LEVEL[level] for level in LEVELS}

# The medical-waste ledger has a capability of its own: the offices and inspectors hold it with READ; the three
# medical-waste roles hold it alone, so they open no other ledger of their area (every other page requires READ).
# A health or environment office reads the ledger of its areas; a transfer point's keeper and a facility's user read
# (and the keeper records) only at the places they are linked to (tuopin.medwaste.models.PlaceMember).
MEDWASTE_ROLES = (Role.HEALTH, Role.KEEPER, Role.FACILITY)

_ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {Capability.READ, Capability.WRITE, Capability.MANAGE_USERS, Capability.AUDIT, Capability.MEDWASTE}
    ),
    Role.PROVINCE: frozenset({Capability.READ, Capability.WRITE, Capability.AUDIT, Capability.MEDWASTE}),
    Role.CITY: frozenset({Capability.READ, Capability.WRITE, Capability.AUDIT, Capability.MEDWASTE}),
    Role.COUNTY: frozenset(
        {Capability.READ, Capability.WRITE, Capability.AUDIT, Capability.REVEAL, Capability.MEDWASTE}
    ),
    Role.TOWNSHIP: frozenset({Capability.READ, Capability.WRITE, Capability.REVEAL, Capability.MEDWASTE}),
    Role.VILLAGE: frozenset({Capability.READ, Capability.WRITE, Capability.REVEAL}),
    Role.UNIT: frozenset({Capability.READ}),
    Role.INSPECTOR: frozenset({Capability.READ, Capability.AUDIT, Capability.MEDWASTE}),
    Role.HEALTH: frozenset({Capability.MEDWASTE}),
    Role.KEEPER: frozenset({Capability.MEDWASTE}),
    Role.FACILITY: frozenset({Capability.MEDWASTE}),
    # A judge-only account reads the rounds it judges and nothing of any area: its scope is empty
    # (scope.held_area_codes), whatever area it was registered under (which says only who manages it).
    Role.JUDGE: frozenset({Capability.READ}),
}


def role_capabilities(role: str, *, can_manage_users: bool) -> frozenset[str]:
    caps = _ROLE_CAPABILITIES.get(role, frozenset())
    if can_manage_users and role in OFFICE_DEPTH:
        caps = caps | {Capability.MANAGE_USERS}
    return caps


def grantable_roles(role: str, *, can_manage_users: bool) -> list[str]:
    """Roles a user may give to others: admin any; an office manager its own depth or below, units, inspectors."""
    if role == Role.ADMIN:
        return list(Role.values)
    if not can_manage_users or role not in OFFICE_DEPTH:
        return []
    depth = OFFICE_DEPTH[Role(role)]
    offices = [r.value for r, d in OFFICE_DEPTH.items() if d >= depth]
    return [
        *offices,
        Role.UNIT.value,
        Role.INSPECTOR.value,
        Role.JUDGE.value,
        *(r.value for r in MEDWASTE_ROLES),
    ]
