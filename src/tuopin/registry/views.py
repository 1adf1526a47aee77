from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tuopin.accounts.models import User
from tuopin.accounts.permissions import get_in_scope_or_404, require
from tuopin.accounts.roles import Capability
from tuopin.accounts.throttle import Throttled, carries_id_number, compact, throttle_check, throttled_response
from tuopin.audit.services import audit_record
from tuopin.core.crypto import blind_index, decrypt, encrypt
from tuopin.core.forms import RevealForm
from tuopin.ledgers.uploads import upload_job_start
from tuopin.registry.forms import (
    HouseholdEditForm,
    HouseholdFilterForm,
    HouseholdMergeForm,
    HouseholdMoveForm,
    HouseholdSplitForm,
    ImportForm,
    IncomeForm,
    MemberAddForm,
    MemberRemoveForm,
)
from tuopin.registry.history import describe
from tuopin.registry.idnumbers import ID_PATTERN, mask_id
from tuopin.registry.models import Household, Income
from tuopin.registry.panels import PanelRequest, household_panels
from tuopin.registry.selectors import (
    HouseholdFilter,
    household_for,
    household_list_for,
    id_search_record,
    member_for,
    timeline_for,
)
from tuopin.registry.services import (
    INCOME_FIELDS,
    MemberData,
    household_merge,
    household_move,
    household_split,
    household_update,
    income_set,
    member_add,
    member_remove,
)
from tuopin.registry.tasks import registry_import_job


@dataclass(frozen=True)
class IncomeRow:
    income: Income
    net: Decimal
    per_capita: Decimal | None  # net income divided by the current members


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


ID_SEARCH_SESSION_KEY = "tuopin_id_searches"
# Never copied from a posted form into the list's URL.
FORM_ONLY = {"csrfmiddlewaretoken", "after", "ref", "q"}


@require(Capability.READ)
def household_list(request: HttpRequest) -> HttpResponse:
    """Filters travel in the URL, except a search text that may hold an ID number (SECURITY.md B5): the search form
    posts, and such a text becomes a reference kept in the session (a full ID number as its blind index), so it never
    appears in a URL, a log or the browser history. A link or bookmark carrying one is not searched."""
    if request.method == "POST":
        return _search_posted(request)
    if carries_id_number(request.GET.get("q", "")):
        messages.error(request, _("身份证号不能出现在网址中：请在搜索框中输入后点击“查询”。"))
        kept = {k: str(v) for k, v in request.GET.items() if v and k not in FORM_ONLY}
        return redirect(_list_url(request, kept))
    form = HouseholdFilterForm(request.GET or None)
    values = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    searches = request.session.get(ID_SEARCH_SESSION_KEY, {})
    reference = searches.get(request.GET.get("ref", ""))
    if reference:
        if "index" in reference:
            values["id_index"] = reference["index"]
        else:  # a text that may hold an ID number: kept encrypted in the session, like every stored ID
            values["q"] = decrypt(reference["q_encrypted"])
        form = HouseholdFilterForm(initial={**values, "q": reference["masked"]})
    filters = HouseholdFilter(**values)
    page = household_list_for(request.user, filters, after=request.GET.get("after", ""), request=request)
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "households": page.households,
        "query": query.urlencode(),
        "can_write": _user(request).can(Capability.WRITE),
        "next_after": page.next_after,
    }
    return render(request, "registry/household_list.html", context)


def _search_posted(request: HttpRequest) -> HttpResponse:
    """The posted search, back as the list's URL (post, redirect, get). A full ID number is searched through its
    blind index, audited and limited per user (F2); any other text that may hold one is kept in the session too."""
    params = {k: str(v) for k, v in request.POST.items() if v and k not in FORM_ONLY}
    query = request.POST.get("q", "").strip()
    if ID_PATTERN.fullmatch(compact(query)):
        number = compact(query)
        try:
            id_search_record(request.user, number, request=request)
        except Throttled as error:
            return throttled_response(request, error)
        params["ref"] = _remember(request, {"index": blind_index(number), "masked": mask_id(number)})
    elif carries_id_number(query):
        params["ref"] = _remember(request, {"q_encrypted": encrypt(query), "masked": mask_id(query)})
    elif query:
        params["q"] = query
    return redirect(_list_url(request, params))


