"""Device credentials: made for a user by itself, by a manager who may manage it, or by the command line; the
password is returned once and only its hash is kept; revoking one locks out that phone and nothing else."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.accounts.permissions import write_required
from tuopin.accounts.selectors import user_manage_refusal
from tuopin.audit.services import audit_record
from tuopin.fieldforms.models import Device

PASSWORD_BYTES = 18  # 24 characters of URL-safe base64: typed rarely (the QR code carries it), guessed never


def device_password(device: Device) -> str:
    """A new password for a device: its id (so that one hash is checked per request) and a random secret."""
    return f"d{device.pk}-{secrets.token_urlsafe(PASSWORD_BYTES)}"


def _may_act_for(actor: User | None, user: User) -> str:
    """Why `actor` may not handle `user`'s devices, or "" when it may (itself, or a user it may manage)."""
    if actor is None or actor.pk == user.pk:
        return ""
    return user_manage_refusal(actor, user)


def device_create(*, actor: User | None, user: User, label: str) -> tuple[Device, str]:
    """A new device credential for `user`; returns it and its password, shown once and never stored."""
    label = label.strip()[:60]
    if not label:
        raise ValidationError({"label": _("请填写设备名称。")})
    message = _may_act_for(actor, user)
    write_required(
        actor,
        allowed=not message,
        action="fieldforms.device_create",
        object_type="user",
        object_id=user.username,
        message=message,
        details={"reason": message},
    )
    with transaction.atomic():
        device = Device.objects.create(
            user=user,
            label=label,
            password=make_password(None),
            created_by=actor.username if actor is not None else "cli",
        )
        password = device_password(device)
        device.password = make_password(password)
        device.save(update_fields=["password"])
        audit_record(
            action="fieldforms.device_create",
            actor=actor,
            object_type="device",
            object_id=str(device.pk),
            details={"user": user.username, "label": label},
        )
    return device, password


def device_revoke(*, actor: User | None, device: Device) -> Device:
    """Revoke a device credential: from its next request on, the phone is refused (401)."""
    message = _may_act_for(actor, device.user)
    write_required(
        actor,
        allowed=not message,
        action="fieldforms.device_revoke",
        object_type="device",
        object_id=str(device.pk),
        message=message,
        details={"reason": message},
    )
    with transaction.atomic():
        locked = Device.objects.select_for_update().select_related("user").get(pk=device.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_("该设备已撤销。"))
        locked.revoked_at = datetime.now(UTC)
        locked.revoked_by = actor.username if actor is not None else "cli"
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            action="fieldforms.device_revoke",
            actor=actor,
            object_type="device",
            object_id=str(locked.pk),
            details={"user": locked.user.username, "label": locked.label},
        )
    return locked


def devices_of(user: User) -> list[Device]:
    """A user's own devices, live first, newest first."""
    return sorted(
        Device.objects.filter(user=user).order_by("-created_at", "-pk"),
        key=lambda device: device.revoked_at is not None,
    )


def device_of(user: User, device_id: int) -> Device | None:
    """One of the user's own devices, or None (someone else's is not found)."""
    return Device.objects.select_related("user").filter(user=user, pk=device_id).first()
