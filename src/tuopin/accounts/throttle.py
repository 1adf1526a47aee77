"""Per-user limits on searches by ID number, reveals of full numbers and exports (SECURITY.md F2), and the one test
of whether a text may hold an ID number, which must then travel in a request body, never in a URL (B5).

The limits are counted from the user's own audit rows: those operations are audited anyway (D1), so the count needs
no cache and no new table, holds across worker processes and machines, and is answered from the audit index
(actor_id, action, at). A refusal is itself audited, under the refused operation's action with the result
"throttled"; it does not count towards the limit, so the user may go on once the oldest counted operation has left
the window. Two requests racing past the check at the same instant may both pass: a brake, not an exact quota.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.audit.models import AuditEvent
from tuopin.audit.services import audit_record

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrOrPromise

    from tuopin.accounts.models import User

THROTTLED = "throttled"  # the audit result of a refusal

# Seventeen digits in a row (spaces and dashes ignored) are an ID number's first seventeen, whatever follows: the
# number itself (18 digits, or 17 and X) or a longer run holding one. Household numbers (a village's 12-digit code
# and a serial of three or four digits) stay below it, and may be in a URL as the household pages' are; so does an
# old 15-digit ID number, which nobody is issued any more.
_SEPARATORS = re.compile(r"[\s\-]")
_LONG_DIGITS = re.compile(r"\d{17,}")


def carries_id_number(text: str) -> bool:
    """Whether a search text may hold an ID number, so that it must not be taken from a URL."""
    return bool(_LONG_DIGITS.search(_SEPARATORS.sub("", text)))


def compact(text: str) -> str:
    """The text without spaces and dashes, upper case: how an ID number typed in groups is searched."""
    return _SEPARATORS.sub("", text).upper()


@dataclass(frozen=True)
class Limit:
    kind: str
    label: StrOrPromise  # what is limited, for the refusal's message
    actions: tuple[str, ...]  # the audit actions counted together
    count_setting: str
    minutes_setting: str

    @property
    def count(self) -> int:
        return int(getattr(settings, self.count_setting))

    @property
    def minutes(self) -> int:
        return int(getattr(settings, self.minutes_setting))


LIMITS = (
    Limit(
        "id_search",
        gettext_lazy("按身份证号查询"),
        ("registry.search_id",),
        "TUOPIN_THROTTLE_ID_SEARCHES",
        "TUOPIN_THROTTLE_ID_SEARCH_MINUTES",
    ),
    Limit(
        "reveal",
        gettext_lazy("查看完整号码"),
        ("registry.reveal", "monitoring.reveal_phone"),
        "TUOPIN_THROTTLE_REVEALS",
        "TUOPIN_THROTTLE_REVEAL_MINUTES",
    ),
    Limit(
        "export",
        gettext_lazy("导出"),
        ("ledger.export", "registry.export", "medwaste.filing.export"),
        "TUOPIN_THROTTLE_EXPORTS",
        "TUOPIN_THROTTLE_EXPORT_MINUTES",
    ),
)
_BY_ACTION = {action: limit for limit in LIMITS for action in limit.actions}


class Throttled(Exception):
    """The user reached a limit; `retry_after` is the number of seconds until the next operation is allowed."""

    def __init__(self, limit: Limit, retry_after: int) -> None:
        super().__init__(f"{limit.kind}: {limit.count} per {limit.minutes} min")
        self.limit = limit
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        return _("%(what)s过于频繁：每%(minutes)s分钟最多%(count)s次，请%(wait)s分钟后再试。") % {
            "what": self.limit.label,
            "minutes": self.limit.minutes,
            "count": self.limit.count,
            "wait": max(1, math.ceil(self.retry_after / 60)),
        }


def throttle_check(
    user: User | AnonymousUser,
    action: str,
    *,
    request: HttpRequest | None = None,
    object_type: str = "",
    object_id: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Call before an operation audited as `action` (one of the LIMITS' actions). When the user already did the
    limit's count of its operations inside the window, audit the refusal and raise Throttled. The caller audits the
    operation itself afterwards, as before."""
    if user.pk is None:  # the limited operations are for signed-in users only; never count the system's rows
        raise ValueError("throttle_check needs a signed-in user")
    limit = _BY_ACTION[action]
    window = timedelta(minutes=limit.minutes)
    now = datetime.now(UTC)
    recent = list(
        AuditEvent.objects.filter(
            actor_id=user.pk, action__in=limit.actions, result="ok", at__gt=now - window
        )
        .order_by("-at")
        .values_list("at", flat=True)[: max(limit.count, 0)]
    )
    if len(recent) < limit.count:
        return
    # The oldest of the counted rows leaves the window first; with a limit of 0 nothing ever does.
    retry_after = (
        math.ceil((recent[-1] + window - now).total_seconds()) if recent else int(window.total_seconds())
    )
    details = {**(details or {}), "limit": limit.count, "minutes": limit.minutes}
    audit_record(
        action=action,
        actor=user,
        request=request,
        object_type=object_type,
        object_id=object_id,
        result=THROTTLED,
        details=details,
    )
    raise Throttled(limit, max(1, retry_after))


def throttled_response(request: HttpRequest, error: Throttled) -> HttpResponse:
    """The page's answer to a refusal: 429 with the message (a fragment for htmx's requests) and Retry-After."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(
            format_html('<span class="text-danger small" data-testid="throttled">{}</span>', error.message),
            status=429,
        )
    else:
        response = render(request, "accounts/throttled.html", {"message": error.message}, status=429)
    response["Retry-After"] = str(error.retry_after)
    response["Cache-Control"] = "no-store"
    return response
