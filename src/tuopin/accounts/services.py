"""Writes on users. Every one checks the actor's right to make it (SECURITY.md A2) and writes its audit row in
the same transaction. `actor=None` means the command line, run by whoever controls the server."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tuopin.accounts.models import Token, User, UserArea
from tuopin.accounts.roles import OFFICE_CODE_LENGTH, Role, grantable_roles
from tuopin.accounts.scope import code_in, held_area_codes
from tuopin.areas.models import Area
from tuopin.audit.services import audit_record


@dataclass(frozen=True)
class UserFields:
    role: str
    area_codes: Sequence[str]
    full_name: str = ""
    organisation: str = ""
    can_manage_users: bool = False
    is_active: bool = True


def _check_grant(actor: User | None, target: User | None, fields: UserFields) -> list[Area]:
    if fields.role not in Role.values:
        raise ValidationError(_("未知角色：%(role)s") % {"role": fields.role})
    codes = sorted(set(fields.area_codes))
    if not codes:
        raise ValidationError(_("至少指定一个管辖区划。"))
    areas = list(Area.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {a.code for a in areas})
    if missing:
        raise ValidationError(_("区划代码不存在：%(codes)s") % {"codes": ", ".join(missing)})
    length = OFFICE_CODE_LENGTH.get(Role(fields.role))
    if length is not None and any(len(code) != length for code in codes):
        raise ValidationError(_("该角色的管辖区划必须是%(digits)s位代码。") % {"digits": length})
    if actor is not None:
        if fields.role not in grantable_roles(actor.role, can_manage_users=actor.can_manage_users):
            raise PermissionDenied(_("您不能授予该角色。"))
        if fields.can_manage_users and not actor.can("manage_users"):
            raise PermissionDenied(_("您不能授予用户管理权限。"))
        own = held_area_codes(actor)
        if not all(code_in(code, own) for code in codes):
            raise PermissionDenied(_("只能在本人管辖范围内分配区划。"))
        if target is not None and target.pk == actor.pk:
            raise PermissionDenied(_("不能修改自己的角色和区划。"))
        if target is not None and not all(code_in(code, own) for code in held_area_codes(target)):
            raise PermissionDenied(_("该用户不在您的管辖范围内。"))
    return areas


def _snapshot(user: User) -> dict[str, object]:
    return {
        "role": user.role,
        "areas": sorted(user.area_links.values_list("area_id", flat=True)),
        "full_name": user.full_name,
        "organisation": user.organisation,
        "can_manage_users": user.can_manage_users,
        "is_active": user.is_active,
    }


def user_create(*, actor: User | None, username: str, password: str, fields: UserFields) -> User:
    areas = _check_grant(actor, None, fields)  # a refusal is audited by AccountMiddleware
    with transaction.atomic():
        return _create(actor, username, password, fields, areas)


def _create(actor: User | None, username: str, password: str, fields: UserFields, areas: list[Area]) -> User:
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("用户名已存在：%(name)s") % {"name": username})
    user = User(
        username=username,
        role=fields.role,
        full_name=fields.full_name,
        organisation=fields.organisation,
        can_manage_users=fields.can_manage_users,
        is_active=fields.is_active,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    UserArea.objects.bulk_create(UserArea(user=user, area=area) for area in areas)
    audit_record(
        action="user.create",
        actor=actor,
        object_type="user",
        object_id=username,
        details={"new": _snapshot(user)},
    )
    return user


def user_update(*, actor: User | None, user: User, fields: UserFields) -> User:
    areas = _check_grant(actor, user, fields)
    with transaction.atomic():
        return _update(actor, user, fields, areas)


def _update(actor: User | None, user: User, fields: UserFields, areas: list[Area]) -> User:
    old = _snapshot(user)
    user.role = fields.role
    user.full_name = fields.full_name
    user.organisation = fields.organisation
    user.can_manage_users = fields.can_manage_users
    user.is_active = fields.is_active
    user.save()
    UserArea.objects.filter(user=user).exclude(area__in=areas).delete()
    UserArea.objects.bulk_create((UserArea(user=user, area=area) for area in areas), ignore_conflicts=True)
    new = _snapshot(user)
    changed = {key for key in new if new[key] != old[key]}
    if changed:
        audit_record(
            action="user.update",
            actor=actor,
            object_type="user",
            object_id=user.username,
            details={"old": {k: old[k] for k in changed}, "new": {k: new[k] for k in changed}},
        )
    return user


@transaction.atomic
def user_set_password(*, actor: User | None, user: User, password: str) -> None:
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(action="user.password", actor=actor, object_type="user", object_id=user.username)


def token_create(*, user: User, name: str) -> str:
    """Create a personal access token; returns the token itself, which is shown once and never stored."""
    raw = "tp_" + secrets.token_urlsafe(32)
    Token.objects.create(user=user, name=name[:60], digest=token_digest(raw), prefix=raw[:8])
    audit_record(
        action="token.create", actor=None, object_type="user", object_id=user.username, details={"name": name}
    )
    return raw


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_user(raw: str) -> User | None:
    """The active user a token acts as, or None for an unknown, revoked or disabled one."""
    token = (
        Token.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    Token.objects.filter(pk=token.pk).update(last_used_at=datetime.now(UTC))
    return token.user
