"""Pages of the assistance ledgers: pairings and coverage, a household's plan, measures and loans, projects with
their funds and acceptance, visits, duties and their compliance, the helping units and the users linked to them.
Views validate, call one service or selector and render; every read goes through selectors.py (the one scope layer),
every write through the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.accounts.permissions import get_in_scope_or_404, require
from tuopin.accounts.roles import Capability, Role
from tuopin.assistance import periods, selectors
from tuopin.assistance.catalogue import LABOUR_GROUPS, measure_label
from tuopin.assistance.forms import (
    AcceptanceForm,
    DutyForm,
    FundEntryForm,
    LoanForm,
    MeasureForm,
    PairingChangeForm,
    PairingEndForm,
    PairingFilter,
    PairingForm,
    PlanForm,
    ProjectForm,
    RepaymentForm,
    ReverseForm,
    UnitLinkForm,
    VisitForm,
)
from tuopin.assistance.funds import (
    acceptance_record,
    fund_entry_record,
    fund_entry_reverse,
    fund_source_get,
    loan_record,
    project_record,
    repayment_record,
)
from tuopin.assistance.models import HelpingUnit, PairingKind
from tuopin.assistance.services import (
    agreement_record,
    measure_add,
    pairing_change,
    pairing_end,
    pairing_start,
    unit_member_link,
)
from tuopin.assistance.services import plan_record as plan_save
from tuopin.assistance.visits import PHOTO_FOLDER, duty_record, visit_record
from tuopin.core.forms import add_service_errors
from tuopin.core.uploads import stored_path
from tuopin.ledgers.framework import LEDGERS, ledger_may_import

PAGE = 50


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]  # signed in: @require
    return user


def _writes(user: User) -> bool:
    """An office user who may write (the services still check the area of each row)."""
    return bool(user.role != Role.UNIT and user.can(Capability.WRITE))


def _unit_writes(user: User) -> bool:
    return bool(user.role == Role.UNIT and selectors.has_units(user))


def _unit_choices(user: User, *, by: str = "pk") -> list[tuple[str, str]]:
    units = selectors.unit_choices_for(user, limit=500)
    blank = [] if user.role == Role.UNIT else [("", "—")]
    return blank + [(str(getattr(u, by)), u.name) for u in units]


def _unit(user: User, value: str) -> HelpingUnit | None:
    return selectors.unit_for(user, int(value)) if value.isdigit() else None


def _saved(request: HttpRequest, target: str, **kwargs: Any) -> HttpResponse:
    messages.success(request, _("已保存。"))
    response: HttpResponse = redirect(target, **kwargs)
    return response


def _ledgers(user: User, *names: str) -> dict[str, Any]:
    """The Excel ledgers a page links to (template, export, and import for those who may import each one: writers,
    and a unit's user for the ledgers of its own rows)."""
    imports = [name for name in names if name in LEDGERS and ledger_may_import(user, LEDGERS[name])]
    return {"ledger_names": names, "ledger_imports": imports}


def _try(form: forms.Form, action: Any) -> bool:
    """Run a service; put its refusal on the form. True when it succeeded."""
    try:
        action()
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


# ------------------------------------------------------------------------------------------------- pairings


@require(Capability.READ)
def pairings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = PairingFilter(request.GET or None)
    chosen: dict[str, Any] = (
        filters.cleaned_data if filters.is_valid() else {"kind": "", "area": "", "ended": False}
    )
    today = timezone.localdate()
    rows = selectors.pairings_listed(
        user, kind=chosen["kind"], within=chosen["area"], on=None if chosen["ended"] else today
    )
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    labels = dict(PairingKind.choices)
    counts = selectors.pairing_counts_by_kind(user, on=today)
    by_kind = [{"label": str(labels.get(c["kind"], c["kind"])), "households": c["n"]} for c in counts]
    context = {
        "filters": filters,
        "page": page,
        "today": today,
        "charts": {"kind": by_kind},
        "totals": selectors.agreement_totals(user),
        "writes": _writes(user),
        "query": request.GET.copy(),
        **_ledgers(user, "pairings"),
    }
    return render(request, "assistance/pairings.html", context)


@require(Capability.READ)
def pairing_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PairingForm(request.POST or None)
    form.fields["unit"].choices = _unit_choices(user)  # type: ignore[attr-defined]
    if request.method == "POST" and _writes(user) and form.is_valid():
        data = form.cleaned_data
        household = None
        if data["household"]:
            household = selectors.household_for(user, data["household"])
            if household is None:
                form.add_error("household", _("户编号不存在或不在管辖范围内。"))
        if not form.errors:
            made: list[Any] = []
            done = _try(
                form,
                lambda: made.append(
                    pairing_start(
                        actor=user,
                        kind=data["kind"],
                        area_code=data["area_code"],
                        valid_from=data["valid_from"],
                        reason=data["reason"],
                        helper_name=data["helper_name"],
                        helper_role=data["helper_role"],
                        phone=data["phone"],
                        unit=_unit(user, data["unit"]),
                        helper_area_code=data["helper_area_code"],
                        household=household,
                    )
                ),
            )
            if done:
                return _saved(request, "assistance:pairing", pairing_id=made[0].pk)
    return render(
        request,
        "assistance/pairing_new.html",
        {"form": form, "writes": _writes(user)},
        status=400 if form.errors else 200,
    )


@require(Capability.READ)
def pairing_detail(request: HttpRequest, pairing_id: int) -> HttpResponse:
    user = _user(request)
    pairing = get_in_scope_or_404(
        request, lambda: selectors.pairing_for(user, pairing_id), what="pairing", key=str(pairing_id)
    )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    end = PairingEndForm(request.POST if action == "end" else None)
    change = PairingChangeForm(request.POST if action == "change" else None)
    if (
        action == "end"
        and end.is_valid()
        and _try(
            end,
            lambda: pairing_end(
                actor=user,
                pairing=pairing,
                valid_to=end.cleaned_data["valid_to"],
                reason=end.cleaned_data["reason"],
            ),
        )
    ):
        return _saved(request, "assistance:pairing", pairing_id=pairing.pk)
    made: list[Any] = []
    if (
        action == "change"
        and change.is_valid()
        and _try(
            change,
            lambda: made.append(
                pairing_change(
                    actor=user,
                    pairing=pairing,
                    on=change.cleaned_data["on"],
                    reason=change.cleaned_data["reason"],
                    helper_name=change.cleaned_data["helper_name"],
                    helper_role=change.cleaned_data["helper_role"],
                    phone=change.cleaned_data["phone"],
                )
            ),
        )
    ):
        return _saved(request, "assistance:pairing", pairing_id=made[0].pk)
    history: list[Any] = []
    step = pairing.supersedes
    while step is not None and len(history) < 50:
        history.append(step)
        step = step.supersedes
    context = {
        "pairing": pairing,
        "end": end,
        "change": change,
        "history": history,
        "successor": getattr(pairing, "successor", None),
        "ended": hasattr(pairing, "end"),
        "writes": _writes(user),
        "agreements": selectors.agreements_for(user, pairing),
    }
    return render(
        request, "assistance/pairing.html", context, status=400 if end.errors or change.errors else 200
    )


@require(Capability.READ)
def coverage(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    area = request.GET.get("area", "")[:12]
    result = selectors.coverage_for(user, within=area if area.isdigit() else "")
    return render(request, "assistance/coverage.html", {"coverage": result, "area": area})


# ------------------------------------------------------------------------------ a household: plan, measures, loans


@require(Capability.READ)
def household(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    found = get_in_scope_or_404(
        request, lambda: selectors.household_for(user, number), what="household", key=number
    )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    plan = PlanForm(request.POST if action == "plan" else None, initial={"year": timezone.localdate().year})
    measure = MeasureForm(request.POST if action == "measure" else None)
    loan = LoanForm(request.POST if action == "loan" else None)
    done = False
    if action == "plan" and plan.is_valid():
        d = plan.cleaned_data
        done = _try(
            plan,
            lambda: plan_save(
                actor=user,
                household=found,
                year=d["year"],
                path=d["path"],
                measures=d["measures"],
                responsible=d["responsible"],
                note=d["note"],
            ),
        )
    elif action == "measure" and measure.is_valid():
        d = measure.cleaned_data
        done = _try(
            measure,
            lambda: measure_add(
                actor=user,
                household=found,
                type=d["type"],
                on=d["on"],
                amount=d["amount"],
                provider=d["provider"],
                evidence=d["evidence"],
                note=d["note"],
            ),
        )
    elif action == "loan" and loan.is_valid():
        d = loan.cleaned_data
        done = _try(
            loan,
            lambda: loan_record(
                actor=user,
                household=found,
                borrower=d["borrower"],
                lender=d["lender"],
                amount=d["amount"],
                term_months=d["term_months"],
                issued_on=d["issued_on"],
                purpose=d["purpose"],
            ),
        )
    if done:
        return _saved(request, "assistance:household", number=found.number)
    current = selectors.plan_of(user, found)
    today = timezone.localdate()
    context = {
        "household": found,
        "plan": current,
        "plan_form": plan,
        "measure_form": measure,
        "loan_form": loan,
        "plan_measures": [measure_label(code) for code in current.measures] if current else [],
        "labour_label": LABOUR_GROUPS[current.labour_group][0] if current else "",
        "measures": selectors.household_measures_for(user, found),
        "loans": selectors.loan_rows(selectors.household_loans_for(user, found), as_of=today),
        "pairings": selectors.household_pairings_for(user, found),
        "writes": _writes(user),
    }
    failed = plan.errors or measure.errors or loan.errors
    return render(request, "assistance/household.html", context, status=400 if failed else 200)


@require(Capability.READ)
def plans(request: HttpRequest) -> HttpResponse:
    """The current plans of the scope grouped by labour capacity (seed 004), each group with its measures."""
    user = _user(request)
    group = request.GET.get("group", "")
    group = group if group in LABOUR_GROUPS else ""
    counts = selectors.plan_counts_by_group(user)
    groups = [
        {
            "code": code,
            "label": label,
            "measures": [measure_label(m) for m in codes],
            "n": counts.get(code, 0),
        }
        for code, (label, codes) in LABOUR_GROUPS.items()
    ]
    page = Paginator(selectors.plans_listed(user, group=group), PAGE).get_page(request.GET.get("page"))
    entries = [{"plan": plan, "measures": [measure_label(m) for m in plan.measures]} for plan in page]
    chart = [{"label": str(g["label"]).split("：")[0], "households": g["n"]} for g in groups]
    context = {
        "groups": groups,
        "group": group,
        "page": page,
        "entries": entries,
        "charts": {"groups": chart},
        "query": request.GET.copy(),
    }
    return render(request, "assistance/plans.html", context)


@require(Capability.READ)
def loans(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    page = Paginator(selectors.loans_listed(user), PAGE).get_page(request.GET.get("page"))
    rows = selectors.loan_rows(list(page), as_of=today)
    return render(
        request,
        "assistance/loans.html",
        {"page": page, "rows": rows, "today": today, **_ledgers(user, "loans")},
    )


@require(Capability.READ)
def loan_detail(request: HttpRequest, loan_id: int) -> HttpResponse:
    user = _user(request)
    loan = get_in_scope_or_404(
        request, lambda: selectors.loan_for(user, loan_id), what="loan", key=str(loan_id)
    )
    form = RepaymentForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _try(
            form,
            lambda: repayment_record(
                actor=user, loan=loan, on=form.cleaned_data["on"], principal=form.cleaned_data["principal"]
            ),
        )
    ):
        return _saved(request, "assistance:loan", loan_id=loan.pk)
    row = selectors.loan_rows([loan], as_of=timezone.localdate())[0]
    return render(
        request,
        "assistance/loan.html",
        {"row": row, "loan": loan, "form": form, "writes": _writes(user)},
        status=400 if form.errors else 200,
    )


# ------------------------------------------------------------------------------------- projects and funds


def _year(request: HttpRequest) -> int | None:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else None


@require(Capability.READ)
def projects(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    year = _year(request)
    form = ProjectForm(request.POST or None, initial={"year": timezone.localdate().year})
    form.fields["unit"].choices = _unit_choices(user)  # type: ignore[attr-defined]
    made: list[Any] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _try(
            form,
            lambda: made.append(
                project_record(
                    actor=user,
                    year=d["year"],
                    area_code=d["area_code"],
                    name=d["name"],
                    funds=d["funds"],
                    unit=_unit(user, d["unit"]),
                    content=d["content"],
                    implementer=d["implementer"],
                    beneficiaries=d["beneficiaries"],
                    expected_effect=d["expected_effect"],
                )
            ),
        ):
            return _saved(request, "assistance:project", project_id=made[0].pk)
    today = timezone.localdate()
    page = Paginator(selectors.projects_listed(user, year=year), PAGE).get_page(request.GET.get("page"))
    listed = list(page)
    positions = selectors.positions_for(listed, as_of=today)
    rows: list[dict[str, Any]] = [{"project": p, "position": positions[p.pk]} for p in listed]
    chart = [
        {
            "label": p.name[:20],
            "allocated": float(positions[p.pk].allocated),
            "disbursed": float(positions[p.pk].disbursed),
        }
        for p in listed[:20]
    ]
    context = {
        "page": page,
        "rows": rows,
        "year": year or "",
        "form": form,
        "charts": {"projects": chart},
        "may_add": _writes(user) or _unit_writes(user),
        "idle": sum(1 for r in rows if r["position"].idle),
        **_ledgers(user, "projects", "funds"),
    }
    return render(request, "assistance/projects.html", context, status=400 if form.errors else 200)


@require(Capability.READ)
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    user = _user(request)
    project = get_in_scope_or_404(
        request, lambda: selectors.project_for(user, project_id), what="project", key=str(project_id)
    )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    acceptance = AcceptanceForm(request.POST if action == "accept" else None, initial={"year": project.year})
    fund = FundEntryForm(request.POST if action == "fund" else None)
    reverse = ReverseForm(request.POST if action == "reverse" else None)
    done = False
    if action == "accept" and acceptance.is_valid():
        d = acceptance.cleaned_data
        done = _try(
            acceptance,
            lambda: acceptance_record(
                actor=user, project=project, year=d["year"], result=d["result"], on=d["on"], notes=d["notes"]
            ),
        )
    elif action == "fund" and fund.is_valid():
        d = fund.cleaned_data
        done = _try(
            fund,
            lambda: fund_entry_record(
                actor=user,
                project=project,
                source=fund_source_get(name=d["source"], level=d["level"]),
                kind=d["kind"],
                on=d["on"],
                amount=d["amount"],
                note=d["note"],
            ),
        )
    elif action == "reverse" and reverse.is_valid():
        entry = selectors.fund_entry_of(project, reverse.cleaned_data["entry"])
        done = entry is not None and _try(
            reverse,
            lambda: fund_entry_reverse(
                actor=user, entry=entry, on=timezone.localdate(), note=reverse.cleaned_data["note"]
            ),
        )
    if done:
        return _saved(request, "assistance:project", project_id=project.pk)
    entries = selectors.fund_entries_for(user, project)
    position = selectors.positions_for([project], as_of=timezone.localdate())[project.pk]
    context = {
        "project": project,
        "entries": entries,
        "position": position,
        "writes": _writes(user),
        "acceptances": selectors.acceptances_of(project),
        "acceptance": acceptance,
        "fund": fund,
        "reverse": reverse,
    }
    failed = acceptance.errors or fund.errors or reverse.errors
    return render(request, "assistance/project.html", context, status=400 if failed else 200)


@require(Capability.READ)
def agreement_add(request: HttpRequest, pairing_id: int) -> HttpResponse:
    """Record an agreement of a county pairing (the form sits on the pairing's page)."""
    user = _user(request)
    pairing = get_in_scope_or_404(
        request, lambda: selectors.pairing_for(user, pairing_id), what="pairing", key=str(pairing_id)
    )
    post = request.POST
    try:
        agreement_record(
            actor=user,
            pairing=pairing,
            title=post.get("title", ""),
            signed_on=date.fromisoformat(post.get("signed_on", "")),
            funds=_decimal(post.get("funds")),
            training_places=_int(post.get("training_places")),
            jobs=_int(post.get("jobs")),
            cadres_exchanged=_int(post.get("cadres_exchanged")),
            projects=_int(post.get("projects")),
            note=post.get("note", ""),
        )
    except (ValidationError, ValueError) as error:
        messages.error(
            request, "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
        )
    else:
        messages.success(request, _("已保存。"))
    return redirect("assistance:pairing", pairing_id=pairing.pk)


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _decimal(value: str | None) -> Any:
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(value or "0")
    except InvalidOperation as error:
        raise ValueError(_("金额格式不正确。")) from error


# ------------------------------------------------------------------------------------------ visits and duties


@require(Capability.READ)
def visits(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = VisitForm(request.POST or None, request.FILES or None)
    form.fields["unit_name"].choices = _unit_choices(user, by="name")  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _try(
            form,
            lambda: visit_record(
                actor=user,
                who=d["who"],
                on=d["on"],
                target_type=d["target_type"],
                target_code=d["target_code"],
                purpose=d["purpose"],
                findings=d["findings"],
                role=d["role"],
                unit_name=d["unit_name"],
                photo_name=d["photo"].name if d["photo"] else "",
                photo_data=d["photo"].read() if d["photo"] else b"",
            ),
        ):
            return _saved(request, "assistance:visits")
    page = Paginator(selectors.visits_listed(user), PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form,
        "may_add": _writes(user) or _unit_writes(user),
        **_ledgers(user, "visits"),
    }
    return render(request, "assistance/visits.html", context, status=400 if form.errors else 200)


@require(Capability.READ)
def visit_photo(request: HttpRequest, visit_id: int) -> HttpResponse:
    """A visit's photo, to those who see the visit; never cached."""
    user = _user(request)
    visit = get_in_scope_or_404(
        request,
        lambda: selectors.visit_photo_for(user, visit_id),
        what="visit",
        key=str(visit_id),
    )
    path = stored_path(PHOTO_FOLDER, visit.photo)
    if not path.is_file():
        raise Http404
    kind = "image/png" if path.suffix == ".png" else "image/jpeg"
    response = FileResponse(path.open("rb"), content_type=kind)
    response["Cache-Control"] = "no-store"
    return response  # type: ignore[return-value]  # a streamed file; @require passes it on


@require(Capability.READ)
def duties(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = DutyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _try(
            form,
            lambda: duty_record(
                actor=user,
                who=d["who"],
                role=d["role"],
                unit_name=d["unit_name"],
                target_type=d["target_type"],
                target_code=d["target_code"],
                frequency=d["frequency"],
                per_period=d["per_period"],
                valid_from=d["valid_from"],
                valid_to=d["valid_to"],
            ),
        ):
            return _saved(request, "assistance:duties")
    page = Paginator(selectors.duties_listed(user), PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "assistance/duties.html",
        {"page": page, "form": form, "writes": _writes(user), **_ledgers(user, "duties")},
        status=400 if form.errors else 200,
    )


def _default_period(today: date) -> str:
    previous = periods.containing("quarter", today.replace(day=1)).start
    return periods.containing("quarter", date.fromordinal(previous.toordinal() - 1)).label


@require(Capability.READ)
def compliance(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    label = request.GET.get("period", "") or _default_period(timezone.localdate())
    try:
        period = periods.parse(label)
    except ValueError:
        messages.error(request, _("期间格式应为 2019、2019H2、2019Q3、2019-07 或 2019W27。"))
        period = periods.parse(_default_period(timezone.localdate()))
    report = selectors.compliance_for(user, period)
    labels = dict(periods.FREQUENCIES)
    chart = [
        {"label": str(labels[kind]), "met": tally[1], "missed": tally[0] - tally[1]}
        for kind, tally in sorted(report.by_frequency.items(), key=lambda item: periods.ORDER[item[0]])
    ]
    context = {
        "report": report,
        "period": period,
        "charts": {"compliance": chart},
        "missed": report.missed[:500],
        "rate": round(100 * report.met / report.duties, 1) if report.duties else None,
    }
    return render(request, "assistance/compliance.html", context)


# ------------------------------------------------------------------------------------------ helping units


@require(Capability.READ)
def units(request: HttpRequest) -> HttpResponse:
    """The helping units (master data: all of them for offices, its own for a unit's user)."""
    page = Paginator(selectors.units_listed(_user(request)), PAGE).get_page(request.GET.get("page"))
    return render(request, "assistance/units.html", {"page": page, "query": request.GET.copy()})


@require(Capability.READ)
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A helping unit and the users linked to it; a user manager links a `unit` user of its scope to it (the link
    is what that user then sees). Links have no dates and are not ended here."""
    user = _user(request)
    unit = get_in_scope_or_404(
        request, lambda: selectors.unit_for(user, unit_id), what="unit", key=str(unit_id)
    )
    manages = bool(user.can(Capability.MANAGE_USERS))
    if request.method == "POST" and not manages:
        raise PermissionDenied(f"needs {Capability.MANAGE_USERS}")
    form = UnitLinkForm(request.POST or None)
    if manages:
        linkable = selectors.linkable_choices_for(user, unit, limit=500)
        form.fields["user"].choices = [(u.pk, f"{u.display_name}（{u.username}）") for u in linkable]  # type: ignore[attr-defined]
        if request.method == "POST" and form.is_valid():
            chosen = selectors.linkable_user_for(user, unit, form.cleaned_data["user"])
            if chosen is not None and _try(
                form, lambda: unit_member_link(actor=user, user=chosen, unit=unit)
            ):
                return _saved(request, "assistance:unit", unit_id=unit.pk)
    context = {
        "unit": unit,
        "members": selectors.unit_members_for(user, unit),
        "form": form,
        "manages": manages,
        "children": selectors.unit_children_for(user, unit),
    }
    return render(request, "assistance/unit.html", context, status=400 if form.errors else 200)
