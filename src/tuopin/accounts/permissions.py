"""Deny by default: every view declares who may call it, and every write checks who may make it.

`require(capability)` for signed-in users holding a capability, `signed_in` for any signed-in user, `public` for the
few pages anyone may open (sign-in, health check, language switch). A test walks the URL resolver and fails on a
view without one of these marks.

`write_required` is THE check of a write, for every service (and the few views that refuse a write themselves):
the command line (actor None) may; a user when `can_write` (the write capability and every area code in scope), or
when the caller's own rule says so (`allowed`: the office of a step, a unit's own rows). A refusal writes one denial
row and raises `WriteRefused`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from tuopin.accounts.roles import Capability
from tuopin.accounts.scope import in_scope
from tuopin.audit.models import AuditEvent
from tuopin.audit.services import audit_record

if TYPE_CHECKING:
    from tuopin.accounts.models import User

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


def signed_in_user(request: HttpRequest) -> User:
    """The request's user in a view behind @require or @signed_in: a User (the decorator sent anyone else to the
    sign-in page), typed as one."""
    from tuopin.accounts.models import User

    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("not signed in")
    return user


def get_in_scope_or_404(request: HttpRequest, lookup: Callable[[], T | None], *, what: str, key: str) -> T:
    """Return the object a scoped selector found, or audit the denial and answer 404 (never reveal existence)."""
    found = lookup()
    if found is None:
        audit_record(
            action="access.not_found", request=request, object_type=what, object_id=key[:64], result="denied"
        )
        raise Http404
    return found


class WriteRefused(PermissionDenied):
    """THE refusal of a write. Its one denial row is written where it is raised, before the write's transaction
    opens, so the row survives the rollback; the account middleware and the API write no row of their own for it
    (`record` writes it again only when a transaction around the refused write rolled it back)."""

    def __init__(self, message: str, **row: Any) -> None:
        super().__init__(message)
        self.row = row
        self.hash = ""

    def record(self, request: HttpRequest | None = None) -> None:
        """Write the denial row unless the log holds it already."""
        if self.hash and AuditEvent.objects.filter(hash=self.hash).exists():
            return
        self.hash = audit_record(request=request, result="denied", **self.row).hash


def can_write(actor: User | None, *area_codes: str) -> bool:
    """THE rule of a write: the command line (None) may; a user holding the write capability inside its scope."""
    return actor is None or (
        actor.can(Capability.WRITE) and all(in_scope(actor, code) for code in area_codes)
    )


def write_required(
    actor: User | None,
    *,
    area_codes: Iterable[str] = (),
    allowed: bool | None = None,
    action: str = "access.denied",
    object_type: str,
    object_id: str = "",
    message: str,
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Return when `actor` may make the write, else refuse it: one audit row (`action`, result "denied", the object)
    and WriteRefused(`message`).

    `allowed` is the caller's own rule when it has one (computed from `can_write` and its own conditions); without
    it the rule is `can_write(actor, *area_codes)`. Call it before the write's transaction opens, or its row is
    rolled back with the write (the middleware and the API then write it again)."""
    if actor is None or (can_write(actor, *area_codes) if allowed is None else allowed):
        return
    refusal = WriteRefused(
        message,
        action=action,
        actor=actor,
        object_type=object_type,
        object_id=object_id[:64],
        details=details or {},
    )
    refusal.record(request)
    raise refusal
