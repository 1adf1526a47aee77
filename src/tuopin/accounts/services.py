"""Writes on users and their tokens. Every one checks the actor's right to make it (SECURITY.md A2) and writes its
audit row in the same transaction. `actor=None` means the command line, run by whoever controls the server.

A manager changes only the users it could have created (`selectors.user_may_manage`): that is checked before anything else, on
the target as it is now, and a refusal is audited (outside the write transaction, so the row survives) by
`tuopin.accounts.permissions.write_required`. What the change would make of the target is checked by `_check_grant`,
refused and audited the same way."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tuopin.accounts.models import Token, User, UserArea
from tuopin.accounts.permissions import write_required
from tuopin.accounts.roles import OFFICE_CODE_LENGTH, Role, grantable_roles
from tuopin.accounts.scope import code_in, held_area_codes
from tuopin.accounts.selectors import user_manage_refusal
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


def _refuse_unless(
    actor: User | None, message: str, *, action: str, object_type: str, object_id: str
) -> None:
    """Refuse (one denial row, its reason the message) when there is a `message`, the reason it may not."""
    write_required(
        actor,
        allowed=not message,
        action=action,
        object_type=object_type,
        object_id=object_id,
        message=message,
        details={"reason": message},
    )


def _require_manage(actor: User | None, target: User, action: str) -> None:
    message = user_manage_refusal(actor, target)
    _refuse_unless(actor, message, action=action, object_type="user", object_id=target.username)


def _grant_refusal(actor: User, fields: UserFields, codes: list[str]) -> str:
    """Why `actor` may not give these fields, or "" when it may."""
    if fields.role not in grantable_roles(actor.role, can_manage_users=actor.can_manage_users):
        return _("您不能授予该角色。")
    if fields.can_manage_users and not actor.can("manage_users"):
        return _("您不能授予用户管理权限。")
    own = held_area_codes(actor)
    if not all(code_in(code, own) for code in codes):
        return _("只能在本人管辖范围内分配区划。")
    return ""


def _check_grant(actor: User | None, fields: UserFields, username: str) -> list[Area]:
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
        message = _grant_refusal(actor, fields, codes)
        _refuse_unless(actor, message, action="access.denied", object_type="user", object_id=username)
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
    areas = _check_grant(actor, fields, username)
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
    """Change a user's role, areas, names and status. Disabling a user revokes all its tokens."""
    _require_manage(actor, user, "user.update")
    areas = _check_grant(actor, fields, user.username)
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
    if not user.is_active:
        _tokens_revoke_all(actor, user, reason="disabled")
    return user


def user_set_password(*, actor: User | None, user: User, password: str) -> None:
    """Set a user's password: the user itself, a manager who may manage it, or the command line. Every token of the
    user is revoked with it (its sessions end by themselves: Django's session hash covers the password)."""
    if actor is None or actor.pk != user.pk:
        _require_manage(actor, user, "user.password")
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(action="user.password", actor=actor, object_type="user", object_id=user.username)
        _tokens_revoke_all(actor, user, reason="password")


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


def token_revoke(*, actor: User | None, token: Token) -> Token:
    """Revoke one token: its owner, a manager who may manage the owner, or the command line. A revoked token is
    refused by the API from the next request on (`token_user`)."""
    if actor is None or actor.pk != token.user_id:
        message = user_manage_refusal(actor, token.user)
        _refuse_unless(actor, message, action="token.revoke", object_type="token", object_id=str(token.pk))
    with transaction.atomic():
        locked = Token.objects.select_for_update().select_related("user").get(pk=token.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_("该令牌已撤销。"))
        locked.revoked_at = datetime.now(UTC)
        locked.save(update_fields=["revoked_at"])
        _audit_revoke(actor, locked, reason="revoked")
    return locked


def _tokens_revoke_all(actor: User | None, user: User, *, reason: str) -> None:
    """Inside the caller's transaction: revoke every live token of the user, one audit row each."""
    tokens = list(Token.objects.select_for_update().filter(user=user, revoked_at__isnull=True).order_by("pk"))
    if not tokens:
        return
    now = datetime.now(UTC)
    Token.objects.filter(pk__in=[token.pk for token in tokens]).update(revoked_at=now)
    for token in tokens:
        token.user = user
        _audit_revoke(actor, token, reason=reason)


def _audit_revoke(actor: User | None, token: Token, *, reason: str) -> None:
    details = {"user": token.user.username, "name": token.name, "prefix": token.prefix, "reason": reason}
    audit_record(
        action="token.revoke", actor=actor, object_type="token", object_id=str(token.pk), details=details
    )
