"""Pages of the medical-waste ledger: the overview (places, the quarter's compliance, each city's capacity gap),
the lists of places and handovers, a handover with its reversal, and the keeper's phone page (a receipt or a
removal at a transfer point, its stock and today's handovers). Views read through the selectors and compliance.py
and write through the services; what each role sees is the selectors', what it may write services.may_record."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tuopin.accounts.areas import area_for
from tuopin.accounts.models import User
from tuopin.accounts.permissions import get_in_scope_or_404, require
from tuopin.accounts.roles import Capability, Role
from tuopin.accounts.scope import area_codes
from tuopin.areas.codes import code_at
from tuopin.medwaste import selectors
from tuopin.medwaste.compliance import RULE_LABELS, Compliance, ComplianceRefused, compliance
from tuopin.medwaste.forms import HandoverFilterForm, ReceiptForm, RemovalForm, ReversalForm
from tuopin.medwaste.models import Handover, TransferPoint
from tuopin.medwaste.services import HandoverInvalid, handover_record, handover_reverse, may_keep, may_record
from tuopin.policy.selectors import policy_for

PAGE = 50
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
LEDGERS = (
    ("medwaste_facilities", gettext_lazy("医疗机构")),
    ("medwaste_points", gettext_lazy("周转点")),
    ("medwaste_disposers", gettext_lazy("处置单位")),
    ("medwaste_handovers", gettext_lazy("交接记录")),
)


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]  # signed in: @require
    return user


def _area(request: HttpRequest, *, own: bool = False) -> str:
    """The chosen area (in scope, else 404 and audited); without one, "" (the whole scope, for the selectors) or,
    with `own`, the user's first area: compliance() reads a single area and must never run unscoped."""
    user = _user(request)
    code = request.GET.get("area", "").strip()
    if code:
        get_in_scope_or_404(request, lambda: area_for(user, code), what="area", key=code)
        return code
    if not own:
        return ""
    codes = area_codes(user)
    return get_in_scope_or_404(request, lambda: codes[0] if codes else None, what="area", key="")


def _quarter(request: HttpRequest, area: str) -> tuple[int, int]:
    found = QUARTER.match(request.GET.get("quarter", "").strip())
    if found:
        return int(found[1]), int(found[2])
    latest = selectors.latest_handover_at(_user(request), within=area)
    day = timezone.localtime(latest).date() if latest else timezone.localdate()
    return day.year, (day.month - 1) // 3 + 1


def _bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


@require(Capability.MEDWASTE)
def overview(request: HttpRequest) -> HttpResponse:
    """The compliance of an area, for offices, inspectors and health offices; a keeper goes to its phone page and
    a facility's user to its handovers."""
    user = _user(request)
    if user.role == Role.KEEPER:
        return redirect("medwaste:keeper")
    if user.role == Role.FACILITY:
        return redirect("medwaste:handovers")
    area = _area(request, own=True)
    year, quarter = _quarter(request, area)
    start, end = _bounds(year, quarter)
    try:
        found = compliance(start, end, area=area)
    except ComplianceRefused as error:  # a policy value not set for the year: say so, show no findings
        messages.error(request, str(error))
        zone = timezone.get_current_timezone()
        found = Compliance(
            period_start=start,
            period_end=end,
            area=area,
            start=datetime.combine(start, time.min, tzinfo=zone),
            end=datetime.combine(end, time.max, tzinfo=zone),
            items=[],
            townships_without_point=[],
            facilities_unattached=[],
        )
    names = selectors.place_names(item.place for item in found.items)
    counts = [(rule, label, found.count(rule)) for rule, label in RULE_LABELS.items()]
    places = selectors.place_counts(user, within=area)
    context: dict[str, Any] = {
        "area": area,
        "quarter": f"{year}Q{quarter}",
        "start": start,
        "end": end,
        "places": [
            (_("医疗机构"), places["facilities"]),
            (_("周转点"), places["points"]),
            (_("处置单位"), places["disposers"]),
        ],
        "counts": counts,
        "items": [
            {"item": item, "rule": RULE_LABELS.get(item.rule, item.rule), "name": names.get(item.place, "")}
            for item in found.items
        ],
        "townships": found.townships_without_point,
        "gaps": found.capacity_gaps,
        "rule_chart": {"children": [{"label": str(label), "households": n} for _rule, label, n in counts]},
        "gap_chart": [
            {
                "label": gap.name,
                "expected": float(gap.expected_tonnes_per_day),
                "capacity": float(gap.capacity_tonnes_per_day),
            }
            for gap in found.capacity_gaps
        ],
        "ledgers": LEDGERS if user.can(Capability.READ) else (),  # the ledger pages need READ
        "may_write": user.can(Capability.WRITE),
    }
    return render(request, "medwaste/overview.html", context)


