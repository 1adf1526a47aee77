"""Scoped reads of users (a manager sees the users whose every area lies inside the manager's scope) and of a user's
own tokens; whether a manager may change a user (`user_may_manage`, the rule the user services check)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from tuopin.accounts.models import Token, User, UserArea
from tuopin.accounts.roles import Capability, grantable_roles
from tuopin.accounts.scope import area_codes, code_in, held_area_codes, scope_q


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


def user_may_manage(actor: User | None, target: User) -> bool:
    """Whether `actor` may change `target` at all (its role, areas, status, password or tokens): the command line
    may; a manager only when it could grant the target's current role and every area the target holds now lies
    inside the manager's own. Nobody manages itself; a user's own password and tokens have their own paths."""
    if actor is None:
        return True
    if target.pk == actor.pk or not actor.can(Capability.MANAGE_USERS):
        return False
    if target.role not in grantable_roles(actor.role, can_manage_users=actor.can_manage_users):
        return False
    own = held_area_codes(actor)
    codes = user_area_codes(target)  # what it holds even when disabled, where held_area_codes is empty
    return bool(codes) and all(code_in(code, own) for code in codes)


def user_manage_refusal(actor: User | None, target: User) -> str:
    """Why `actor` may not change `target`, or "" when it may."""
    if user_may_manage(actor, target):
        return ""
    if actor is not None and target.pk == actor.pk:
        return _("不能修改自己的角色和区划。")
    return _("您不能修改该用户：其角色或管辖区划超出您可授予的范围。")
