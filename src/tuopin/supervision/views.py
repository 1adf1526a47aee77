"""Pages of supervision: the rectification ledger (list with escalation, an item with its steps and evidence, the
reconciliation with its chart and Excel), inspection rounds with their findings, listed supervision with the
per-person ledger, and the Q&A. Views read through the selectors and write through the services."""

from __future__ import annotations

import io
import mimetypes
from datetime import date
from typing import Any

import xlsxwriter
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tuopin.accounts.areas import area_for
from tuopin.accounts.models import User
from tuopin.accounts.permissions import get_in_scope_or_404, require
from tuopin.accounts.roles import Capability
from tuopin.accounts.scope import area_codes
from tuopin.areas.codes import code_at
from tuopin.audit.services import audit_record
from tuopin.core.downloads import download
from tuopin.core.forms import add_service_errors
from tuopin.core.uploads import UploadRejected, stored_path
from tuopin.supervision import selectors
from tuopin.supervision.forms import (
    ActForm,
    AnswerForm,
    EntryForm,
    EvidenceForm,
    FindingForm,
    ItemFilterForm,
    ItemForm,
    ListedAreaForm,
    ListingForm,
    QuestionForm,
    ReconcileForm,
    RoundForm,
)
from tuopin.supervision.models import Result, Status
from tuopin.supervision.services import (
    ACTIONS,
    EVIDENCE_FOLDER,
    OFFICES,
    ItemData,
    Rectify,
    RoundData,
    actions_for,
    answer_publish,
    days_overdue,
    evidence_add,
    finding_record,
    item_act,
    item_create,
    listed_entry_add,
    listing_add_area,
    listing_create,
    may_act,
    question_ask,
    round_create,
)


def _refused(form: Any, error: ValidationError | PermissionDenied) -> None:
    """A service's refusal on the form (a refusal of scope was audited by the service)."""
    if isinstance(error, ValidationError):
        add_service_errors(form, error)
    else:
        form.add_error(None, str(error))


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]  # signed in: @require
    return user


def _writes(user: User) -> bool:
    return bool(user.can(Capability.WRITE))


def _organises(user: User) -> bool:
    return _writes(user) and user.role in (*OFFICES, "admin")


# --- rectification ---------------------------------------------------------------------------------------------


