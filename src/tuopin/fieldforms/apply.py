"""Applying a submission from ODK Collect: through the same services as the pages, as its user, with their checks.

A submission is stored as received first (receive.py); `submission_apply` then reads its XML and either applies it
(status applied), refuses it (refused, with the reason in Chinese: a value the services refuse, a household or alert
unknown or outside the submitter's scope — that refusal audited) or, when what it is about changed on the server
after the phone downloaded its data, puts it in review: the device sends back the data version of the household or
alert it read from the media files (media.household_versions, the alert's version), and a submission is never
applied over a change it did not see. The village or township resolves a review (`submission_resolve`): apply it
now over the current data, or reject it with a note. A submission whose photo or signature has not arrived yet
stays received until the post that brings it (Collect splits large submissions).

A visit and a self-report are facts of the day that no change on the server makes wrong, so they carry no version
and are applied directly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeElementTree
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tuopin.accounts.areas import areas_for
from tuopin.accounts.models import User
from tuopin.accounts.permissions import WriteRefused, can_write, write_required
from tuopin.accounts.roles import Capability
from tuopin.assistance.models import TargetType
from tuopin.assistance.selectors import duties_for
from tuopin.assistance.visits import person_key, visit_record
from tuopin.audit.services import audit_record
from tuopin.fieldforms.media import household_versions
from tuopin.fieldforms.models import Attachment, Submission, SubmissionStatus
from tuopin.monitoring.cases import Verification, case_open
from tuopin.monitoring.models import Alert, AlertStatus
from tuopin.monitoring.selectors import alerts_for
from tuopin.monitoring.services import alert_check, alert_dismiss, self_report
from tuopin.registry.models import Household
from tuopin.registry.selectors import households_for
from tuopin.registry.services import INCOME_FIELDS, income_set, member_update

Fields = dict[str, Any]
REPEATS = frozenset({"members"})
MEMBER_VALUES = ("school_status", "health", "disability_grade", "labour", "work_status")
CHANGED = gettext_noop(
    "服务器上的数据已变更"
)  # the reason of a review, kept in Chinese (translated where shown)
RESOLVERS = ("village", "township", "county")


class Refused(Exception):
    """The submission cannot be applied: `message` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AttachmentMissing(Refused):
    """A file the instance names has not arrived: ODK Collect sends a large submission in several posts, so the
    submission waits (status received) for the post that brings it."""


@dataclass
class Located:
    """What a submission is about, found in its submitter's scope."""

    area: str
    target: dict[str, Any]
    sent_version: str = ""  # the data version the phone read; blank for forms that carry none
    server_version: str = ""
    obj: Any = None


@dataclass
class Handler:
    locate: Callable[[Submission, Fields], Located]
    write: Callable[[Submission, Fields, Located], dict[str, Any]]
    versioned: bool = False


# ------------------------------------------------------------------------------------------------ reading


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _element(node: Element) -> Any:
    children = list(node)
    if not children:
        return (node.text or "").strip()
    out: Fields = {}
    for child in children:
        name = _local(child.tag)
        value = _element(child)
        if name in REPEATS:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def instance_fields(xml: str | bytes) -> Fields:
    """The instance's values by field name ({"household": "…", "members": [{…}, …], "meta": {…}}); a repeat is a
    list. Parsed with defusedxml: no entities, no external references."""
    try:
        root = SafeElementTree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    except Exception as error:
        raise Refused(_("提交的数据无法解析。")) from error
    fields = _element(root)
    if not isinstance(fields, dict):
        raise Refused(_("提交的数据无法解析。"))
    return fields


def _text(fields: Fields, name: str) -> str:
    value = fields.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _date(fields: Fields, name: str) -> date:
    try:
        return date.fromisoformat(_text(fields, name)[:10])
    except ValueError as error:
        raise Refused(_("日期无效：%(value)s") % {"value": _text(fields, name)[:20]}) from error


