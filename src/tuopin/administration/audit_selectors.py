from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from tuopin.accounts.roles import Role
from tuopin.accounts.scope import scope_q
from tuopin.audit.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User


def audit_events_for(
    user: User | AnonymousUser,
    *,
    actor: str = "",
    action: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """Events whose area lies in the user's scope; the system administrator also sees system-wide events."""
    events = AuditEvent.objects.all()
    if getattr(user, "role", None) != Role.ADMIN:
        events = events.filter(scope_q(user, "area"))
    if actor:
        events = events.filter(actor__icontains=actor)
    if action:
        events = events.filter(action__prefix=action)
    if since:
        events = events.filter(at__date__gte=since)
    if until:
        events = events.filter(at__date__lte=until)
    return events.order_by("-seq")