def _listing(request: HttpRequest, rows: Any, template: str, **extra: Any) -> HttpResponse:
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "query": request.GET.copy(), "area": request.GET.get("area", ""), **extra}
    return render(request, template, context)


@require(Capability.MEDWASTE)
def points(request: HttpRequest) -> HttpResponse:
    rows = selectors.points_listed(_user(request), within=_area(request))
    return _listing(request, rows, "medwaste/points.html")


@require(Capability.MEDWASTE)
def facilities(request: HttpRequest) -> HttpResponse:
    rows = selectors.facilities_listed(_user(request), within=_area(request))
    return _listing(request, rows, "medwaste/facilities.html")


@require(Capability.MEDWASTE)
def disposers(request: HttpRequest) -> HttpResponse:
    rows = selectors.disposers_listed(_user(request), within=_area(request))
    return _listing(request, rows, "medwaste/disposers.html")


@require(Capability.MEDWASTE)
def handovers(request: HttpRequest) -> HttpResponse:
    filters = HandoverFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    zone = timezone.get_current_timezone()
    since, until = chosen.get("start"), chosen.get("stop")
    rows = selectors.handovers_listed(
        _user(request),
        within=_area(request),
        since=datetime.combine(since, time.min, tzinfo=zone) if since else None,
        until=datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone) if until else None,
        category=chosen.get("category", ""),
        place=chosen.get("place", "").strip(),
    )
    return _listing(request, rows, "medwaste/handovers.html", filters=filters)


@require(Capability.MEDWASTE)
def handover_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    handover = get_in_scope_or_404(
        request, lambda: selectors.handover_for(user, number), what="handover", key=number
    )
    reversal = getattr(handover, "reversal", None)  # none: the reverse one-to-one raises AttributeError
    context = {
        "handover": handover,
        "reversal": reversal,
        "names": selectors.place_names([handover.giver_code, handover.receiver_code]),
        "form": ReversalForm(),
        "may_write": may_record(user, handover),
    }
    return render(request, "medwaste/handover.html", context)


@require_POST
@require(Capability.MEDWASTE)
def handover_reversal(request: HttpRequest, number: str) -> HttpResponse:
    """Reverse a handover (services.may_record; a refusal is a 403 and its audit row)."""
    user = _user(request)
    handover = get_in_scope_or_404(
        request, lambda: selectors.handover_for(user, number), what="handover", key=number
    )
    form = ReversalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("冲正需要说明原因。"))
        return redirect("medwaste:handover", number=handover.number)
    try:
        reversal = handover_reverse(actor=user, handover=handover, reason=form.cleaned_data["reason"])
    except HandoverInvalid as error:
        messages.error(request, str(error))
        return redirect("medwaste:handover", number=handover.number)
    messages.success(request, _("已冲正，冲正记录 %(number)s。") % {"number": reversal.number})
    return redirect("medwaste:handover", number=handover.number)


# ------------------------------------------------------------------------------------------- the keeper's page

ACTIONS = {"receipt": ReceiptForm, "removal": RemovalForm}


def _now_input() -> str:
    return f"{timezone.localtime():%Y-%m-%dT%H:%M}"


def _initial(user: User, point: TransferPoint, action: str) -> dict[str, Any]:
    """The form's defaults: now, the signed-in user as the point's person, and for a removal what the last removal
    said (unit, vehicle, driver, method, destination)."""
    if action == "receipt":
        return {"at": _now_input(), "receiver_person": user.display_name}
    initial: dict[str, Any] = {"at": _now_input(), "giver_person": user.display_name}
    last = selectors.last_removal(point)
    if last is not None:
        initial.update(
            disposer=last.receiver_code,
            vehicle=last.vehicle,
            receiver_person=last.receiver_person,
            disposal_method=last.disposal_method,
            destination=last.destination,
        )
    return initial


