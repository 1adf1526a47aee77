"""Pages of the field collection: the submissions per scope (counts by status, the list, one submission with what
was received and its attachments), and the review queue where a village or township applies or rejects what changed
on the server after the phone read it. Reads go through selectors.py, the resolution through apply.py's
submission_resolve, which checks the write (a refusal answers 403 with its one audit row)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tuopin.accounts.areas import area_for
from tuopin.accounts.models import User
from tuopin.accounts.permissions import get_in_scope_or_404, require
from tuopin.accounts.roles import Capability
from tuopin.audit.services import audit_record
from tuopin.core.forms import TextCheckedForm
from tuopin.fieldforms import selectors
from tuopin.fieldforms.apply import may_resolve, resolves, submission_resolve
from tuopin.fieldforms.forms import FORMS, forms_for
from tuopin.fieldforms.models import Submission, SubmissionStatus

PAGE = 50
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}  # what a browser may show in the page


class FilterForm(TextCheckedForm):
    status = forms.ChoiceField(required=False, choices=[("", ""), *SubmissionStatus.choices])
    form = forms.CharField(required=False, max_length=60)
    area = forms.RegexField(required=False, regex=r"^\d{2,12}$")


class ResolveForm(TextCheckedForm):
    decision = forms.ChoiceField(choices=[("apply", gettext_lazy("应用")), ("reject", gettext_lazy("驳回"))])
    note = forms.CharField(label=gettext_lazy("处理说明"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not data.get("note", "").strip():
            self.add_error("note", _("驳回须写明原因。"))
        return data


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]  # signed in: @require
    return user


def _titles() -> dict[str, str]:
    return {form_id: str(spec.title) for form_id, spec in FORMS.items()}


def _rows(user: User, submissions: list[Submission]) -> list[tuple[Submission, str, str]]:
    """A page's rows as (submission, form title, what it is about)."""
    titles, targets = _titles(), selectors.targets_named(user, submissions)
    return [(s, titles.get(s.form_id, s.form_id), targets.get(s.pk, "")) for s in submissions]


def _filters(request: HttpRequest) -> selectors.SubmissionFilter:
    """The list's filter; an unknown value is ignored, an area outside the scope answers 404 (audited)."""
    form = FilterForm(request.GET)
    if not form.is_valid():
        return selectors.SubmissionFilter()
    data = form.cleaned_data
    if data["area"]:
        user = _user(request)
        get_in_scope_or_404(request, lambda: area_for(user, data["area"]), what="area", key=data["area"])
    return selectors.SubmissionFilter(status=data["status"], form=data["form"], area=data["area"])


@require(Capability.READ)
def submissions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = _filters(request)
    page = Paginator(selectors.submissions_listed(user, filters), PAGE).get_page(request.GET.get("page"))
    counts = selectors.submission_counts(user, filters)
    tabs = [
        {"status": status, "label": label, "count": counts.get(status, 0)}
        for status, label in SubmissionStatus.choices
    ]
    context = {
        "page": page,
        "rows": _rows(user, list(page)),
        "titles": _titles(),
        "tabs": tabs,
        "total": sum(counts.values()),
        "filters": filters,
        "query": {key: value for key, value in request.GET.items() if key != "page"},
        "collects": bool(forms_for(user)),
        "in_review": counts.get(SubmissionStatus.REVIEW, 0),
    }
    return render(request, "fieldforms/submissions.html", context)


def _submission(request: HttpRequest, submission_id: int) -> Submission:
    user = _user(request)
    return get_in_scope_or_404(
        request,
        lambda: selectors.submission_for(user, submission_id),
        what="submission",
        key=str(submission_id),
    )


def _may_resolve(user: User, submission: Submission) -> bool:
    """Whether to offer the apply and reject buttons: the service's rule (apply.may_resolve) decides."""
    return submission.status == SubmissionStatus.REVIEW and may_resolve(user, submission)


@require(Capability.READ)
def submission(request: HttpRequest, submission_id: int) -> HttpResponse:
    user = _user(request)
    found = _submission(request, submission_id)
    context = {
        "submission": found,
        "title": _titles().get(found.form_id, found.form_id),
        "target": selectors.targets_named(user, [found]).get(found.pk, ""),
        "fields": selectors.submission_fields(found),
        "changes": selectors.server_changes(user, found),
        "attachments": [(a, a.content_type in INLINE_TYPES) for a in found.attachments.all()],
        "may_resolve": _may_resolve(user, found),
        "form": ResolveForm(),
    }
    return render(request, "fieldforms/submission.html", context)


@require(Capability.READ)
def attachment(request: HttpRequest, submission_id: int, name: str) -> HttpResponse:
    """A submission's photo or signature, to those who see the submission: images shown in the page, anything else
    downloaded; never cached; every view audited (the photos are of people and their homes)."""
    user = _user(request)
    found = get_in_scope_or_404(
        request,
        lambda: selectors.attachment_for(user, submission_id, name),
        what="submission_attachment",
        key=f"{submission_id}/{name}",
    )
    path = selectors.attachment_path(found)
    if path is None:
        raise Http404
    audit_record(
        action="fieldforms.attachment_view",
        request=request,
        object_type="submission_attachment",
        object_id=str(found.pk),
        details={"submission": submission_id, "content_type": found.content_type, "size": found.size},
    )
    inline = found.content_type in INLINE_TYPES
    response = FileResponse(
        path.open("rb"),
        content_type=found.content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=found.name,
    )
    response["Cache-Control"] = "no-store"
    return response  # type: ignore[return-value]  # a streamed file; @require passes it on


@require(Capability.READ)
def review(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = Paginator(selectors.review_queue(user), PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": _rows(user, list(page)),
        "may_write": resolves(user),
        "query": {},
        "collects": bool(forms_for(user)),
        "in_review": page.paginator.count,
    }
    return render(request, "fieldforms/review.html", context)


def _back(request: HttpRequest, submission_id: int) -> str:
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return reverse("fieldforms:submission", args=[submission_id])


@require(Capability.READ)
@require_POST
def resolve(request: HttpRequest, submission_id: int) -> HttpResponse:
    """Apply a submission in review now, or reject it with a note. Who may is the service's check (403)."""
    user = _user(request)
    found = _submission(request, submission_id)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, str(problem))
        return redirect(_back(request, submission_id))
    accept = form.cleaned_data["decision"] == "apply"
    try:
        done = submission_resolve(
            actor=user, submission=found, accept=accept, note=form.cleaned_data["note"].strip()
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, str(message))
        return redirect(_back(request, submission_id))
    if done.status == SubmissionStatus.APPLIED:
        messages.success(request, _("已应用提交 #%(id)s。") % {"id": done.pk})
    elif done.status == SubmissionStatus.REJECTED:
        messages.success(request, _("已驳回提交 #%(id)s。") % {"id": done.pk})
    else:
        messages.warning(
            request, _("提交 #%(id)s 未能应用：%(reason)s") % {"id": done.pk, "reason": done.reason}
        )
    return redirect(_back(request, submission_id))
