"""TOTP second factor (django-otp): who needs it, and enrolment."""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify

import segno
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from tuopin.accounts.models import User


def confirmed_device(user: User) -> TOTPDevice | None:
    device: TOTPDevice | None = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device


def otp_required(user: User) -> bool:
    return user.role in settings.TUOPIN_OTP_REQUIRED_ROLES or confirmed_device(user) is not None


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device a user is enrolling (created on first call, kept until confirmed)."""
    device, _created = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": "TOTP"})
    return device


def base32_secret(device: TOTPDevice) -> str:
    return b32encode(unhexlify(device.key)).decode()


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code, for authenticator apps."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4))
