"""The device credentials page: a user's own phones for ODK Collect, a form to add one (its password and a QR code
of ODK Collect's settings shown once, on the answer to the POST), and a revoke button on each."""

from __future__ import annotations

import base64
import json
import zlib

import segno
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tuopin.accounts.models import User
from tuopin.accounts.permissions import get_in_scope_or_404, signed_in, signed_in_user
from tuopin.core.forms import TextCheckedForm, add_service_errors
from tuopin.fieldforms.devices import device_create, device_of, device_revoke, devices_of
from tuopin.fieldforms.forms import forms_for


class DeviceForm(TextCheckedForm):
    label = forms.CharField(label=gettext_lazy("设备名称"), max_length=60)


def _collector(request: HttpRequest) -> User:
    """The signed-in user, when its role has forms to fill (else the page is not for it)."""
    user = signed_in_user(request)
    if not forms_for(user):
        raise PermissionDenied("no field forms for this role")
    return user


def server_url(request: HttpRequest) -> str:
    """The absolute URL ODK Collect is pointed at: /openrosa, under which it asks for formList and submission."""
    return request.build_absolute_uri(reverse("openrosa:form_list")).removesuffix("formList").rstrip("/")


def collect_settings(url: str, username: str, password: str) -> str:
    """ODK Collect's settings QR payload: the settings JSON, zlib-compressed, then base64."""
    settings = {
        "general": {"server_url": url, "username": username, "password": password},
        "admin": {},
        "project": {"name": "Tuopin"},
    }
    return base64.b64encode(zlib.compress(json.dumps(settings).encode())).decode()


@signed_in
def devices(request: HttpRequest) -> HttpResponse:
    user = _collector(request)
    form = DeviceForm(request.POST or None)
    created: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device, password = device_create(actor=user, user=user, label=form.cleaned_data["label"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                url = server_url(request)
                qr = segno.make(collect_settings(url, user.username, password), error="l")
                created = {
                    "label": device.label,
                    "password": password,
                    "server_url": url,
                    "qr": str(qr.svg_inline(scale=4)),
                }
                form = DeviceForm()
        if not created:
            status = 400
    context = {
        "devices": devices_of(user),
        "form": form,
        "created": created,
        "username": user.username,
        "collects": True,
    }
    return render(request, "fieldforms/devices.html", context, status=status)


@signed_in
@require_POST
def device_revoke_view(request: HttpRequest, device_id: int) -> HttpResponse:
    user = _collector(request)
    device = get_in_scope_or_404(
        request, lambda: device_of(user, device_id), what="device", key=str(device_id)
    )
    try:
        device_revoke(actor=user, device=device)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已撤销设备“%(label)s”。") % {"label": device.label})
    return redirect("fieldforms:devices")
