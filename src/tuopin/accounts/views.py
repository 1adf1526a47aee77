from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from tuopin.accounts import otp
from tuopin.accounts.forms import TokenForm, UserForm
from tuopin.accounts.middleware import SIGNED_IN_AT_SESSION_KEY
from tuopin.accounts.models import User
from tuopin.accounts.permissions import get_in_scope_or_404, public, require, signed_in
from tuopin.accounts.roles import Capability, grantable_roles
from tuopin.accounts.scope import ACTIVE_SCOPE_SESSION_KEY, held_area_codes
from tuopin.accounts.selectors import (
    pending_sign_in_user,
    token_for,
    tokens_for,
    user_area_codes,
    user_for,
    user_manage_refusal,
    user_may_manage,
    users_listed,
)
from tuopin.accounts.services import UserFields, token_revoke, user_create, user_update

PENDING_USER_KEY = "tuopin_pending_user"
PENDING_NEXT_KEY = "tuopin_pending_next"


def locked_out(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes calls this for every request of a locked-out username."""
    return render(request, "accounts/locked_out.html", status=429)


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _complete_login(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SIGNED_IN_AT_SESSION_KEY] = time.time()
    return redirect(_safe_next(request, next_url))


@public
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next", "")
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if not otp.otp_required(user):
            return _complete_login(request, user, next_url)
        request.session.cycle_key()
        request.session[PENDING_USER_KEY] = user.pk
        request.session[PENDING_NEXT_KEY] = next_url
        return redirect("accounts:login_verify")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@public
@never_cache
def login_verify(request: HttpRequest) -> HttpResponse:
    """Second step: a TOTP code from a confirmed device, or enrolment of a first device where one is required."""
    pending = request.session.get(PENDING_USER_KEY)
    user = pending_sign_in_user(pending)
    if user is None:
        return redirect("accounts:login")
    confirmed = otp.confirmed_device(user)
    enrolling = confirmed is None
    device = otp.pending_device(user) if confirmed is None else confirmed
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            next_url = request.session.pop(PENDING_NEXT_KEY, "")
            request.session.pop(PENDING_USER_KEY, None)
            response = _complete_login(request, user, next_url)
            otp_login(request, device)
            return response
        # A wrong code counts as a failed sign-in: audited, and towards the lockout.
        user_login_failed.send(sender=__name__, credentials={"username": user.username}, request=request)
        form.add_error("token", _("验证码不正确。"))
    context = {"form": form, "enrolling": enrolling, "username": user.username}
    if enrolling:
        context.update(secret=otp.base32_secret(device), qr=otp.qr_svg(device))
    return render(request, "accounts/login_verify.html", context)


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@signed_in
@never_cache
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Any user may add a second factor; once confirmed it is asked at every sign-in."""
    user: User = request.user  # type: ignore[assignment]
    if otp.confirmed_device(user) is not None:
        return render(request, "accounts/otp_setup.html", {"done": True})
    device = otp.pending_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            from tuopin.audit.services import audit_record

            audit_record(
                action="user.otp_enrol", request=request, object_type="user", object_id=user.username
            )
            messages.success(request, _("已启用动态验证码。"))
            return redirect("accounts:otp_setup")
        form.add_error("token", _("验证码不正确。"))
    context = {"form": form, "secret": otp.base32_secret(device), "qr": otp.qr_svg(device)}
    return render(request, "accounts/otp_setup.html", context)


@signed_in
@require_POST
def scope_switch(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("code", "")
    if code and code not in held_area_codes(request.user):
        raise PermissionDenied
    request.session[ACTIVE_SCOPE_SESSION_KEY] = code
    return redirect(_safe_next(request, request.POST.get("next", "")))


@require(Capability.MANAGE_USERS)
def user_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    query = request.GET.get("q", "").strip()
    shown = users_listed(actor, query=query, limit=500)
    manageable = {user.pk for user in shown if user_may_manage(actor, user)}
    return render(request, "accounts/user_list.html", {"users": shown, "manageable": manageable, "q": query})


def _actor(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _fields(form: UserForm) -> UserFields:
    data = form.cleaned_data
    return UserFields(
        role=data["role"],
        area_codes=data["area_codes"],
        full_name=data["full_name"],
        organisation=data["organisation"],
        can_manage_users=data["can_manage_users"],
        is_active=data["is_active"],
    )


def _save_user(request: HttpRequest, form: UserForm, target: User | None) -> HttpResponse | None:
    actor = _actor(request)
    try:
        if target is None:
            user_create(
                actor=actor,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                fields=_fields(form),
            )
        else:
            user_update(actor=actor, user=target, fields=_fields(form))
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return None
    messages.success(request, _("已保存。"))
    return redirect("accounts:user_list")


@require(Capability.MANAGE_USERS)
def user_create_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    grantable = grantable_roles(actor.role, can_manage_users=actor.can_manage_users)
    form = UserForm(request.POST or None, grantable=grantable)
    if request.method == "POST" and form.is_valid():
        done = _save_user(request, form, None)
        if done is not None:
            return done
    return render(request, "accounts/user_form.html", {"form": form, "creating": True}, status=_status(form))


@require(Capability.MANAGE_USERS)
def user_edit_view(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _actor(request)
    target = get_in_scope_or_404(request, lambda: user_for(actor, user_id), what="user", key=str(user_id))
    refusal = user_manage_refusal(actor, target)
    if (
        refusal
    ):  # in scope but not the manager's to change (a higher role, or itself): audited by AccountMiddleware
        raise PermissionDenied(refusal)
    grantable = grantable_roles(actor.role, can_manage_users=actor.can_manage_users)
    initial = {
        "username": target.username,
        "full_name": target.full_name,
        "organisation": target.organisation,
        "role": target.role,
        "area_codes": " ".join(user_area_codes(target)),
        "can_manage_users": target.can_manage_users,
        "is_active": target.is_active,
    }
    form = UserForm(request.POST or None, initial=initial, grantable=grantable, editing=True)
    if request.method == "POST" and form.is_valid():
        done = _save_user(request, form, target)
        if done is not None:
            return done
    context = {"form": form, "creating": False, "target": target}
    return render(request, "accounts/user_form.html", context, status=_status(form))


def _status(form: UserForm) -> int:
    return 400 if form.is_bound and form.errors else 200


@signed_in
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens, by name and prefix (the token itself is never stored), each with a revoke button."""
    return render(request, "accounts/token_list.html", {"tokens": tokens_for(request.user)})


@signed_in
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    actor = _actor(request)
    token = get_in_scope_or_404(request, lambda: token_for(actor, token_id), what="token", key=str(token_id))
    try:
        token_revoke(actor=actor, token=token)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已撤销令牌“%(name)s”。") % {"name": token.name})
    return redirect("accounts:token_list")