def _remember(request: HttpRequest, search: dict[str, str]) -> str:
    reference = secrets.token_urlsafe(8)
    searches = request.session.get(ID_SEARCH_SESSION_KEY, {})
    searches = dict(list(searches.items())[-19:])  # keep the last few
    searches[reference] = search
    request.session[ID_SEARCH_SESSION_KEY] = searches
    return reference


def _list_url(request: HttpRequest, params: dict[str, str]) -> str:
    return f"{request.path}?{urlencode(params)}" if params else request.path


def _household(request: HttpRequest, number: str) -> Household:
    return get_in_scope_or_404(
        request, lambda: household_for(request.user, number), what="household", key=number
    )


@require(Capability.READ)
def household_detail(request: HttpRequest, number: str) -> HttpResponse:
    household = _household(request, number)
    members = list(household.members.all())
    current = [m for m in members if m.left_on is None]
    incomes = [
        IncomeRow(i, i.net, (i.net / len(current)) if current else None) for i in household.incomes.all()
    ]
    user = _user(request)
    years = sorted({row.income.year for row in incomes}) or [timezone.localdate().year - 1]
    try:
        year = int(request.GET.get("year", years[-1]))
    except ValueError:
        year = years[-1]
    panels = household_panels(PanelRequest(request, household, years, year))  # what other apps know of it
    context = {
        "household": household,
        "members": current,
        "left": [m for m in members if m.left_on],
        "panels": panels,
        "incomes": incomes,
        "timeline": describe(timeline_for(household, limit=200)),
        "can_write": user.can(Capability.WRITE),
        "can_reveal": user.can(Capability.REVEAL),
        "chart": [
            {"year": row.income.year, "per_capita": float(row.per_capita or 0)} for row in reversed(incomes)
        ],
    }
    return render(request, "registry/household_detail.html", context)


