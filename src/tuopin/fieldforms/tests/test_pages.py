"""The submissions pages and the attachment view: each persona sees exactly its scope's submissions with the right
counts, no page shows a full ID number, an attachment is shown only inside the scope and every view of it is
audited, and the pages read in a bounded number of queries."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold, client_for
from tuopin.fieldforms.apply import submission_apply
from tuopin.fieldforms.media import household_versions
from tuopin.fieldforms.models import Attachment, Submission, SubmissionStatus
from tuopin.fieldforms.tests.instances import submission_make
from tuopin.monitoring.models import Alert
from tuopin.registry.models import Household
from tuopin.registry.services import income_set

pytestmark = pytest.mark.django_db

OWN_VILLAGE = "130126100201"
NEIGHBOUR_VILLAGE = "130127100201"
FULL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
INCOME = {
    "wage": Decimal(8800),
    **dict.fromkeys(("business", "property_income", "transfer", "costs"), Decimal(0)),
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def instance(form_id: str, household: str, note: str = "看到") -> str:
    return (
        f'<?xml version="1.0"?><data id="{form_id}" version="1" xmlns:jr="http://openrosa.org/javarosa">'
        f"<household>{household}</household><visit><seen>{note}</seen></visit>"
        f"<meta><instanceID>uuid:{household}-{note}</instanceID></meta></data>"
    )


def submission(
    user: User,
    *,
    household: Household | None,
    status: str = SubmissionStatus.APPLIED,
    reason: str = "",
    form_id: str = "visit",
    **target: Any,
) -> Submission:
    number = household.number if household else "unknown"
    return Submission.objects.create(
        instance_id=f"uuid:{number}-{Submission.objects.count()}",
        form_id=form_id,
        user=user,
        area_id=household.village_id if household else None,
        xml=instance(form_id, number),
        status=status,
        reason=reason,
        target={"household": household.number, **target} if household else target,
    )


@pytest.fixture
def village(make_user: MakeUser) -> User:
    return make_user("chengdong", "village", OWN_VILLAGE)


@pytest.fixture
def data(register: RegisterHousehold, village: User, make_user: MakeUser) -> dict[str, Any]:
    own_house = register("H001", village=OWN_VILLAGE)
    other_house = register("H101", village=NEIGHBOUR_VILLAGE)
    gaoyi_team = make_user("dongguan", "village", NEIGHBOUR_VILLAGE)
    rows = {
        "applied": submission(village, household=own_house),
        "review": submission(
            village,
            household=own_house,
            status=SubmissionStatus.REVIEW,
            reason="该户在下载后已修改",
        ),
        "refused_unknown": submission(
            village, household=None, status=SubmissionStatus.REFUSED, reason="户不存在"
        ),
        "neighbour": submission(gaoyi_team, household=other_house),
        "neighbour_unknown": submission(
            gaoyi_team, household=None, status=SubmissionStatus.REFUSED, reason="户不存在"
        ),
    }
    income_set(actor=None, household=own_house, year=2019, amounts=INCOME, reason="入户核实")
    return {"households": (own_house, other_house), "rows": rows}


def _ids(response: Any) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/fieldforms/submissions/(\d+)/"', response.content.decode())}


def test_it_lists_the_scopes_submissions_with_their_counts(own: User, data: dict[str, Any]) -> None:
    rows = data["rows"]
    response = client_for(own).get(reverse("fieldforms:submissions"))
    assert response.status_code == 200
    assert _ids(response) == {rows["applied"].pk, rows["review"].pk, rows["refused_unknown"].pk}
    body = response.content.decode()
    assert 'data-testid="count-all">3<' in body
    assert 'data-testid="count-applied">1<' in body
    assert 'data-testid="count-review">1<' in body
    assert 'data-testid="count-refused">1<' in body
    assert 'data-testid="count-rejected">0<' in body
    assert "H001 王建国（130126" in body  # the household by number, its head's name and masked ID
    assert "入户走访" in body


def test_it_filters_by_status_form_and_area(own: User, data: dict[str, Any]) -> None:
    rows, client = data["rows"], client_for(own)
    assert _ids(client.get(reverse("fieldforms:submissions"), {"status": "review"})) == {rows["review"].pk}
    assert _ids(client.get(reverse("fieldforms:submissions"), {"form": "alert_check"})) == set()
    by_area = client.get(reverse("fieldforms:submissions"), {"area": OWN_VILLAGE})
    assert _ids(by_area) == {rows["applied"].pk, rows["review"].pk}


def test_it_refuses_an_area_outside_the_scope_with_a_404_and_an_audit_row(
    own: User, data: dict[str, Any]
) -> None:
    response = client_for(own).get(reverse("fieldforms:submissions"), {"area": NEIGHBOUR_VILLAGE})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.not_found", object_type="area", result="denied").exists()


def test_it_shows_the_neighbour_only_its_own(neighbour: User, data: dict[str, Any]) -> None:
    rows = data["rows"]
    response = client_for(neighbour).get(reverse("fieldforms:submissions"))
    assert _ids(response) == {rows["neighbour"].pk, rows["neighbour_unknown"].pk}


def test_it_shows_the_submitter_its_own_even_naming_nothing_known(
    village: User, data: dict[str, Any]
) -> None:
    rows = data["rows"]
    response = client_for(village).get(reverse("fieldforms:submissions"))
    assert _ids(response) == {rows["applied"].pk, rows["review"].pk, rows["refused_unknown"].pk}


def test_it_shows_the_inspector_the_scope_read_only(inspector: User, data: dict[str, Any]) -> None:
    rows = data["rows"]
    client = client_for(inspector)
    assert len(_ids(client.get(reverse("fieldforms:submissions")))) == 3
    page = client.get(reverse("fieldforms:submission", args=[rows["review"].pk]))
    assert page.status_code == 200
    assert 'data-testid="resolve"' not in page.content.decode()
    queue = client.get(reverse("fieldforms:review")).content.decode()
    assert 'data-testid="review-row"' in queue and 'data-testid="apply"' not in queue


def test_it_shows_a_submission_with_its_fields_and_what_changed(own: User, data: dict[str, Any]) -> None:
    review = data["rows"]["review"]
    response = client_for(own).get(reverse("fieldforms:submission", args=[review.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "visit/seen" in body and "看到" in body  # the parsed fields
    assert "instanceID" not in body  # the metadata is not an answer
    assert 'data-testid="changes"' in body and "录入收入" in body and "8800" in body  # the server's change
    assert 'data-testid="resolve"' in body
    assert "该户在下载后已修改" in body


def test_it_answers_404_for_a_submission_outside_the_scope_and_audits_it(
    own: User, data: dict[str, Any]
) -> None:
    other = data["rows"]["neighbour"]
    response = client_for(own).get(reverse("fieldforms:submission", args=[other.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="access.not_found", object_type="submission", object_id=str(other.pk)
    ).exists()


def test_no_page_shows_a_full_id_number(own: User, data: dict[str, Any], village: User) -> None:
    own_house = data["households"][0]
    xml = instance("visit", own_house.number).replace("<visit>", "<visit><idcard>110101199003070011</idcard>")
    typed = submission(village, household=own_house)
    Submission.objects.filter(pk=typed.pk).update(xml=xml)
    client = client_for(own)
    urls = [
        reverse("fieldforms:submissions"),
        reverse("fieldforms:review"),
        *(reverse("fieldforms:submission", args=[s.pk]) for s in Submission.objects.all()),
    ]
    for url in urls:
        body = client.get(url).content.decode()
        assert not FULL_ID.search(body), url


# --- attachments ---------------------------------------------------------------------------------------------------


def _attach(submission: Submission, tmp_path: Path, name: str = "photo.png", data: bytes = PNG) -> Attachment:
    folder = tmp_path / "fieldforms" / str(submission.pk)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return Attachment.objects.create(
        submission=submission,
        name=name,
        path=f"fieldforms/{submission.pk}/{name}",
        content_type="image/png" if name.endswith(".png") else "application/octet-stream",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def test_it_streams_an_attachment_inline_in_scope_and_audits_it(
    own: User, data: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    applied = data["rows"]["applied"]
    attached = _attach(applied, tmp_path)
    client = client_for(own)
    page = client.get(reverse("fieldforms:submission", args=[applied.pk])).content.decode()
    url = reverse("fieldforms:attachment", args=[applied.pk, "photo.png"])
    assert f'<img src="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    row = AuditEvent.objects.get(action="fieldforms.attachment_view")
    assert (row.actor, row.object_id, row.result) == (own.username, str(attached.pk), "ok")


def test_it_downloads_an_attachment_that_is_not_an_image(
    own: User, data: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    applied = data["rows"]["applied"]
    _attach(applied, tmp_path, name="page.html", data=b"<script>alert(1)</script>")
    response = client_for(own).get(reverse("fieldforms:attachment", args=[applied.pk, "page.html"]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_it_refuses_an_attachment_outside_the_scope_and_audits_it(
    neighbour: User, data: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    applied = data["rows"]["applied"]
    _attach(applied, tmp_path)
    response = client_for(neighbour).get(reverse("fieldforms:attachment", args=[applied.pk, "photo.png"]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="fieldforms.attachment_view").exists()
    assert AuditEvent.objects.filter(
        action="access.not_found", object_type="submission_attachment", result="denied"
    ).exists()


def test_it_never_serves_a_file_outside_the_data_directory(
    own: User, data: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    (tmp_path / "data").mkdir()
    (tmp_path / "secret.png").write_bytes(PNG)
    applied = data["rows"]["applied"]
    Attachment.objects.create(
        submission=applied, name="x.png", path="../secret.png", content_type="image/png", size=1, sha256="0"
    )
    response = client_for(own).get(reverse("fieldforms:attachment", args=[applied.pk, "x.png"]))
    assert response.status_code == 404


# --- queries -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 20])
def test_the_pages_read_in_a_bounded_number_of_queries(
    size: int, own: User, village: User, register: RegisterHousehold, django_assert_max_num_queries: Any
) -> None:
    for index in range(size):
        house = register(f"Q{index:03d}", village=OWN_VILLAGE)
        submission(village, household=house, status=SubmissionStatus.REVIEW)
        income_set(actor=None, household=house, year=2019, amounts=INCOME, reason="核实")
        submission(village, household=house, form_id="alert_check", alert=index)
    client = client_for(own)
    client.get(reverse("fieldforms:submissions"))  # warm the session
    first = Submission.objects.first()
    assert first is not None
    for url in (
        reverse("fieldforms:submissions"),
        reverse("fieldforms:submissions") + "?status=review&area=130126100",
        reverse("fieldforms:review"),
        reverse("fieldforms:submission", args=[first.pk]),
    ):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200


# --- resolving through the page ------------------------------------------------------------------------------------


def in_review(task_force: User, household: Household) -> Submission:
    """An update of the spouse's labour sent over data the server has changed since: in review."""
    spouse = household.members.get(relation="spouse")
    values = {
        "household": household.number,
        "household_version": household_versions([household.pk])[household.pk],
        "members": [{"member": str(spouse.pk), "labour": "lost"}],
    }
    submission = submission_make(task_force, "household_update", values)
    income_set(actor=None, household=household, year=2026, amounts=INCOME, reason="核实")
    reviewed = submission_apply(submission)
    assert reviewed.status == SubmissionStatus.REVIEW
    return reviewed


