"""A scripted OpenRosa client against the live server, speaking HTTP as ODK Collect does: a request without
credentials first, Basic auth after the 401, the form list, a form, its manifest and media, then HEAD and POST of a
submission in multipart."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from tuopin.accounts.models import User
from tuopin.assistance.models import Visit
from tuopin.audit.models import AuditEvent
from tuopin.conftest import PASSWORD, MakeUser, RegisterHousehold
from tuopin.fieldforms.devices import device_create, device_revoke
from tuopin.fieldforms.forms import FORMS
from tuopin.fieldforms.media import media_for
from tuopin.fieldforms.models import Attachment, Device, Submission, SubmissionStatus
from tuopin.fieldforms.tests.instances import instance_xml as fixture_instance
from tuopin.monitoring.models import Alert, AlertStatus, Case, SelfReport
from tuopin.registry.models import Change, Household, Income
from tuopin.registry.services import income_set

LIST = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE = "{http://openrosa.org/http/response}"
FULL_ID = re.compile(rb"(?<!\d)\d{17}[\dXx](?![\dXx])")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@dataclass
class Answer:
    status: int
    headers: Any
    body: bytes

    def xml(self) -> Element:
        element: Element = ElementTree.fromstring(self.body)
        return element

    def message(self) -> str:
        return self.xml().findtext(f"{RESPONSE}message") or ""


@dataclass
class Collect:
    """ODK Collect as far as the server sees it: credentials sent only after the server asked for them."""

    base: str
    username: str
    password: str
    challenged: bool = False
    answers: list[Answer] = field(default_factory=list)

    def send(
        self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        url = url if url.startswith("http") else self.base + url
        answer = self._send(method, url, body, headers or {})
        if answer.status == 401 and not self.challenged:
            assert answer.headers["WWW-Authenticate"].startswith('Basic realm="Tuopin"')
            self.challenged = True
            answer = self._send(method, url, body, headers or {})
        self.answers.append(answer)
        return answer

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        headers = {"X-OpenRosa-Version": "1.0", **headers}
        if self.challenged:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request) as response:  # noqa: S310 - the live server's http URL
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, error.read())

    def submit(self, instance: bytes, files: dict[str, tuple[bytes, str]] | None = None) -> Answer:
        boundary = uuid.uuid4().hex
        parts = [("xml_submission_file", "submission.xml", instance, "text/xml")]
        parts += [(name, name, data, kind) for name, (data, kind) in (files or {}).items()]
        body = b""
        for field_name, file_name, data, kind in parts:
            body += (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; filename="{file_name}"\r\n'
                    f"Content-Type: {kind}\r\n\r\n"
                ).encode()
                + data
                + b"\r\n"
            )
        body += f"--{boundary}--\r\n".encode()
        return self.send(
            "POST",
            "/openrosa/submission",
            body,
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )


def instance_xml(form_id: str = "self_report", instance_id: str = "", extra: str = "") -> bytes:
    """A minimal instance of a form: its id and version on the root, meta/instanceID."""
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    version = FORMS[form_id].version if form_id in FORMS else "1"
    return (
        f'<?xml version="1.0"?><data xmlns:orx="http://openrosa.org/xforms" id="{form_id}" version="{version}">'
        f"{extra}<meta><instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


@pytest.fixture
def village(make_user: MakeUser) -> User:
    return make_user("chengdong", "village", "130126100201")


@pytest.fixture
def collect(live_server: Any, village: User) -> Collect:
    _device, password = device_create(actor=None, user=village, label="手机")
    return Collect(live_server.url, "chengdong", password)


def _no_full_id(collect: Collect) -> None:
    for answer in collect.answers:
        assert not FULL_ID.search(answer.body)


def test_it_asks_for_credentials_then_lists_only_the_users_forms(collect: Collect, village: User) -> None:
    first = collect._send("GET", collect.base + "/openrosa/formList", None, {})
    assert first.status == 401 and first.headers["WWW-Authenticate"].startswith("Basic")
    answer = collect.send("GET", "/openrosa/formList")
    assert answer.status == 200
    assert answer.headers["X-OpenRosa-Version"] == "1.0"
    assert answer.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert answer.headers["Date"]
    assert "no-store" in answer.headers["Cache-Control"]
    forms = {xform.findtext(f"{LIST}formID"): xform for xform in answer.xml().iter(f"{LIST}xform")}
    assert set(forms) == set(FORMS)
    visit = forms["visit"]
    assert visit.findtext(f"{LIST}name") == "入户走访"
    assert visit.findtext(f"{LIST}version") == FORMS["visit"].version
    assert visit.findtext(f"{LIST}hash") == FORMS["visit"].hash
    assert visit.findtext(f"{LIST}downloadUrl") == collect.base + "/openrosa/forms/visit/form.xml"
    assert visit.findtext(f"{LIST}manifestUrl") == collect.base + "/openrosa/forms/visit/manifest"
    assert Device.objects.get(user=village).last_used_at is not None


def test_a_role_without_forms_gets_an_empty_list_and_no_form(live_server: Any, inspector: User) -> None:
    _device, password = device_create(actor=None, user=inspector, label="手机")
    collect = Collect(live_server.url, "inspector", password)
    answer = collect.send("GET", "/openrosa/formList")
    assert answer.status == 200 and not list(answer.xml())
    assert collect.send("GET", "/openrosa/forms/visit/form.xml").status == 404
    assert collect.send("GET", "/openrosa/forms/visit/manifest").status == 404
    assert collect.send("GET", "/openrosa/forms/visit/media/households.csv").status == 404
    assert collect.submit(instance_xml("visit")).status == 403
    assert not Submission.objects.exists()


def test_it_serves_the_form_its_manifest_and_media_with_etags(
    collect: Collect, village: User, register: RegisterHousehold
) -> None:
    register("0001")
    form = collect.send("GET", "/openrosa/forms/visit/form.xml")
    assert form.status == 200 and form.body == FORMS["visit"].xml()
    assert "md5:" + hashlib.md5(form.body).hexdigest() == FORMS["visit"].hash  # noqa: S324 - the protocol's hash
    manifest = collect.send("GET", "/openrosa/forms/visit/manifest")
    files = {
        media.findtext(f"{MANIFEST}filename"): media for media in manifest.xml().iter(f"{MANIFEST}mediaFile")
    }
    assert set(files) == set(FORMS["visit"].media)
    households = files["households.csv"]
    url = households.findtext(f"{MANIFEST}downloadUrl") or ""
    media = collect.send("GET", url)
    assert media.status == 200 and media.body == media_for(village, "visit")["households.csv"]
    assert "md5:" + hashlib.md5(media.body).hexdigest() == households.findtext(f"{MANIFEST}hash")  # noqa: S324
    assert media.headers["ETag"] == f'"{households.findtext(f"{MANIFEST}hash")}"'
    assert collect.send("GET", url, headers={"If-None-Match": media.headers["ETag"]}).status == 304
    register("0002")  # the scope's data changed: a new hash, so the phone downloads the file again
    changed = collect.send("GET", url, headers={"If-None-Match": media.headers["ETag"]})
    assert changed.status == 200 and changed.headers["ETag"] != media.headers["ETag"]
    assert collect.send("GET", "/openrosa/forms/visit/media/other.csv").status == 404
    assert collect.send("GET", "/openrosa/forms/nosuch/form.xml").status == 404
    _no_full_id(collect)


def test_head_then_post_a_submission_with_a_photo_once_per_instance(collect: Collect, village: User) -> None:
    head = collect.send("HEAD", "/openrosa/submission")
    assert head.status == 204 and head.headers["X-OpenRosa-Version"] == "1.0"
    assert head.headers["X-OpenRosa-Accept-Content-Length"] == str(settings.TUOPIN_UPLOAD_MAX_BYTES)
    instance = instance_xml("visit", "uuid:0b4b7c1e-1111-4a4a-9c9c-000000000001")
    answer = collect.submit(instance, {"photo.jpg": (JPEG, "image/jpeg")})
    assert answer.status == 201, answer.body
    assert answer.xml().tag == f"{RESPONSE}OpenRosaResponse" and answer.message().startswith("已")
    received = Submission.objects.get()
    assert received.instance_id == "uuid:0b4b7c1e-1111-4a4a-9c9c-000000000001"
    assert received.form_id == "visit" and received.user == village and received.device is not None
    assert received.xml == instance.decode() and received.status != "received"
    photo = Attachment.objects.get()
    assert photo.name == "photo.jpg" and photo.content_type == "image/jpeg" and photo.size == len(JPEG)
    assert (Path(settings.DATA_DIR) / photo.path).read_bytes() == JPEG
    assert photo.sha256 == hashlib.sha256(JPEG).hexdigest()
    status = received.status

    again = collect.submit(instance, {"photo.jpg": (JPEG, "image/jpeg")})  # Collect was not sure it arrived
    assert again.status == 202 and Submission.objects.count() == 1 and Attachment.objects.count() == 1
    more = collect.submit(instance, {"signature.png": (PNG, "image/png")})  # the rest of a split submission
    assert more.status == 201
    assert sorted(Attachment.objects.values_list("name", flat=True)) == ["photo.jpg", "signature.png"]
    assert Submission.objects.get().status == status
    _no_full_id(collect)


def test_a_bad_xml_is_refused_with_the_openrosa_response(collect: Collect) -> None:
    for bad in (b"<data id='visit'><meta>", b'<!DOCTYPE d [<!ENTITY e "x">]><data id="visit">&e;</data>'):
        answer = collect.submit(bad)
        assert answer.status == 400
        message = answer.xml().find(f"{RESPONSE}message")
        assert message is not None and message.get("nature") == "error" and "XML" in (message.text or "")
    no_instance_id = collect.submit(b'<data id="visit"><meta/></data>')
    assert no_instance_id.status == 400 and "instanceID" in no_instance_id.message()
    assert not Submission.objects.exists()


def test_an_oversized_or_false_attachment_is_refused_and_nothing_kept(collect: Collect) -> None:
    folder = Path(settings.MEDIA_ROOT) / "fieldforms"
    before = set(folder.glob("*")) if folder.exists() else set()
    false = collect.submit(
        instance_xml("visit"), {"a.jpg": (JPEG, "image/jpeg"), "b.jpg": (b"MZ" * 50, "image/jpeg")}
    )
    assert false.status == 400 and "扩展名" in false.message()
    script = collect.submit(instance_xml("visit"), {"run.sh": (b"#!/bin/sh", "text/plain")})
    assert script.status == 400
    with override_settings(TUOPIN_UPLOAD_MAX_BYTES=len(JPEG) + 2000):
        big = collect.submit(instance_xml("visit"), {"big.jpg": (JPEG + b"\x00" * 2000, "image/jpeg")})
        assert big.status in (400, 413) and "大" in big.message()
    assert not Submission.objects.exists() and not Attachment.objects.exists()
    assert (set(folder.glob("*")) if folder.exists() else set()) == before


def test_a_revoked_device_and_the_sign_in_password_are_refused(live_server: Any, village: User) -> None:
    device, password = device_create(actor=None, user=village, label="手机")
    assert Collect(live_server.url, "chengdong", PASSWORD).send("GET", "/openrosa/formList").status == 401
    device_revoke(actor=None, device=device)
    assert Collect(live_server.url, "chengdong", password).send("GET", "/openrosa/formList").status == 401


def test_it_locks_a_guessed_username_out_as_sign_in_does(live_server: Any, village: User) -> None:
    _device, password = device_create(actor=None, user=village, label="手机")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert Collect(live_server.url, "chengdong", "guess").send("GET", "/openrosa/formList").status == 401
    locked = Collect(live_server.url, "chengdong", "guess").send("GET", "/openrosa/formList")
    assert locked.status == 429 and "锁定" in locked.message()
    right = Collect(live_server.url, "chengdong", password).send("GET", "/openrosa/formList")
    assert right.status == 429
    assert AuditEvent.objects.filter(action="auth.lockout", object_id="chengdong").count() == 1
    failed = AuditEvent.objects.filter(action="auth.login_failed", object_id="chengdong")
    assert failed.count() == settings.AXES_FAILURE_LIMIT


def test_plain_http_from_another_address_is_refused(village: User) -> None:
    _device, password = device_create(actor=None, user=village, label="手机")
    auth = "Basic " + base64.b64encode(f"chengdong:{password}".encode()).decode()
    client = Client(REMOTE_ADDR="10.1.2.3")
    refused = client.get("/openrosa/formList", HTTP_AUTHORIZATION=auth)
    assert refused.status_code == 403 and "HTTPS" in refused.content.decode()
    assert client.get("/openrosa/formList", HTTP_AUTHORIZATION=auth, secure=True).status_code == 200


def test_another_users_instance_id_is_not_taken_over(collect: Collect, live_server: Any, own: User) -> None:
    instance = instance_xml("visit", "uuid:0b4b7c1e-2222-4a4a-9c9c-000000000002")
    assert collect.submit(instance).status == 201
    _device, password = device_create(actor=None, user=own, label="县里的手机")
    other = Collect(live_server.url, "lingshou", password).submit(instance, {"x.jpg": (JPEG, "image/jpeg")})
    assert other.status == 409
    assert Submission.objects.get().user.username == "chengdong" and not Attachment.objects.exists()


def _media_rows(collect: Collect, form_id: str, name: str) -> list[dict[str, str]]:
    content = collect.send("GET", f"/openrosa/forms/{form_id}/media/{name}").body.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


def test_a_visit_goes_from_the_phone_into_the_services_or_to_review(
    collect: Collect, village: User, register: RegisterHousehold
) -> None:
    """The whole round as the phone makes it: the form list, the household list, a visit with a photo applied; an
    update of a household that changed since its download waits in review."""
    household = register("H001")
    assert "visit" in {x.findtext(f"{LIST}formID") for x in collect.send("GET", "/openrosa/formList").xml()}
    (row,) = _media_rows(collect, "visit", "households.csv")
    assert row["name"] == "H001" and not FULL_ID.search(row["label"].encode())
    values = {
        "household": "H001",
        "household_version": row["version"],
        "visited_on": "2026-12-01",
        "purpose": "月度走访",
        "findings": "户主腿伤，已就医",
        "photo": "1701.jpg",
        "location": "38.3 114.4 120 5",
    }
    answer = collect.submit(fixture_instance("visit", values), {"1701.jpg": (JPEG, "image/jpeg")})
    assert answer.status == 201 and answer.message() == "已提交，已入库。"
    assert Submission.objects.get().status == SubmissionStatus.APPLIED
    assert Visit.objects.get().target_code == "H001"

    # An update made on the phone over a household that changed on the server since the download waits in review.
    spouse = household.members.get(relation="spouse")
    update = {
        "household": "H001",
        "household_version": _media_rows(collect, "household_update", "households.csv")[0]["version"],
        "members": [{"member": str(spouse.pk), "labour": "lost"}],
    }
    income_set(actor=None, household=household, year=2026, amounts={"wage": Decimal("5000")}, reason="核实")
    stale = collect.submit(fixture_instance("household_update", update))
    assert stale.status == 201 and stale.message().startswith("已提交，已进入审核")
    assert Submission.objects.get(form_id="household_update").status == SubmissionStatus.REVIEW
    assert household.members.get(relation="spouse").labour == ""
    assert Visit.objects.count() == 1
    _no_full_id(collect)


def test_a_household_outside_the_scope_is_refused_and_says_so(
    collect: Collect, register: RegisterHousehold
) -> None:
    register("H009", village="130127100201")  # 高邑县, another county
    values = {"household": "H009", "household_version": "x", "visited_on": "2026-12-01", "purpose": "走访"}
    answer = collect.submit(fixture_instance("visit", values))
    assert answer.status == 201 and answer.message().startswith("已收到，但未能入库")
    assert Submission.objects.get().status == SubmissionStatus.REFUSED
    assert not Visit.objects.exists()
    _no_full_id(collect)


@dataclass
class Downloaded:
    """What the phone holds of a form after the download: the fields of its XForm's instance and its media rows."""

    fields: set[str]
    media: dict[str, list[dict[str, str]]]