def _form(
    user: User, action: str, point: TransferPoint, data: Any, initial: dict[str, Any]
) -> ReceiptForm | RemovalForm:
    if action == "receipt":
        places = [(f.code, f"{f.name}（{f.code}）") for f in selectors.facilities_attached(user, point)]
        return ReceiptForm(data, places=places, initial=initial)
    places = [(d.code, f"{d.name}（{d.code}）") for d in selectors.disposers_serving(point)]
    return RemovalForm(data, places=places, initial=initial)


def _record(user: User, point: TransferPoint, action: str, data: dict[str, Any]) -> Handover:
    giver, receiver = (
        (data["facility"], point.code) if action == "receipt" else (point.code, data["disposer"])
    )
    return handover_record(
        actor=user,
        giver=giver,
        receiver=receiver,
        at=data["at"],
        category=data["category"],
        kg=data["kg"],
        packages=data.get("packages") or 0,
        giver_person=data["giver_person"],
        receiver_person=data["receiver_person"],
        vehicle=data.get("vehicle", ""),
        disposal_method=data.get("disposal_method", ""),
        destination=data.get("destination", ""),
    )


def _choose(request: HttpRequest, user: User) -> HttpResponse:
    page = Paginator(selectors.points_listed(user), PAGE).get_page(request.GET.get("page"))
    return render(request, "medwaste/keeper_choose.html", {"page": page, "query": request.GET.copy()})


def _keeper_point(request: HttpRequest, user: User) -> TransferPoint | None:
    """The point chosen (?point=, in the user's reach, else 404 and audited), or a keeper's only point."""
    code = (request.POST if request.method == "POST" else request.GET).get("point", "").strip()
    if not code and user.role == Role.KEEPER:
        own = sorted(selectors.links_of(user).points)
        code = own[0] if len(own) == 1 else ""
    if not code:
        return None
    return get_in_scope_or_404(request, lambda: selectors.point_for(user, code), what="point", key=code)


def _back_to(point: TransferPoint) -> HttpResponse:
    return redirect(f"{reverse('medwaste:keeper')}?{urlencode({'point': point.code})}")


@require(Capability.MEDWASTE)
def keeper(request: HttpRequest) -> HttpResponse:
    """The keeper's phone page: choose the point (when several), record a receipt (接收) or a removal (转运), and
    see the point's stock and today's handovers."""
    user = _user(request)
    if not may_keep(user):
        raise PermissionDenied("records no handover")
    point = _keeper_point(request, user)
    if point is None:
        return _choose(request, user)
    source = request.POST if request.method == "POST" else request.GET
    action = source.get("action", "")
    action = action if action in ACTIONS else ""
    form = None
    if action:
        initial = _initial(user, point, action)
        form = _form(user, action, point, request.POST if request.method == "POST" else None, initial)
        if request.method == "POST" and form.is_valid():
            try:
                handover = _record(user, point, action, form.cleaned_data)
            except HandoverInvalid as error:
                for column, message in error.problems or [("", str(error))]:
                    form.add_error(None, f"{column}：{message}" if column else message)
            else:
                messages.success(request, _("已保存，联单编号 %(number)s。") % {"number": handover.number})
                return _back_to(point)
    elif request.method == "POST":
        return _back_to(point)
    return render(request, "medwaste/keeper.html", _keeper_context(user, point, action, form))


def _keeper_context(
    user: User, point: TransferPoint, action: str, form: ReceiptForm | RemovalForm | None
) -> dict[str, Any]:
    now = timezone.now()
    limit = policy_for(timezone.localdate().year, code_at(point.area_id, "province")).value(
        "medwaste_storage_hours"
    )
    limit = int(limit) if limit is not None else None
    today = list(selectors.handovers_today(user, point)[:PAGE])
    return {
        "point": point,
        "action": action,
        "form": form,
        "now": _now_input(),
        "stock": [
            {"row": row, "late": limit is not None and row.hours is not None and row.hours > limit}
            for row in selectors.point_stock(point, now=now)
        ],
        "limit": limit,
        "today": today,
        "names": selectors.place_names({code for h in today for code in (h.giver_code, h.receiver_code)}),
        "several": user.role != Role.KEEPER or len(selectors.links_of(user).points) > 1,
    }
