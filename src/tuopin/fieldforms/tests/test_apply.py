"""Applying submissions end to end from instance XML: the rows the services write, refusals, review, resolution."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from tuopin.accounts.models import User
from tuopin.accounts.permissions import WriteRefused
from tuopin.assistance.models import Visit
from tuopin.assistance.visits import duty_record
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold
from tuopin.fieldforms.apply import submission_apply, submission_resolve
from tuopin.fieldforms.media import household_versions
from tuopin.fieldforms.models import Attachment, Submission, SubmissionStatus
from tuopin.fieldforms.tests.instances import JPEG, PNG, submission_make
from tuopin.monitoring.models import Alert, AlertStatus, Case
from tuopin.registry.models import Change, Household, Income
from tuopin.registry.services import income_set

pytestmark = pytest.mark.django_db
VILLAGE, OTHER = "130126100201", "130126100202"


@pytest.fixture
def task_force(make_user: MakeUser) -> User:
    return make_user("cundong", "village", VILLAGE)


@pytest.fixture
def household(register: RegisterHousehold) -> Household:
    return register("H001")


@pytest.fixture
def alert(household: Household) -> Alert:
    today = timezone.localdate()
    return Alert.objects.create(
        rule="medical",
        household=household,
        area_id=VILLAGE,
        first_seen=today - timedelta(days=5),
        last_seen=today - timedelta(days=5),
        first_check_due=today,
        conclusion_due=today + timedelta(days=20),
    )


def version_of(household: Household) -> str:
    return household_versions([household.pk])[household.pk]


def audit_rows(action: str, **more: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **more))


def applied(submission: Submission) -> Submission:
    result = submission_apply(submission)
    assert result.status == SubmissionStatus.APPLIED, result.reason
    return Submission.objects.get(pk=result.pk)


def test_it_records_a_visit_against_a_duty_with_photo_and_place(
    task_force: User, household: Household
) -> None:
    duty = duty_record(
        actor=None,
        who="cundong",
        target_type="household",
        target_code="H001",
        frequency="month",
        valid_from=date(2026, 1, 1),
    )
    values = {
        "household": "H001",
        "household_version": version_of(household),
        "duty": str(duty.pk),
        "visited_on": "2026-12-01",
        "purpose": "月度走访",
        "findings": "户主腿伤，已就医",
        "photo": "1701.jpg",
        "location": "38.3 114.4 120 5",
    }
    submission = applied(submission_make(task_force, "visit", values, files={"1701.jpg": JPEG}))
    visit = Visit.objects.get()
    assert (visit.who, visit.target_code, visit.area_id, visit.on) == (
        "cundong",
        "H001",
        VILLAGE,
        date(2026, 12, 1),
    )
    assert visit.photo and "38.3, 114.4" in visit.findings and "户主腿伤" in visit.findings
    assert submission.area_id == VILLAGE
    assert submission.target["household"] == "H001" and submission.target["wrote"]["visit"] == visit.pk
    assert audit_rows("assistance.visit", actor="cundong")
    assert audit_rows("fieldforms.apply", object_id=submission.instance_id, result="ok")


def test_it_updates_members_and_incomes_with_history(task_force: User, household: Household) -> None:
    spouse = household.members.get(relation="spouse")
    values = {
        "household": "H001",
        "household_version": version_of(household),
        "members": [
            {"member": str(spouse.pk), "health": "serious", "labour": "weak", "work_status": "county"}
        ],
        "year": "2026",
        "wage": "12000",
        "transfer": "800.5",
    }
    submission = applied(submission_make(task_force, "household_update", values))
    spouse.refresh_from_db()
    assert (spouse.health, spouse.labour, spouse.work_status) == ("serious", "weak", "county")
    income = Income.objects.get(household=household, year=2026)
    assert (income.wage, income.transfer) == (Decimal("12000"), Decimal("800.50"))
    reasons = set(
        Change.objects.filter(household=household, actor="cundong").values_list("reason", flat=True)
    )
    assert reasons == {f"离线采集 {submission.instance_id}"}
    assert set(Change.objects.filter(actor="cundong").values_list("action", flat=True)) == {
        "member_update",
        "income_add",
    }
    assert submission.target["wrote"]["income"]["wage"] == "12000.00"


def test_it_checks_an_alert_and_opens_a_case_with_the_signature(task_force: User, alert: Alert) -> None:
    values = {
        "alert": str(alert.pk),
        "alert_version": str(alert.version),
        "checked_on": timezone.localdate().isoformat(),
        "finding": "户主住院，自付费用高",
        "verdict": "case",
        "case_type": "sudden",
        "risk_types": ["illness", "other"],
        "visited_by": "王五",
        "signature": "sign.png",
    }
    submission = applied(submission_make(task_force, "alert_check", values, files={"sign.png": PNG}))
    alert.refresh_from_db()
    case = Case.objects.get()
    assert alert.status == AlertStatus.CASE and alert.case == case and alert.checked_on is not None
    assert case.authorisation_signed and case.risk_types == ["illness", "other"] and case.visited_by == "王五"
    assert submission.target["wrote"]["signature"] == "sign.png" and submission.area_id == VILLAGE
    assert audit_rows("monitoring.alert_check", actor="cundong")


def test_it_refuses_a_case_without_the_signature(task_force: User, alert: Alert) -> None:
    values = {
        "alert": str(alert.pk),
        "alert_version": "1",
        "checked_on": timezone.localdate().isoformat(),
        "finding": "核实",
        "verdict": "case",
        "case_type": "sudden",
        "risk_types": ["illness"],
    }
    submission = submission_apply(submission_make(task_force, "alert_check", values))
    assert submission.status == SubmissionStatus.REFUSED and "数据授权书" in submission.reason
    alert.refresh_from_db()
    assert alert.status == AlertStatus.NEW  # nothing of it was written


def test_it_dismisses_an_alert(task_force: User, alert: Alert) -> None:
    values = {
        "alert": str(alert.pk),
        "alert_version": "1",
        "checked_on": timezone.localdate().isoformat(),
        "finding": "已报销，无风险",
        "verdict": "no_risk",
    }
    applied(submission_make(task_force, "alert_check", values))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.NO_RISK and alert.concluded_on == timezone.localdate()
    assert alert.finding == "已报销，无风险"  # once, as the page's dismissal keeps it


def test_it_takes_a_self_report_for_a_village_of_the_scope(task_force: User, household: Household) -> None:
    values = {"village": VILLAGE, "name": "张三", "phone": "13900001111", "text": "孩子上学费用困难"}
    submission = applied(submission_make(task_force, "self_report", values))
    alert = Alert.objects.get(rule="self_report")
    assert alert.area_id == VILLAGE and alert.evidence["text"] == "孩子上学费用困难"
    assert submission.target["wrote"]["alert"] == alert.pk
    assert audit_rows("fieldforms.self_report", actor="cundong")


def test_it_refuses_and_audits_a_household_outside_the_scope(
    task_force: User, register: RegisterHousehold
) -> None:
    register("H002", village=OTHER)
    values = {
        "household": "H002",
        "household_version": "1.3.0",
        "visited_on": "2026-12-01",
        "purpose": "走访",
    }
    submission = submission_apply(submission_make(task_force, "visit", values))
    assert submission.status == SubmissionStatus.REFUSED and submission.reason
    assert submission.area_id is None and not Visit.objects.exists()
    denied = audit_rows("fieldforms.apply", result="denied", actor="cundong")
    assert len(denied) == 1 and denied[0].details["reason"] == "outside_scope"
    self_report = {"village": OTHER, "name": "张三", "phone": "13900001111", "text": "困难"}
    assert submission_apply(submission_make(task_force, "self_report", self_report)).status == "refused"


def test_it_refuses_what_the_services_refuse(task_force: User, household: Household) -> None:
    values = {"household": "H001", "visited_on": "2026-12-01", "purpose": ""}
    submission = submission_apply(submission_make(task_force, "visit", values))
    assert submission.status == SubmissionStatus.REFUSED and "走访事由" in submission.reason
    broken = submission_make(task_force, "visit", {})
    broken.xml = "<data><unclosed>"
    assert submission_apply(broken).reason == "提交的数据无法解析。"


def changed_household_update(task_force: User, household: Household) -> Submission:
    spouse = household.members.get(relation="spouse")
    values = {
        "household": "H001",
        "household_version": version_of(household),
        "members": [{"member": str(spouse.pk), "labour": "lost"}],
    }
    submission = submission_make(task_force, "household_update", values)
    income_set(actor=None, household=household, year=2026, amounts={"wage": Decimal("5000")}, reason="核实")
    return submission_apply(submission)


def test_it_sends_a_submission_over_a_changed_household_to_review(
    task_force: User, household: Household
) -> None:
    submission = changed_household_update(task_force, household)
    assert submission.status == SubmissionStatus.REVIEW and submission.reason == "服务器上的数据已变更"
    assert submission.area_id == VILLAGE
    assert household.members.get(relation="spouse").labour == ""  # not applied blindly
    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.REVIEW


def test_it_sends_a_check_of_a_changed_alert_to_review(task_force: User, alert: Alert) -> None:
    values = {"alert": str(alert.pk), "alert_version": "0", "checked_on": "2026-12-01", "finding": "x"}
    assert submission_apply(submission_make(task_force, "alert_check", values)).status == "review"


def test_it_applies_a_review_when_accepted(
    task_force: User, household: Household, make_user: MakeUser
) -> None:
    submission = changed_household_update(task_force, household)
    township = make_user("zhen", "township", "130126100")
    resolved = submission_resolve(actor=township, submission=submission, accept=True, note="已核实")
    assert resolved.status == SubmissionStatus.APPLIED and resolved.resolved_by == township
    assert household.members.get(relation="spouse").labour == "lost"
    assert audit_rows("fieldforms.resolve", actor="zhen", result="ok")


def test_it_rejects_a_review_with_a_note(task_force: User, household: Household) -> None:
    submission = changed_household_update(task_force, household)
    with pytest.raises(ValidationError):
        submission_resolve(actor=task_force, submission=submission, accept=False, note=" ")
    resolved = submission_resolve(actor=task_force, submission=submission, accept=False, note="数据已过时")
    assert resolved.status == SubmissionStatus.REJECTED and resolved.resolution_note == "数据已过时"
    assert household.members.get(relation="spouse").labour == ""
    with pytest.raises(ValidationError):
        submission_resolve(actor=task_force, submission=resolved, accept=True, note="")


def test_it_lets_only_an_office_of_the_area_resolve(
    task_force: User, household: Household, neighbour: User, inspector: User
) -> None:
    submission = changed_household_update(task_force, household)
    for outsider in (neighbour, inspector):
        with pytest.raises(WriteRefused):
            submission_resolve(actor=outsider, submission=submission, accept=True, note="")
    assert len(audit_rows("fieldforms.resolve", result="denied")) == 2
    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.REVIEW


def test_it_returns_a_handled_submission_unchanged(task_force: User, household: Household) -> None:
    values = {"household": "H001", "visited_on": "2026-12-01", "purpose": "走访"}
    submission = applied(submission_make(task_force, "visit", values))
    again = submission_apply(submission)
    assert again.status == SubmissionStatus.APPLIED and Visit.objects.count() == 1
    review = changed_household_update(task_force, household)
    assert submission_apply(review).status == SubmissionStatus.REVIEW


def test_it_waits_for_an_attachment_still_to_come(task_force: User, household: Household) -> None:
    values = {"household": "H001", "visited_on": "2026-12-01", "purpose": "走访", "photo": "later.jpg"}
    submission = submission_make(task_force, "visit", values)
    waiting = submission_apply(submission)
    assert waiting.status == SubmissionStatus.RECEIVED and "later.jpg" in waiting.reason
    assert not Visit.objects.exists()
    path = Path(settings.DATA_DIR) / "fieldforms" / "later.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(JPEG)
    Attachment.objects.create(
        submission=submission,
        name="later.jpg",
        path="fieldforms/later.jpg",
        content_type="image/jpeg",
        size=len(JPEG),
        sha256="0" * 64,
    )
    assert applied(Submission.objects.get(pk=submission.pk)).target["wrote"]["photo"] is True