def _attachment(submission: Submission, name: str) -> tuple[str, bytes]:
    """The (file name, content) of an attachment the instance names; blank when it names none."""
    if not name:
        return "", b""
    kept = Attachment.objects.filter(submission=submission, name=name).first()
    if kept is None:
        raise AttachmentMissing(_("等待附件：%(name)s") % {"name": Path(name).name})
    return kept.name, (Path(settings.DATA_DIR) / kept.path).read_bytes()


def _outside(submission: Submission, what: str, key: str) -> Refused:
    """The refusal of a household, alert or village the submitter may not reach (unknown or outside the scope: the
    same words either way), audited."""
    audit_record(
        action="fieldforms.apply",
        actor=submission.user,
        object_type="submission",
        object_id=submission.instance_id[:64],
        result="denied",
        details={"form": submission.form_id, "reason": "outside_scope", what: key[:40]},
    )
    return Refused(_("找不到该对象，或不在您的管辖范围内。"))


# ------------------------------------------------------------------------------------------------ the forms


def _household(submission: Submission, fields: Fields) -> Household:
    number = _text(fields, "household")
    household = households_for(submission.user).filter(number=number).first() if number else None
    if household is None:
        raise _outside(submission, "household", number)
    return household


def _household_located(submission: Submission, fields: Fields) -> Located:
    household = _household(submission, fields)
    return Located(
        area=household.village_id,
        target={"household": household.number},
        sent_version=_text(fields, "household_version"),
        server_version=household_versions([household.pk])[household.pk],
        obj=household,
    )


def _visit_write(submission: Submission, fields: Fields, located: Located) -> dict[str, Any]:
    user = submission.user
    household: Household = located.obj
    duty = None
    if _text(fields, "duty"):
        duty_id = _text(fields, "duty")
        duty = duties_for(user).filter(pk=int(duty_id) if duty_id.isdigit() else 0).first()
        if duty is None:
            raise Refused(_("找不到该走访任务。"))
    findings = _text(fields, "findings")
    location = _text(fields, "location").split()
    if len(location) >= 2:
        findings = f"{findings}\n" if findings else ""
        findings += _("位置：%(lat)s, %(lon)s") % {"lat": location[0], "lon": location[1]}
    photo_name, photo_data = _attachment(submission, _text(fields, "photo"))
    visit = visit_record(
        actor=user,
        who=duty.who if duty else person_key(user.full_name or user.get_username()),
        on=_date(fields, "visited_on"),
        target_type=TargetType.HOUSEHOLD,
        target_code=household.number,
        purpose=_text(fields, "purpose"),
        findings=findings,
        role=duty.role if duty else "",
        unit_name=duty.unit_name if duty else "",
        photo_name=photo_name,
        photo_data=photo_data,
    )
    return {"visit": visit.pk, "duty": duty.pk if duty else None, "photo": bool(visit.photo)}


def _amount(fields: Fields, name: str) -> Decimal:
    try:
        return Decimal(_text(fields, name))
    except InvalidOperation as error:
        raise Refused(_("金额无效：%(value)s") % {"value": _text(fields, name)[:20]}) from error


def _household_update_write(submission: Submission, fields: Fields, located: Located) -> dict[str, Any]:
    user, household = submission.user, located.obj
    reason = _("离线采集 %(id)s") % {"id": submission.instance_id}
    current = {str(m.pk): m for m in household.members.filter(left_on__isnull=True)}
    written: dict[str, Any] = {"members": {}}
    for row in fields.get("members", []):
        member = current.get(_text(row, "member")) if isinstance(row, dict) else None
        if member is None:
            raise Refused(_("该成员不是本户在册成员。"))
        values: dict[str, Any] = {name: _text(row, name) for name in MEMBER_VALUES if _text(row, name)}
        if "disability_grade" in values:
            values["disability_grade"] = int(values["disability_grade"])
        member_update(actor=user, member=member, version=member.version, values=values, reason=reason)
        written["members"][str(member.pk)] = values
    if _text(fields, "year"):
        amounts = {name: _amount(fields, name) for name in INCOME_FIELDS if _text(fields, name)}
        if amounts:
            year = int(_text(fields, "year"))
            income_set(actor=user, household=household, year=year, amounts=amounts, reason=reason)
            written["income"] = {"year": year, **{k: f"{v:.2f}" for k, v in amounts.items()}}
    return written