def _resolve(user: User, submission: Submission, **data: str) -> Any:
    url = reverse("fieldforms:resolve", args=[submission.pk])
    return client_for(user).post(url, {"next": reverse("fieldforms:review"), **data})


def _messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_it_applies_a_submission_in_review_from_the_queue(
    own: User, village: User, register: RegisterHousehold
) -> None:
    household = register("H201", village=OWN_VILLAGE)
    submission = in_review(village, household)
    queue = client_for(own).get(reverse("fieldforms:review")).content.decode()
    assert f'data-submission="{submission.pk}"' in queue and "H201 王建国" in queue
    response = _resolve(own, submission, decision="apply", note="已电话核实")
    assert response.status_code == 302 and response["Location"] == reverse("fieldforms:review")
    assert _messages(response) == [f"已应用提交 #{submission.pk}。"]
    submission.refresh_from_db()
    assert (submission.status, submission.resolved_by, submission.resolution_note) == (
        "applied",
        own,
        "已电话核实",
    )
    assert household.members.get(relation="spouse").labour == "lost"
    assert AuditEvent.objects.filter(action="fieldforms.resolve", actor=own.username, result="ok").exists()
    assert (
        f'data-submission="{submission.pk}"'
        not in client_for(own).get(reverse("fieldforms:review")).content.decode()
    )