def _download(collect: Collect, form_id: str) -> Downloaded:
    """Download a form as Collect does: find it in the form list, fetch its XForm and manifest, then each media file
    the manifest names (checking its hash); nothing read from the database."""
    listed = {x.findtext(f"{LIST}formID"): x for x in collect.send("GET", "/openrosa/formList").xml()}
    entry = listed[form_id]
    form = collect.send("GET", entry.findtext(f"{LIST}downloadUrl") or "")
    assert form.status == 200
    assert "md5:" + hashlib.md5(form.body).hexdigest() == entry.findtext(f"{LIST}hash")  # noqa: S324
    data = next(
        node for node in form.xml().iter() if node.tag.endswith("}data") and node.get("id") == form_id
    )
    assert data.get("version") == entry.findtext(f"{LIST}version")
    fields = {node.tag.rsplit("}", 1)[-1] for node in data.iter()} - {"data"}
    manifest = collect.send("GET", entry.findtext(f"{LIST}manifestUrl") or "")
    media: dict[str, list[dict[str, str]]] = {}
    for item in manifest.xml().iter(f"{MANIFEST}mediaFile"):
        answer = collect.send("GET", item.findtext(f"{MANIFEST}downloadUrl") or "")
        assert answer.status == 200
        assert "md5:" + hashlib.md5(answer.body).hexdigest() == item.findtext(f"{MANIFEST}hash")  # noqa: S324
        rows = list(csv.DictReader(io.StringIO(answer.body.decode("utf-8-sig"))))
        media[item.findtext(f"{MANIFEST}filename") or ""] = rows
    return Downloaded(fields, media)


