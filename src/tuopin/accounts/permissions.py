"""Deny by default: every view declares who may call it.

`require(capability)` for signed-in users holding a capability, `signed_in` for any signed-in user, `public` for the
few pages anyone may open (sign-in, health check, language switch). A test walks the URL resolver and fails on a
view without one of these marks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from tuopin.audit.services import audit_record

T = TypeVar("T")
View = Callable[..., HttpResponse]
ACCESS_ATTRIBUTE = "tuopin_access"


def _mark(view: View, access: str) -> View:
    setattr(view, ACCESS_ATTRIBUTE, access)
    return view


def public(view: View) -> View:
    return _mark(view, "public")


def require(capability: str | None = None) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if capability is not None and not user.can(capability):
                raise PermissionDenied(f"needs {capability}")
            return view(request, *args, **kwargs)

        return _mark(guarded, capability or "signed_in")

    return decorate


signed_in = require(None)


def get_in_scope_or_404(request: HttpRequest, lookup: Callable[[], T | None], *, what: str, key: str) -> T:
    """Return the object a scoped selector found, or audit the denial and answer 404 (never reveal existence)."""
    found = lookup()
    if found is None:
        audit_record(
            action="access.not_found", request=request, object_type=what, object_id=key[:64], result="denied"
        )
        raise Http404
    return found
