"""Audit rows for sign-in events, received from django.contrib.auth and django-axes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from tuopin.audit.services import audit_record

if TYPE_CHECKING:
    from tuopin.accounts.models import User


def _area_of(username: str) -> str:
    """Failed sign-ins are filed under the named account's areas, so its own offices can see them."""
    from tuopin.accounts.models import User
    from tuopin.accounts.scope import held_area_codes

    user = User.objects.filter(username=username).first()
    return ",".join(held_area_codes(user)) if user is not None else ""


@receiver(user_logged_in, dispatch_uid="tuopin.audit.login")
def _logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(
        action="auth.login", actor=user, request=request, object_type="user", object_id=user.username
    )


@receiver(user_logged_out, dispatch_uid="tuopin.audit.logout")
def _logged_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            action="auth.logout", actor=user, request=request, object_type="user", object_id=user.username
        )


@receiver(user_login_failed, dispatch_uid="tuopin.audit.login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action="auth.login_failed",
        request=request,
        username=username,
        object_type="user",
        object_id=username,
        result="failed",
        area=_area_of(username),
    )


@receiver(user_locked_out, dispatch_uid="tuopin.audit.lockout")
def _locked_out(sender: Any, request: HttpRequest, username: str | None, **kwargs: Any) -> None:
    audit_record(
        action="auth.lockout",
        request=request,
        username=username or "",
        object_type="user",
        object_id=(username or "")[:64],
        result="denied",
        area=_area_of(username or ""),
    )