def _filled(downloaded: Downloaded, values: dict[str, Any]) -> dict[str, Any]:
    """The values, after checking that each field filled (and each field of a repeat) is in the XForm."""
    for name, value in values.items():
        assert name in downloaded.fields, name
        for row in value if isinstance(value, list) and value and isinstance(value[0], dict) else []:
            assert set(row) <= downloaded.fields, row
    return values


def test_a_household_update_over_the_downloaded_data_is_applied_with_history(
    collect: Collect, village: User, register: RegisterHousehold
) -> None:
    household = register("H001")
    phone = _download(collect, "household_update")
    (row,) = phone.media["households.csv"]
    members = [m for m in phone.media["members.csv"] if m["household"] == row["name"]]
    assert len(members) == 3 and all(not FULL_ID.search(m["label"].encode()) for m in members)
    member = next(m for m in members if m["label"].startswith("李秀英"))
    values = _filled(
        phone,
        {
            "household": row["name"],
            "household_version": row["version"],
            "members": [
                {"member": member["name"], "health": "serious", "labour": "weak", "work_status": "county"}
            ],
            "year": "2026",
            "wage": "12000",
            "transfer": "800.5",
        },
    )
    answer = collect.submit(fixture_instance("household_update", values))
    assert answer.status == 201 and answer.message() == "已提交，已入库。", answer.body
    submission = Submission.objects.get(form_id="household_update")
    assert submission.status == SubmissionStatus.APPLIED and submission.user == village
    assert submission.target["sent_version"] == row["version"] == submission.target["server_version"]
    spouse = household.members.get(pk=int(member["name"]))
    assert (spouse.relation, spouse.health, spouse.labour, spouse.work_status) == (
        "spouse",
        "serious",
        "weak",
        "county",
    )
    income = Income.objects.get(household=household, year=2026)
    assert (income.wage, income.transfer) == (Decimal("12000"), Decimal("800.50"))
    history = Change.objects.filter(household=household, actor="chengdong")
    assert set(history.values_list("action", flat=True)) == {"member_update", "income_add"}
    assert set(history.values_list("reason", flat=True)) == {f"离线采集 {submission.instance_id}"}
    assert AuditEvent.objects.filter(
        action="fieldforms.apply", object_id=submission.instance_id, result="ok", actor="chengdong"
    ).exists()
    # The household's version moved on: the next download carries the new one.
    assert _download(collect, "household_update").media["households.csv"][0]["version"] != row["version"]
    _no_full_id(collect)


