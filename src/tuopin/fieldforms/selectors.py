"""Scoped reads of the submissions received from ODK Collect (or pulled from a Central).

Who sees a submission:
- anyone whose area scope holds its `area` (the village of the household or alert it is about);
- its own submitter, always: it is what they sent, and the phone holds it anyway;
- one with no area (refused because it named nothing known) also the offices whose scope holds an area the
  submitter holds, so that a village's task force's mistakes reach its township and county.

What a submission is about (`target`) is named only through the viewer's own scope: names and masked ID numbers of
households and alerts the viewer reads, never the full ID, and nothing of one outside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from tuopin.accounts.models import User
from tuopin.accounts.scope import scope_q
from tuopin.areas.codes import area_q
from tuopin.core.idmask import mask_id_text
from tuopin.fieldforms.apply import Refused, instance_fields
from tuopin.fieldforms.models import Attachment, Submission, SubmissionStatus
from tuopin.monitoring.models import Alert
from tuopin.registry.history import describe
from tuopin.registry.models import Change, Household

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser


def submissions_for(user: AnyUser) -> QuerySet[Submission]:
    """The submissions the user sees (the module's docstring says who sees what)."""
    if not user.is_authenticated:
        return Submission.objects.none()
    submitters = User.objects.filter(scope_q(user, "area_links__area_id")).values("pk")
    return Submission.objects.filter(
        scope_q(user, "area_id") | Q(user_id=user.pk) | Q(area__isnull=True, user_id__in=submitters)
    )


@dataclass(frozen=True)
class SubmissionFilter:
    status: str = ""
    form: str = ""
    area: str = ""  # an area code: that area and below

    def narrowed(self, rows: QuerySet[Submission], *, status: bool = True) -> QuerySet[Submission]:
        if status and self.status:
            rows = rows.filter(status=self.status)
        if self.form:
            rows = rows.filter(form_id=self.form)
        if self.area:
            rows = rows.filter(area_q("area_id", self.area))
        return rows


def submissions_listed(user: AnyUser, filters: SubmissionFilter) -> QuerySet[Submission]:
    """The list's rows, newest first, with what the rows show read in the same query."""
    rows = filters.narrowed(submissions_for(user))
    return rows.select_related("user", "area").order_by("-received_at", "-id")


def submission_counts(user: AnyUser, filters: SubmissionFilter) -> dict[str, int]:
    """How many of each status the user sees under the filter's form and area (one grouped query)."""
    counts = dict.fromkeys(SubmissionStatus.values, 0)
    grouped = filters.narrowed(submissions_for(user), status=False).values("status").annotate(n=Count("pk"))
    for row in grouped.order_by():
        counts[row["status"]] = row["n"]
    return counts


def review_queue(user: AnyUser) -> QuerySet[Submission]:
    """The submissions waiting for a decision in the user's scope, oldest first (the first come are answered
    first). Own submissions outside the scope are not the user's to resolve, so only the area counts here."""
    return (
        Submission.objects.filter(scope_q(user, "area_id"), status=SubmissionStatus.REVIEW)
        .select_related("user", "area")
        .order_by("received_at", "id")
    )


def submission_for(user: AnyUser, submission_id: int) -> Submission | None:
    return (
        submissions_for(user)
        .select_related("user", "area", "resolved_by")
        .prefetch_related("attachments")
        .filter(pk=submission_id)
        .first()
    )


def attachment_for(user: AnyUser, submission_id: int, name: str) -> Attachment | None:
    """An attachment of a submission the user sees."""
    submissions = submissions_for(user).filter(pk=submission_id).values("pk")
    return Attachment.objects.filter(
        submission_id__in=submissions, submission_id=submission_id, name=name
    ).first()


def attachment_path(attachment: Attachment) -> Path | None:
    """Where the attachment's file is, when it is there and inside the data directory."""
    root = Path(settings.DATA_DIR).resolve()
    path = (root / attachment.path).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


# --- what the submissions are about --------------------------------------------------------------------------------


def targets_named(user: AnyUser, submissions: list[Submission]) -> dict[int, str]:
    """{submission id: what it is about}, the households by number, head's name and masked ID and the alerts by
    their rule and household, read in two queries for a whole page and only in the viewer's scope."""
    numbers = {str(s.target.get("household")) for s in submissions if s.target.get("household")}
    alert_ids = {pk for pk in (_int(s.target.get("alert")) for s in submissions) if pk is not None}
    households = {
        h.number: _household_label(h)
        for h in Household.objects.filter(scope_q(user, "village_id"), number__in=numbers).select_related(
            "head"
        )
    }
    alerts = {
        a.pk: f"{a.get_rule_display()} {_household_label(a.household) if a.household else a.person_masked}".strip()
        for a in Alert.objects.filter(scope_q(user, "area_id"), pk__in=alert_ids).select_related(
            "household__head"
        )
    }
    named = {}
    for submission in submissions:
        alert = _int(submission.target.get("alert"))
        if alert is not None:  # an alert's label names its household
            named[submission.pk] = alerts.get(alert, "—")
        elif submission.target.get("household"):
            named[submission.pk] = households.get(str(submission.target["household"]), "—")
        else:
            named[submission.pk] = ""
    return named


def _household_label(household: Household) -> str:
    head = household.head
    return f"{household.number} {head.name}（{head.id_masked}）" if head else household.number


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- what was received ---------------------------------------------------------------------------------------------


def submission_fields(submission: Submission) -> list[tuple[str, str]]:
    """The instance's answers as (path, value), in the order received, read by the one parser of the apply step; a
    group's answers named by its path (group/question), a repeat's by its number (members[2]/name); ID-shaped values
    masked; the instance's own metadata (meta/…) left out. Nothing when the XML does not parse."""
    try:
        parsed = instance_fields(submission.xml)
    except Refused:
        return []
    fields: list[tuple[str, str]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                if path or name != "meta":
                    walk(inner, f"{path}/{name}" if path else name)
        elif isinstance(value, list):
            for number, inner in enumerate(value, start=1):
                walk(inner, f"{path}[{number}]")
        else:
            fields.append((path, mask_id_text(str(value))))

    walk(parsed, "")
    return fields


def server_changes(user: AnyUser, submission: Submission, *, limit: int = 10) -> list[Change]:
    """For one in review: the latest entries of its household's history (what may have changed on the server after
    the phone read its data), described as the household's timeline shows them; none outside the viewer's scope."""
    number = submission.target.get("household")
    if submission.status != SubmissionStatus.REVIEW or not number:
        return []
    changes = Change.objects.filter(scope_q(user, "household__village_id"), household__number=str(number))
    return describe(changes.order_by("-at", "-id")[:limit])