def _alert_located(submission: Submission, fields: Fields) -> Located:
    key = _text(fields, "alert")
    alert = alerts_for(submission.user).filter(pk=int(key)).first() if key.isdigit() else None
    if alert is None:
        raise _outside(submission, "alert", key)
    return Located(
        area=alert.area_id,
        target={"alert": alert.pk, "household": alert.household.number if alert.household else ""},
        sent_version=_text(fields, "alert_version"),
        server_version=str(alert.version),
        obj=alert,
    )


def _alert_check_write(submission: Submission, fields: Fields, located: Located) -> dict[str, Any]:
    user, alert = submission.user, located.obj
    assert isinstance(alert, Alert)
    on, finding, verdict = _date(fields, "checked_on"), _text(fields, "finding"), _text(fields, "verdict")
    if verdict not in (AlertStatus.CHECKING, AlertStatus.NO_RISK, AlertStatus.CASE):
        raise Refused(_("请选择核查结论。"))
    # A dismissal is the page's one step (alert_dismiss keeps the finding); a check or a case records the check first.
    if verdict == AlertStatus.CHECKING or (alert.status == AlertStatus.NEW and verdict == AlertStatus.CASE):
        alert_check(actor=user, alert=alert, version=alert.version, checked_on=on, finding=finding)
    written: dict[str, Any] = {"verdict": verdict}
    if verdict == AlertStatus.NO_RISK:
        alert_dismiss(actor=user, alert=alert, version=alert.version, concluded_on=on, finding=finding)
    elif verdict == AlertStatus.CASE:
        if alert.household is None:
            raise Refused(_("该人员尚未建档：请先作为一般农户登记，再纳入监测。"))
        signature, _content = _attachment(submission, _text(fields, "signature"))
        verification = Verification(
            on, _text(fields, "visited_by") or user.full_name or user.get_username(), bool(signature), finding
        )
        case = case_open(
            actor=user,
            household=alert.household,
            type=_text(fields, "case_type"),
            risk_types=_text(fields, "risk_types").split(),
            verification=verification,
            alert=alert,
        )
        written |= {"case": case.pk, "signature": signature}  # the signature stays with the submission
    return written


def _village_located(submission: Submission, fields: Fields) -> Located:
    code = _text(fields, "village")
    if not code or not areas_for(submission.user).filter(code=code, level="village").exists():
        raise _outside(submission, "village", code)
    return Located(area=code, target={"village": code})


def _self_report_write(submission: Submission, fields: Fields, located: Located) -> dict[str, Any]:
    write_required(
        submission.user,
        area_codes=[located.area],
        action="fieldforms.self_report",
        object_type="submission",
        object_id=submission.instance_id,
        message=_("您无权修改该区划的数据。"),
    )
    # The public form's limits per client guard against anonymous floods; a task force's phone is signed in,
    # so each submission is its own client and only the per-phone limit applies.
    alert = self_report(
        village=located.area,
        name=_text(fields, "name"),
        phone=_text(fields, "phone"),
        text=_text(fields, "text"),
        client=f"odk:{submission.instance_id}",
    )
    audit_record(
        action="fieldforms.self_report",
        actor=submission.user,
        object_type="alert",
        object_id=str(alert.pk),
        area=located.area,
    )
    return {"alert": alert.pk}


HANDLERS: dict[str, Handler] = {
    "visit": Handler(_household_located, _visit_write),
    "household_update": Handler(_household_located, _household_update_write, versioned=True),
    "alert_check": Handler(_alert_located, _alert_check_write, versioned=True),
    "self_report": Handler(_village_located, _self_report_write),
}


# ------------------------------------------------------------------------------------------------ applying


def _messages(error: ValidationError) -> str:
    return "；".join(str(message) for message in error.messages)[:500]