def _alert(household: Household, rule: str) -> Alert:
    today = timezone.localdate()
    return Alert.objects.create(
        rule=rule,
        household=household,
        area_id=household.village_id,
        first_seen=today - timedelta(days=5),
        last_seen=today - timedelta(days=5),
        first_check_due=today,
        conclusion_due=today + timedelta(days=20),
    )


def test_alerts_checked_on_the_phone_are_dismissed_or_opened_as_a_case_with_the_signature(
    collect: Collect, village: User, register: RegisterHousehold
) -> None:
    _alert(register("H001"), "medical")
    _alert(register("H002"), "income")
    _alert(register("H009", village="130127100201"), "medical")  # 高邑县: not the user's, not on the phone
    phone = _download(collect, "alert_check")
    rows = {row["household"]: row for row in phone.media["alerts.csv"]}
    assert set(rows) == {"H001", "H002"}
    assert all(not FULL_ID.search(row["label"].encode()) for row in rows.values())
    today = timezone.localdate().isoformat()

    case_values = _filled(
        phone,
        {
            "alert": rows["H001"]["name"],
            "alert_version": rows["H001"]["version"],
            "checked_on": today,
            "finding": "户主住院，自付费用高",
            "verdict": "case",
            "case_type": "sudden",
            "risk_types": ["illness", "other"],
            "visited_by": "王五",
            "signature": "1702.png",
        },
    )
    answer = collect.submit(fixture_instance("alert_check", case_values), {"1702.png": (PNG, "image/png")})
    assert answer.status == 201 and answer.message() == "已提交，已入库。", answer.body
    checked = Submission.objects.get(target__alert=int(rows["H001"]["name"]))
    assert checked.status == SubmissionStatus.APPLIED and checked.target["wrote"]["signature"] == "1702.png"
    signature = Attachment.objects.get(submission=checked)
    assert (signature.name, signature.content_type, signature.size) == ("1702.png", "image/png", len(PNG))
    assert (Path(settings.DATA_DIR) / signature.path).read_bytes() == PNG
    alert = Alert.objects.get(pk=int(rows["H001"]["name"]))
    case = Case.objects.get()
    assert alert.status == AlertStatus.CASE and alert.case == case and alert.checked_on is not None
    assert case.household.number == "H001" and case.authorisation_signed and case.visited_by == "王五"
    assert case.risk_types == ["illness", "other"] and case.type == "sudden"

    dismiss_values = _filled(
        phone,
        {
            "alert": rows["H002"]["name"],
            "alert_version": rows["H002"]["version"],
            "checked_on": today,
            "finding": "已报销，无风险",
            "verdict": "no_risk",
        },
    )
    answer = collect.submit(fixture_instance("alert_check", dismiss_values))
    assert answer.status == 201 and answer.message() == "已提交，已入库。", answer.body
    dismissed = Alert.objects.get(pk=int(rows["H002"]["name"]))
    assert dismissed.status == AlertStatus.NO_RISK and str(dismissed.concluded_on) == today
    assert dismissed.finding == "已报销，无风险"
    assert Submission.objects.filter(form_id="alert_check", status=SubmissionStatus.APPLIED).count() == 2
    for submission in Submission.objects.filter(form_id="alert_check"):
        assert AuditEvent.objects.filter(
            action="fieldforms.apply", object_id=submission.instance_id, result="ok", actor="chengdong"
        ).exists()
    assert (
        AuditEvent.objects.filter(action="monitoring.alert_check", actor="chengdong").count() == 1
    )  # the case's check; a dismissal is one step
    assert AuditEvent.objects.filter(action="monitoring.alert_dismiss", actor="chengdong").count() == 1
    # Neither is open any more: the next download lists no alert.
    assert _download(collect, "alert_check").media["alerts.csv"] == []
    _no_full_id(collect)