def _write_page(
    request: HttpRequest,
    household: Household,
    form: Any,
    title: str,
    apply: Callable[[dict[str, Any]], object],
) -> HttpResponse:
    """The shared shape of the small write forms on a household: validate, call one service, back to the page."""
    if request.method == "POST" and form.is_valid():
        try:
            apply(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("registry:household", number=household.number)
    context = {"household": household, "form": form, "title": title}
    return render(request, "registry/household_form.html", context, status=400 if form.errors else 200)


@require(Capability.WRITE)
def household_edit(request: HttpRequest, number: str) -> HttpResponse:
    household = _household(request, number)
    initial = {name: getattr(household, name) for name in HouseholdEditForm.base_fields if name != "reason"}

    def apply(data: dict[str, Any]) -> object:
        values = {k: v for k, v in data.items() if k not in {"version", "reason"}}
        return household_update(
            actor=_user(request),
            household=household,
            version=data["version"],
            values=values,
            reason=data["reason"],
        )

    form = HouseholdEditForm(request.POST or None, initial=initial)
    return _write_page(request, household, form, _("修改户信息"), apply)


@require(Capability.WRITE)
def income_edit(request: HttpRequest, number: str) -> HttpResponse:
    household = _household(request, number)

    def apply(data: dict[str, Any]) -> object:
        return income_set(
            actor=_user(request),
            household=household,
            year=data["year"],
            amounts={k: data[k] for k in INCOME_FIELDS},
            reason=data["reason"],
        )

    return _write_page(request, household, IncomeForm(request.POST or None), _("录入收入"), apply)


@require(Capability.WRITE)
def member_add_view(request: HttpRequest, number: str) -> HttpResponse:
    household = _household(request, number)

    def apply(data: dict[str, Any]) -> object:
        values = {
            k: v for k, v in data.items() if k not in {"name", "id_number", "relation", "reason"} and v != ""
        }
        return member_add(
            actor=_user(request),
            household=household,
            reason=data["reason"],
            data=MemberData(data["name"], data["id_number"], data["relation"], values),
        )

    return _write_page(request, household, MemberAddForm(request.POST or None), _("增员"), apply)


@require(Capability.WRITE)
def member_remove_view(request: HttpRequest, member_id: int) -> HttpResponse:
    member = get_in_scope_or_404(
        request, lambda: member_for(request.user, member_id), what="member", key=str(member_id)
    )

    def apply(data: dict[str, Any]) -> object:
        return member_remove(
            actor=_user(request), member=member, left_on=data["left_on"], reason=data["reason"]
        )

    title = _("减员：%(name)s") % {"name": member.name}
    return _write_page(request, member.household, MemberRemoveForm(request.POST or None), title, apply)


@require(Capability.WRITE)
def household_move_view(request: HttpRequest, number: str) -> HttpResponse:
    household = _household(request, number)

    def apply(data: dict[str, Any]) -> object:
        return household_move(
            actor=_user(request), household=household, village_code=data["village"], reason=data["reason"]
        )

    return _write_page(request, household, HouseholdMoveForm(request.POST or None), _("迁移"), apply)


@require(Capability.WRITE)
def household_split_view(request: HttpRequest, number: str) -> HttpResponse:
    household = _household(request, number)
    choices = [
        (m.pk, str(m)) for m in household.members.all() if m.left_on is None and m.pk != household.head_id
    ]
    form = HouseholdSplitForm(
        request.POST or None, initial={"version": household.version}, household_members=choices
    )

    def apply(data: dict[str, Any]) -> object:
        return household_split(
            actor=_user(request),
            household=household,
            version=data["version"],
            member_ids=data["members"],
            number=data["number"],
            head_id=data["head"],
            reason=data["reason"],
        )

    return _write_page(request, household, form, _("分户"), apply)


@require(Capability.WRITE)
def household_merge_view(request: HttpRequest, number: str) -> HttpResponse:
    household = _household(request, number)
    form = HouseholdMergeForm(request.POST or None, initial={"version": household.version})

    def apply(data: dict[str, Any]) -> object:
        return household_merge(
            actor=_user(request),
            household=household,
            version=data["version"],
            other_number=data["other"],
            reason=data["reason"],
        )

    return _write_page(request, household, form, _("合户"), apply)


@require(Capability.READ)
def dashboard_moved(request: HttpRequest) -> HttpResponse:
    """The dashboards moved up a floor (tuopin.dashboards, /dashboard/): old bookmarks land there, query and all."""
    query = request.GET.urlencode()
    return redirect(reverse("dashboards:area") + (f"?{query}" if query else ""), permanent=True)


@require(Capability.WRITE)
def registry_import(request: HttpRequest) -> HttpResponse:
    """Upload the registration workbook; the import runs as a background job whose page shows its progress."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        dry_run = form.cleaned_data["dry_run"]
        job = upload_job_start(
            request,
            form,
            kind="registry.import",
            enqueue=lambda job_id: registry_import_job.enqueue(job_id=job_id),
            params={"dry_run": dry_run},
            dry_run=dry_run,
        )
        if job is not None:
            return redirect("site:job", job_id=job.pk)
    return render(request, "registry/import.html", {"form": form}, status=400 if form.errors else 200)


@require(Capability.REVEAL)
@require_POST
def member_reveal(request: HttpRequest, member_id: int) -> HttpResponse:
    """The full ID number, once, for a stated reason; the reveal is audited (SECURITY.md B2, D1)."""
    member = get_in_scope_or_404(
        request, lambda: member_for(request.user, member_id), what="member", key=str(member_id)
    )
    form = RevealForm.posted(request)
    if not form.is_valid():
        return render(request, "registry/_reveal.html", {"member": member, "form": form}, status=400)
    try:
        throttle_check(
            request.user,
            "registry.reveal",
            request=request,
            object_type="member",
            object_id=str(member.pk),
            details={"household": member.household.number},
        )
    except Throttled as error:
        return throttled_response(request, error)
    audit_record(
        action="registry.reveal",
        request=request,
        object_type="member",
        object_id=str(member.pk),
        details={"household": member.household.number, "reason": form.cleaned_data["reason"]},
    )
    return render(
        request, "registry/_reveal.html", {"member": member, "full_id": decrypt(member.id_encrypted)}
    )
