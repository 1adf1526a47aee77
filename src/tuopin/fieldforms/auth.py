"""Basic auth for ODK Collect on /openrosa/: the username of a user and the password of one of its live devices
(never the sign-in password), over HTTPS only (plain HTTP from loopback for the demo), locked out as a sign-in is
(django-axes counts the failures by username, so a phone guessing and a browser guessing share one limit)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from tuopin.accounts.models import User
from tuopin.accounts.permissions import ACCESS_ATTRIBUTE
from tuopin.fieldforms.models import Device

REALM = "Tuopin"
LOOPBACK = frozenset({"127.0.0.1", "::1"})
View = Callable[..., HttpResponse]
Answer = Callable[[int, str], HttpResponse]  # an OpenRosa response of a status and a message


def transport_allowed(request: HttpRequest) -> bool:
    """A device password travels over HTTPS only; plain HTTP is for the demo on this machine."""
    return request.is_secure() or request.META.get("REMOTE_ADDR", "") in LOOPBACK


def basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    """The username and password of an `Authorization: Basic …` header, or None."""
    scheme, _space, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    return (username[:150], password) if colon else None


def device_authenticate(username: str, password: str) -> Device | None:
    """The live device of an active user whose password this is, its last use stamped; None otherwise. A device
    password starts with its device's id (devices.device_password), so one hash is checked per request, and one
    is checked too when there is no such device, so that the answer takes as long either way."""
    number, dash, _secret = password.partition("-")
    device = None
    if dash and number.startswith("d") and number[1:].isdigit():
        device = (
            Device.objects.select_related("user")
            .filter(
                pk=int(number[1:]), user__username=username, user__is_active=True, revoked_at__isnull=True
            )
            .first()
        )
    if device is None:
        make_password(password)  # the time a check would take
        return None
    if not check_password(password, device.password):
        return None
    device.last_used_at = datetime.now(UTC)
    Device.objects.filter(pk=device.pk).update(last_used_at=device.last_used_at)
    return device


def challenge(answer: Answer) -> HttpResponse:
    response = answer(401, _("请使用采集设备的用户名和设备密码登录。"))
    response["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


def device_required(answer: Answer) -> Callable[[View], View]:
    """Guard an OpenRosa view: set request.user and request.device from Basic auth, or answer (with `answer`, the
    OpenRosa response XML) 403 over plain HTTP from elsewhere, 401 with the challenge, 429 when locked out."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not transport_allowed(request):
                return answer(403, _("设备只能通过 HTTPS 连接服务器。"))
            credentials = basic_credentials(request)
            if credentials is None:
                return challenge(answer)
            username, password = credentials
            if AxesProxyHandler.is_locked(request, {"username": username}):
                return answer(429, _("登录失败次数过多，账号已暂时锁定，请稍后再试。"))
            device = device_authenticate(username, password)
            if device is None:
                # axes counts the failure (and signals the lockout at the limit); the sign-in audit records it.
                user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
                if getattr(request, "axes_locked_out", False):
                    request.axes_locked_out = False  # type: ignore[attr-defined]  # our answer, not axes' page
                    return answer(429, _("登录失败次数过多，账号已暂时锁定，请稍后再试。"))
                return challenge(answer)
            request.user = device.user
            request.device = device  # type: ignore[attr-defined]
            response = view(request, *args, **kwargs)
            # The answers hold the user's scope (names, masked IDs): never kept by a proxy (SECURITY.md B5).
            patch_cache_control(response, no_store=True, private=True)
            return response

        setattr(guarded, ACCESS_ATTRIBUTE, "device")
        return guarded

    return decorate


def request_device(request: HttpRequest) -> tuple[User, Device]:
    """The user and device of a request behind device_required."""
    device: Device = request.device  # type: ignore[attr-defined]
    return device.user, device
