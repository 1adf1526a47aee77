"""Scoped reads of users: a manager sees the users whose every area lies inside the manager's scope."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from tuopin.accounts.models import User, UserArea
from tuopin.accounts.scope import area_codes, scope_q


def users_for(actor: User | AnonymousUser) -> QuerySet[User]:
    if not area_codes(actor):
        return User.objects.none()
    outside = UserArea.objects.filter(user=OuterRef("pk")).exclude(scope_q(actor, "area__code"))
    inside = UserArea.objects.filter(scope_q(actor, "area__code"), user=OuterRef("pk"))
    return (
        User.objects.filter(Exists(inside))
        .exclude(Exists(outside))
        .prefetch_related(Prefetch("area_links", queryset=UserArea.objects.select_related("area")))
        .order_by("username")
    )


def user_for(actor: User | AnonymousUser, user_id: int) -> User | None:
    return users_for(actor).filter(pk=user_id).first()
