"""Who may upload a department's file: offices of a province, city or county (and administrators) that may write.
Townships and villages work from the alerts the feeds raise, not from the files."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuopin.accounts.roles import Capability, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User

UPLOAD_ROLES = frozenset({Role.ADMIN, Role.PROVINCE, Role.CITY, Role.COUNTY})


def can_upload(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.role in UPLOAD_ROLES and user.can(Capability.WRITE))
