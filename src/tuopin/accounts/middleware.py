"""Per-request account state: the absolute session limit and the active area scope."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from tuopin.accounts.permissions import WriteRefused
from tuopin.accounts.scope import ACTIVE_SCOPE_SESSION_KEY
from tuopin.audit.services import audit_record

SIGNED_IN_AT_SESSION_KEY = "tuopin_signed_in_at"


class AccountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT_SESSION_KEY, 0)
            if time.time() - signed_in_at > settings.TUOPIN_SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("登录已超过最长时限，请重新登录。"))
                return redirect(settings.LOGIN_URL)
            user.active_area_code = request.session.get(ACTIVE_SCOPE_SESSION_KEY, "")
        response = self.get_response(request)
        if user.is_authenticated:
            # Signed-in pages may hold personal data: never kept by the browser or a proxy (SECURITY.md B5).
            patch_cache_control(response, no_store=True, private=True)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        """Every refusal leaves one audit row. A refused write (WriteRefused) wrote its own where it was refused:
        it is written here again only if a transaction around the write rolled it back. Any other refusal (a view's
        gate) is audited here, after the refused operation's transaction has rolled back, so the row survives."""
        if isinstance(exception, WriteRefused):
            exception.record(request)
        elif isinstance(exception, PermissionDenied):
            audit_record(
                action="access.denied",
                request=request,
                object_type="view",
                object_id=request.path[:64],
                result="denied",
                details={"reason": str(exception)} if str(exception) else {},
            )