@require(Capability.READ)
def items(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    filters = ItemFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    found = selectors.items_listed(
        user,
        within=chosen.get("area", ""),
        status=chosen.get("status", ""),
        source=chosen.get("source", ""),
        category=chosen.get("category", ""),
        overdue_as_of=today if chosen.get("overdue") else None,
        query=chosen.get("q", ""),
    )
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    rows = [{"item": item, "days": days_overdue(item, today)} for item in page]
    counts = selectors.status_counts(selectors.items_for(user, within=chosen.get("area", "")))
    overdue = selectors.overdue_count(user, within=chosen.get("area", ""), as_of=today)
    escalated = [
        {"item": i, "days": days_overdue(i, today)} for i in selectors.escalated_for(user, today, limit=50)
    ]
    context = {
        "filters": filters,
        "page": page,
        "rows": rows,
        "counts": [(v, label, counts[v]) for v, label in Status.choices],
        "overdue": overdue,
        "escalated": escalated,
        "may_write": _writes(user),
        "query": request.GET.copy(),
    }
    return render(request, "supervision/items.html", context)


@require(Capability.WRITE)
def item_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    codes = area_codes(user)
    form = ItemForm(
        request.POST or None,
        initial={"area_code": codes[0] if codes else "", "source": "self", "found_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = item_create(
                actor=user,
                data=ItemData(
                    number=data["number"].strip(),
                    source=data["source"],
                    category=data["category"],
                    area_code=data["area_code"],
                    description=data["description"],
                    unit=data["unit"],
                    person=data["person"],
                    found_on=data["found_on"],
                    deadline=data["deadline"],
                    measures=data["measures"],
                ),
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("已登记。"))
            return redirect("supervision:item", item_id=item.pk)
    return render(request, "supervision/item_new.html", {"form": form}, status=400 if form.errors else 200)


@require(Capability.READ)
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = get_in_scope_or_404(
        request, lambda: selectors.item_for(user, item_id), what="item", key=str(item_id)
    )
    act = ActForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and act.is_valid():
        try:
            item_act(
                actor=user,
                item=item,
                action=act.cleaned_data["action"],
                note=act.cleaned_data["note"],
                on=act.cleaned_data["on"],
            )
        except ValidationError as error:
            add_service_errors(act, error)
        else:
            messages.success(request, _("已办理。"))
            return redirect("supervision:item", item_id=item.pk)
    today = timezone.localdate()
    may_upload = _writes(user) and (may_act(user, item, "work") or may_act(user, item, "verify"))
    context = {
        "item": item,
        "steps": item.steps.all(),
        "evidence": item.evidence.all(),
        "act": act,
        "actions": actions_for(user, item),
        "days": days_overdue(item, today),
        "evidence_form": EvidenceForm(),
        "may_upload": may_upload and item.status != Status.CLOSED,
    }
    return render(request, "supervision/item.html", context, status=400 if act.errors else 200)


@require(Capability.WRITE)
@require_POST
def item_evidence(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = get_in_scope_or_404(
        request, lambda: selectors.item_for(user, item_id), what="item", key=str(item_id)
    )
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            evidence_add(actor=user, item=item, name=upload.name or "file", data=upload.read())
        except UploadRejected as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("已上传。"))
    else:
        messages.error(request, _("请选择文件。"))
    return redirect("supervision:item", item_id=item.pk)


@require(Capability.READ)
def evidence_download(request: HttpRequest, evidence_id: int) -> HttpResponse:
    user = _user(request)
    evidence = get_in_scope_or_404(
        request, lambda: selectors.evidence_for(user, evidence_id), what="evidence", key=str(evidence_id)
    )
    path = stored_path(EVIDENCE_FOLDER, evidence.stored)
    if not path.is_file():
        raise Http404
    audit_record(
        action="rectify.evidence_read",
        request=request,
        object_type="item",
        object_id=evidence.item.number,
        details={"file": evidence.name},
    )
    content_type = mimetypes.guess_type(evidence.name)[0] or "application/octet-stream"
    return download(path.read_bytes(), evidence.name, content_type)  # at most the upload cap


@require(Capability.READ)
def reconcile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ReconcileForm(request.GET)
    chosen = form.cleaned_data if form.is_valid() else {}
    codes = area_codes(user)
    if chosen.get("area"):  # an area outside the scope is not found, for the page and its workbook alike
        get_in_scope_or_404(request, lambda: area_for(user, chosen["area"]), what="area", key=chosen["area"])
    province = code_at(codes[0], "province") if codes else ""
    within = chosen.get("area") or (codes[0] if len(codes) == 1 else province)
    as_of: date = chosen.get("as_of") or timezone.localdate()
    result = selectors.reconcile(user, within=within, as_of=as_of)
    if request.GET.get("format") == "xlsx":
        audit_record(action="rectify.reconcile_export", request=request, object_type="area", object_id=within)
        return _reconcile_workbook(result)
    charts = {
        "children": [
            {"label": r.name, "code": r.area, "incidence": r.rate, "below": r.rate >= 100}
            for r in result.areas
        ],
        "threshold": None,
    }
    context = {"form": form, "result": result, "within": within, "charts": charts}
    return render(request, "supervision/reconcile.html", context)


def _reconcile_workbook(result: selectors.Reconciliation) -> HttpResponse:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    percent = book.add_format({"num_format": "0.0"})
    headers = ["问题来源", "区划代码", "区划", "发现问题", "已销号", "逾期未销号", "销号率(%)"]
    for title, rows in (("按来源和区划", result.rows), ("按区划", result.areas)):
        sheet = book.add_worksheet(title)
        sheet.write_row(0, 0, headers, bold)
        sheet.set_column(0, 2, 14)
        sheet.set_column(3, 6, 12)
        for number, row in enumerate(rows, start=1):
            sheet.write_row(
                number, 0, [row.source or "合计", row.area, row.name, row.found, row.closed, row.overdue]
            )
            sheet.write_number(number, 6, row.rate, percent)
        sheet.write_string(len(rows) + 2, 0, f"截至 {result.as_of.isoformat()}")
    book.close()
    return download(buffer.getvalue(), f"整改对账-{result.root or '全部'}-{result.as_of.isoformat()}.xlsx")


# --- inspections -----------------------------------------------------------------------------------------------


@require(Capability.READ)
def rounds(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    choices = [(c.pk, str(c.name)) for c in selectors.checklists()]
    form = RoundForm(
        request.POST or None, checklists=choices, initial={"area_code": (area_codes(user) or [""])[0]}
    )
    if request.method == "POST":
        if not _organises(user):
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                found = round_create(
                    actor=user,
                    data=RoundData(
                        d["name"],
                        d["kind"],
                        d["team"],
                        d["members"],
                        d["area_code"],
                        d["checklist"],
                        d["starts_on"],
                        d["ends_on"],
                    ),
                )
            except (ValidationError, PermissionDenied) as error:
                _refused(form, error)
            else:
                return redirect("supervision:round", round_id=found.pk)
    context = {
        "rounds": selectors.latest_rounds_for(user, limit=100),
        "form": form,
        "may_organise": _organises(user),
        "may_write": _writes(user),
        "checklists": selectors.checklists(),
    }
    return render(request, "supervision/rounds.html", context, status=400 if form.errors else 200)


@require(Capability.READ)
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    user = _user(request)
    found = get_in_scope_or_404(
        request, lambda: selectors.round_for(user, round_id), what="round", key=str(round_id)
    )
    items = list(found.checklist.items.all())
    form = FindingForm(request.POST or None, items=[(i.pk, f"{i.position}. {i.look}") for i in items])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        item = next(i for i in items if i.pk == d["checklist_item"])
        rectify = (
            Rectify(d["category"], d["unit"], d["person"], d["deadline"])
            if d["result"] == Result.PROBLEM
            else None
        )
        try:
            finding_record(
                actor=user,
                round=found,
                checklist_item=item,
                area_code=d["area_code"],
                result=d["result"],
                note=d["note"],
                rectify=rectify,
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("已记录。"))
            return redirect("supervision:round", round_id=found.pk)
    findings = list(selectors.findings_for(user, found))
    by_item = [(i, [f for f in findings if f.checklist_item_id == i.pk]) for i in items]
    context = {
        "round": found,
        "by_item": by_item,
        "form": form,
        "may_record": _writes(user),
        "problems": sum(1 for f in findings if f.result == Result.PROBLEM),
    }
    return render(request, "supervision/round.html", context, status=400 if form.errors else 200)


# --- listed supervision ----------------------------------------------------------------------------------------


@require(Capability.READ)
def listings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ListingForm(
        request.POST or None,
        initial={"year": timezone.localdate().year, "area_code": (area_codes(user) or [""])[0]},
    )
    if request.method == "POST":
        if not _organises(user):
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                listing = listing_create(actor=user, name=d["name"], year=d["year"], area_code=d["area_code"])
            except PermissionDenied as error:
                _refused(form, error)
            else:
                return redirect("supervision:listing", listing_id=listing.pk)
    context = {
        "listings": selectors.latest_listings_for(user, limit=100),
        "form": form,
        "may_organise": _organises(user),
        "may_write": _writes(user),
    }
    return render(request, "supervision/listings.html", context, status=400 if form.errors else 200)


@require(Capability.READ)
def listing_detail(request: HttpRequest, listing_id: int) -> HttpResponse:
    user = _user(request)
    listing = get_in_scope_or_404(
        request, lambda: selectors.listing_for(user, listing_id), what="listing", key=str(listing_id)
    )
    form = ListedAreaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            listing_add_area(
                actor=user,
                listing=listing,
                area_code=form.cleaned_data["area_code"],
                leader=form.cleaned_data["leader"],
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        else:
            return redirect("supervision:listing", listing_id=listing.pk)
    rows = selectors.listed_areas_for(user, listing)
    context = {
        "listing": listing,
        "rows": rows,
        "form": form,
        "may_organise": _organises(user),
        "cleared": sum(1 for r in rows if r.is_cleared),
    }
    return render(request, "supervision/listing.html", context, status=400 if form.errors else 200)


@require(Capability.READ)
def listed_area(request: HttpRequest, listed_id: int) -> HttpResponse:
    user = _user(request)
    listed = get_in_scope_or_404(
        request, lambda: selectors.listed_area_for(user, listed_id), what="listed_area", key=str(listed_id)
    )
    form = EntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        person = get_in_scope_or_404(
            request,
            lambda: selectors.listed_person_for(user, d["person"]),
            what="listed_person",
            key=str(d["person"]),
        )
        if person.listed_id != listed.pk:
            raise Http404
        try:
            listed_entry_add(actor=user, person=person, kind=d["kind"], text=d["text"], on=d["on"])
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, _("已记录。"))
        return redirect("supervision:listed", listed_id=listed.pk)
    persons = list(selectors.listed_persons_for(user, listed))
    context = {
        "listed": listed,
        "persons": persons,
        "may_write": _writes(user),
        "cleared": sum(1 for p in persons if p.cleared_on),
    }
    return render(request, "supervision/listed.html", context)


# --- questions and answers -------------------------------------------------------------------------------------


@require(Capability.READ)
def questions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    query = request.GET.get("q", "").strip()[:50]
    form = QuestionForm(request.POST or None, initial={"area_code": (area_codes(user) or [""])[0]})
    if request.method == "POST" and form.is_valid():
        try:
            question = question_ask(
                actor=user, area_code=form.cleaned_data["area_code"], text=form.cleaned_data["text"]
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("问题已提交。"))
            return redirect("supervision:question", question_id=question.pk)
    page = Paginator(selectors.questions_for(user, query=query), 30).get_page(request.GET.get("page"))
    context = {"page": page, "q": query, "form": form, "may_write": _writes(user)}
    return render(request, "supervision/questions.html", context, status=400 if form.errors else 200)


@require(Capability.READ)
def question_detail(request: HttpRequest, question_id: int) -> HttpResponse:
    user = _user(request)
    question = get_in_scope_or_404(
        request, lambda: selectors.question_for(user, question_id), what="question", key=str(question_id)
    )
    form = AnswerForm(request.POST or None, initial={"areas": question.area_id})
    if request.method == "POST" and form.is_valid():
        try:
            answer_publish(
                actor=user,
                question=question,
                text=form.cleaned_data["text"],
                office=form.cleaned_data["office"],
                area_codes=form.codes(),
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("答复已发布。"))
            return redirect("supervision:question", question_id=question.pk)
    context = {
        "question": question,
        "answers": question.visible,  # type: ignore[attr-defined]
        "form": form,
        "may_answer": _organises(user),
    }
    return render(request, "supervision/question.html", context, status=400 if form.errors else 200)


__all__ = ["ACTIONS"]
