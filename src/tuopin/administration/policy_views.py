"""Pages of the policy profiles: the values in force for a year and province, and one key's values and changes
with the form to set it (for those who may)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.models import User
from tuopin.accounts.permissions import require
from tuopin.accounts.roles import Capability
from tuopin.accounts.scope import held_area_codes
from tuopin.administration.policy_selectors import may_edit, province_names
from tuopin.administration.policy_services import FIRST_YEAR, LAST_YEAR, policy_set
from tuopin.areas.codes import code_at
from tuopin.core.forms import TextCheckedForm, add_service_errors
from tuopin.policy.keys import KEYS
from tuopin.policy.selectors import changes_of, policy_for, values_of


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, FIRST_YEAR), LAST_YEAR)


def _province(request: HttpRequest, provinces: dict[str, str]) -> str:
    asked = request.GET.get("province")
    if asked is not None:
        return asked if asked in provinces else ""
    held = held_area_codes(request.user)
    province = code_at(held[0], "province") if held else ""
    return province if province in provinces else ""


@require(Capability.READ)
def profile(request: HttpRequest) -> HttpResponse:
    provinces = province_names()
    year, province = _year(request), _province(request, provinces)
    settings = policy_for(year, province)
    groups: dict[str, list[dict[str, Any]]] = {}
    for key, spec in KEYS.items():
        groups.setdefault(str(spec.group), []).append(
            {"key": key, "spec": spec, "setting": settings.get(key)}
        )
    context = {
        "year": year,
        "province": province,
        "province_name": provinces.get(province, ""),
        "provinces": provinces,
        "groups": groups,
        "years": range(2014, timezone.localdate().year + 2),
    }
    return render(request, "administration/policy/profile.html", context)


class ValueForm(TextCheckedForm):
    year = forms.IntegerField(label=gettext_lazy("起始年度"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    value = forms.CharField(label=gettext_lazy("值"), max_length=32)
    source = forms.CharField(
        label=gettext_lazy("依据"), max_length=500, help_text=gettext_lazy("文件名称、文号或出处")
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


@require(Capability.READ)
def key_detail(request: HttpRequest, key: str) -> HttpResponse:
    if key not in KEYS:
        raise Http404
    user: User = request.user  # type: ignore[assignment]  # signed in: @require
    provinces = province_names()
    province = _province(request, provinces)
    editable = may_edit(user, province)
    year = _year(request)
    rows = list(values_of(key, province))
    own = next((r for r in rows if r.province == province and r.year == year), None)
    initial: dict[str, Any] = {"year": year}
    if own is not None:  # editing the row of that year: the form starts from it and carries its version
        initial.update(value=own.value, source=own.source, note=own.note, version=own.version)
    form = ValueForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                policy_set(
                    actor=user,
                    key=key,
                    year=data["year"],
                    value=data["value"],
                    source=data["source"],
                    note=data["note"],
                    province=province,
                    version=data["version"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("已保存。"))
                return redirect(
                    f"{reverse('policy:key', args=[key])}?province={province}&year={data['year']}"
                )
    context = {
        "key": key,
        "spec": KEYS[key],
        "province": province,
        "province_name": provinces.get(province, ""),
        "rows": rows,
        "changes": changes_of(key, province, limit=100),
        "form": form,
        "editable": editable,
    }
    return render(request, "administration/policy/key.html", context)