def _taken(submission: Submission) -> bool:
    """Lock the submission's row; True when another process handled it since it was read (a resend racing)."""
    status = Submission.objects.select_for_update().filter(pk=submission.pk).values_list("status", flat=True)
    return status.first() != submission.status


def _outcome(submission: Submission, *, check_version: bool) -> Submission:
    """Apply the submission in one transaction; refuse it (nothing written) or send it to review instead."""
    handler = HANDLERS.get(submission.form_id)
    try:
        if handler is None:
            raise Refused(_("未知表单：%(form)s") % {"form": submission.form_id[:60]})
        fields = instance_fields(submission.xml)
        located = handler.locate(submission, fields)
        submission.area_id, submission.target = located.area, dict(located.target)
        if handler.versioned:
            submission.target |= {
                "sent_version": located.sent_version,
                "server_version": located.server_version,
            }
            if check_version and located.sent_version != located.server_version:
                submission.status, submission.reason = SubmissionStatus.REVIEW, CHANGED
                return submission
        with transaction.atomic():
            if _taken(submission):
                return Submission.objects.get(pk=submission.pk)
            written = handler.write(submission, fields, located)
            submission.target = {**submission.target, "wrote": written}
            submission.status, submission.reason = SubmissionStatus.APPLIED, ""
            submission.save()
            audit_record(
                action="fieldforms.apply",
                actor=submission.user,
                object_type="submission",
                object_id=submission.instance_id[:64],
                area=located.area,
                details={"form": submission.form_id},
            )
    except AttachmentMissing as missing:
        submission.reason = missing.message
    except Refused as refused:
        submission.status, submission.reason = SubmissionStatus.REFUSED, refused.message
    except WriteRefused as refused:
        refused.record()  # its row went with the rolled-back transaction
        submission.status, submission.reason = SubmissionStatus.REFUSED, str(refused)
    except ValidationError as error:  # the services' own checks, a stale edit among them
        submission.status, submission.reason = SubmissionStatus.REFUSED, _messages(error)
    return submission


def submission_apply(submission: Submission) -> Submission:
    """Apply a received submission (see the module notes); one already handled is returned as it is."""
    if submission.status != SubmissionStatus.RECEIVED:
        return submission
    submission = _outcome(submission, check_version=True)
    if submission.status != SubmissionStatus.APPLIED:
        submission.save()
    return submission


def resolves(user: User) -> bool:
    """Whether the user resolves submissions at all: a village, township or county office that writes."""
    return user.can(Capability.WRITE) and user.role in RESOLVERS


def may_resolve(actor: User | None, submission: Submission) -> bool:
    """THE rule of resolving a submission: an office that resolves (`resolves`) and may write its area."""
    area = submission.area_id or ""
    return actor is not None and bool(area) and resolves(actor) and can_write(actor, area)


def submission_resolve(*, actor: User | None, submission: Submission, accept: bool, note: str) -> Submission:
    """Resolve a submission in review: accept applies it now over the current data (refused if the services refuse
    it), reject closes it with the note. Only a village, township or county office whose scope holds its area."""
    write_required(
        actor,
        allowed=may_resolve(actor, submission),
        action="fieldforms.resolve",
        object_type="submission",
        object_id=submission.instance_id,
        message=_("只有管辖该区划的村、乡镇、县级用户可以处理该提交。"),
    )
    if submission.status != SubmissionStatus.REVIEW:
        raise ValidationError(_("该提交不在待审核状态。"))
    if not accept and not note.strip():
        raise ValidationError({"note": [_("驳回时请填写说明。")]})
    if accept:
        submission = _outcome(submission, check_version=False)
    else:
        submission.status = SubmissionStatus.REJECTED
    submission.resolved_by, submission.resolved_at = actor, timezone.now()
    submission.resolution_note = note.strip()[:200]
    with transaction.atomic():
        submission.save()
        audit_record(
            action="fieldforms.resolve",
            actor=actor,
            object_type="submission",
            object_id=submission.instance_id[:64],
            area=submission.area_id or "",
            details={"accept": accept, "status": submission.status},
        )
    return submission
