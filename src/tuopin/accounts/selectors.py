"""Scoped reads of users (a manager sees the users whose every area lies inside the manager's scope) and of a user's
own tokens."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from tuopin.accounts.models import Token, User, UserArea
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


def users_listed(actor: User | AnonymousUser, *, query: str = "", limit: int = 500) -> list[User]:
    """users_for whose username or full name contains `query` (all when blank), at most `limit`."""
    users = users_for(actor)
    if query:
        users = users.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
    return list(users[:limit])


def pending_sign_in_user(user_id: int | None) -> User | None:
    """The active user a sign-in waiting for its second factor names (the session holds the id)."""
    return User.objects.filter(pk=user_id, is_active=True).first() if user_id else None


def user_area_codes(user: User) -> list[str]:
    """The codes of the areas a user holds, whether or not it is active (`scope.held_area_codes`, what a user may
    read, is empty for a disabled one). Answered from prefetched `area_links` when they are there."""
    return sorted(link.area_id for link in user.area_links.all())


def tokens_for(user: User | AnonymousUser) -> QuerySet[Token]:
    """The user's own tokens, newest first; nobody lists another user's tokens in the pages."""
    if not user.is_authenticated:
        return Token.objects.none()
    return Token.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")


def token_for(user: User | AnonymousUser, token_id: int) -> Token | None:
    return tokens_for(user).filter(pk=token_id).first()