def test_it_rejects_a_submission_in_review_only_with_a_note(
    own: User, village: User, register: RegisterHousehold
) -> None:
    household = register("H202", village=OWN_VILLAGE)
    submission = in_review(village, household)
    refused = _resolve(own, submission, decision="reject", note="  ")
    assert _messages(refused) == ["驳回须写明原因。"]
    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.REVIEW
    response = _resolve(own, submission, decision="reject", note="家庭成员信息已由乡镇更新")
    assert _messages(response) == [f"已驳回提交 #{submission.pk}。"]
    submission.refresh_from_db()
    assert (submission.status, submission.resolution_note) == ("rejected", "家庭成员信息已由乡镇更新")
    assert household.members.get(relation="spouse").labour != "lost"
    assert AuditEvent.objects.filter(action="fieldforms.resolve", result="ok").count() == 1


def test_it_refuses_a_resolution_outside_the_scope_or_without_write(
    neighbour: User, inspector: User, village: User, register: RegisterHousehold
) -> None:
    submission = in_review(village, register("H203", village=OWN_VILLAGE))
    assert _resolve(neighbour, submission, decision="apply").status_code == 404
    assert AuditEvent.objects.filter(
        action="access.not_found", object_type="submission", actor=neighbour.username
    ).exists()
    assert _resolve(inspector, submission, decision="apply").status_code == 403
    assert AuditEvent.objects.filter(
        action="fieldforms.resolve", actor=inspector.username, result="denied"
    ).exists()
    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.REVIEW


def test_resolve_is_post_only(own: User, village: User, register: RegisterHousehold) -> None:
    submission = in_review(village, register("H204", village=OWN_VILLAGE))
    assert client_for(own).get(reverse("fieldforms:resolve", args=[submission.pk])).status_code == 405


def test_it_names_an_alert_by_its_rule_and_household(own: User, village: User, data: dict[str, Any]) -> None:
    own_house = data["households"][0]
    today = timezone.localdate()
    alert = Alert.objects.create(
        rule="medical",
        household=own_house,
        area_id=OWN_VILLAGE,
        first_seen=today,
        last_seen=today,
        first_check_due=today,
        conclusion_due=today,
    )
    checked = submission(village, household=own_house, form_id="alert_check", alert=alert.pk)
    body = client_for(own).get(reverse("fieldforms:submission", args=[checked.pk])).content.decode()
    target = re.search(r'data-testid="target">([^<]*)<', body)
    assert target is not None
    assert target.group(1).startswith(alert.get_rule_display()) and "H001 王建国（130126" in target.group(1)