def test_a_self_report_taken_on_the_phone_for_a_downloaded_village_raises_an_alert(
    collect: Collect, village: User
) -> None:
    phone = _download(collect, "self_report")
    (row,) = phone.media["villages.csv"]  # a village office sees its own village only
    assert row["label"] == "城东村"
    values = _filled(
        phone, {"village": row["name"], "name": "张三", "phone": "13900001111", "text": "孩子上学费用困难"}
    )
    answer = collect.submit(fixture_instance("self_report", values))
    assert answer.status == 201 and answer.message() == "已提交，已入库。", answer.body
    submission = Submission.objects.get(form_id="self_report")
    assert submission.status == SubmissionStatus.APPLIED and submission.area_id == row["name"]
    alert = Alert.objects.get(rule="self_report")
    assert submission.target["wrote"]["alert"] == alert.pk
    assert alert.area_id == row["name"] and alert.evidence["text"] == "孩子上学费用困难"
    report = SelfReport.objects.get()
    assert report.alert == alert and report.village_id == row["name"] and report.name == "张三"
    assert "13900001111" not in report.phone_masked
    assert AuditEvent.objects.filter(action="fieldforms.self_report", actor="chengdong").exists()
    assert AuditEvent.objects.filter(
        action="fieldforms.apply", object_id=submission.instance_id, result="ok"
    ).exists()
    # The alert it raised is on the phone at its next download of the check form, its phone number not.
    alerts = _download(collect, "alert_check").media["alerts.csv"]
    assert [a["name"] for a in alerts] == [str(alert.pk)]
    assert all(b"13900001111" not in answer.body for answer in collect.answers)
    _no_full_id(collect)
