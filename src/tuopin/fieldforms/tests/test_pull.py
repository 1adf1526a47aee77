"""`tuopin fieldforms pull` end to end against a recorded ODK Central: a tiny HTTP server on 127.0.0.1 answers the
session, the submissions' lists, each instance's XML, its attachments' list and the photo from the files of
tests/data (responses as Central 2024.3 gives them), so no network is used. Each remote submission becomes one
Submission attributed to the --as user and is applied; a second pull adds nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tuopin.accounts.models import User
from tuopin.assistance.models import Visit
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold
from tuopin.fieldforms.models import Submission, SubmissionStatus

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
PROJECT = 7
USERNAME, PASSWORD = "collector@example.org", "central-password"
TOKEN = json.loads((DATA / "central_session.json").read_text())["token"]
VILLAGE = "130126100201"


class RecordedCentral(BaseHTTPRequestHandler):
    """Central's API from the recorded files; every request kept in `seen` (method, path, token sent)."""

    seen: list[tuple[str, str, str]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append(("POST", self.path, ""))
        if self.path == "/v1/sessions" and body == {"email": USERNAME, "password": PASSWORD}:
            self._send(200, (DATA / "central_session.json").read_bytes())
        else:
            self._send(
                401, b'{"code":401.2,"message":"Could not authenticate with the provided credentials."}'
            )

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        self.seen.append(("GET", path, self.headers.get("Authorization", "")))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(403, b'{"code":403.1,"message":"The authenticated actor does not have rights."}')
            return
        found = self._recorded(path)
        if found is None or not found.is_file():
            self._send(404, b'{"code":404.1,"message":"Could not find the resource you were looking for."}')
            return
        kind = {".json": "application/json", ".xml": "application/xml", ".jpg": "image/jpeg"}[found.suffix]
        self._send(200, found.read_bytes(), kind)

    @staticmethod
    def _recorded(path: str) -> Path | None:
        prefix = f"/v1/projects/{PROJECT}/forms/"
        if not path.startswith(prefix):
            return None
        form, _, rest = path.removeprefix(prefix).partition("/submissions")
        if not rest:
            return DATA / f"central_{form}_submissions.json"
        instance, _, attachment = rest.removeprefix("/").partition("/attachments")
        short = instance.removesuffix(".xml").rsplit("-", 1)[-1]
        if instance.endswith(".xml"):
            return DATA / f"central_{short}.xml"
        if attachment in ("", "/"):
            return DATA / f"central_{short}_attachments.json"
        return DATA / f"central_{attachment.removeprefix('/')}"


@pytest.fixture
def central() -> Iterator[str]:
    RecordedCentral.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordedCentral)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def task_force(make_user: MakeUser, register: RegisterHousehold, settings: Any, tmp_path: Path) -> User:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "files"
    register("H001", village=VILLAGE)
    return make_user("cundong", "village", VILLAGE)


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "central.password"
    path.write_text(PASSWORD + "\n")
    return path


def pull(url: str, form: str, password_file: Path, *more: str) -> dict[str, int]:
    out = StringIO()
    call_command(
        "fieldforms",
        "pull",
        "--url",
        url,
        "--project",
        str(PROJECT),
        "--form",
        form,
        "--username",
        USERNAME,
        "--password-file",
        str(password_file),
        *more,
        stdout=out,
    )
    summary: dict[str, int] = json.loads(out.getvalue().strip().splitlines()[-1])
    return summary


def test_it_pulls_stores_and_applies_a_forms_submissions(
    central: str, task_force: User, password_file: Path
) -> None:
    summary = pull(central, "visit", password_file, "--as", "cundong")
    assert summary == {"fetched": 3, "new": 3, "applied": 2, "review": 0, "refused": 1}
    rows = {s.instance_id.rsplit("-", 1)[-1]: s for s in Submission.objects.all()}
    assert {key: s.status for key, s in rows.items()} == {
        "0c2e6d1b0001": SubmissionStatus.APPLIED,
        "0c2e6d1b0002": SubmissionStatus.APPLIED,
        "0c2e6d1b0003": SubmissionStatus.REFUSED,
    }
    assert all(s.user == task_force and s.device is None and s.form_id == "visit" for s in rows.values())
    photo = rows["0c2e6d1b0001"].attachments.get()
    assert (photo.name, photo.content_type, photo.size) == ("1764556800123.jpg", "image/jpeg", 68)
    visits = Visit.objects.order_by("on")
    assert [v.purpose for v in visits] == ["月度走访", "回访"] and visits[0].photo
    assert rows["0c2e6d1b0003"].reason == "找不到该对象，或不在您的管辖范围内。"
    assert AuditEvent.objects.filter(action="fieldforms.pull", object_id="visit").count() == 1
    # one session, and every read of the API carried its token
    assert [entry for entry in RecordedCentral.seen if entry[0] == "POST"] == [("POST", "/v1/sessions", "")]
    assert all(token == f"Bearer {TOKEN}" for method, _path, token in RecordedCentral.seen if method == "GET")


def test_a_second_pull_adds_nothing(central: str, task_force: User, password_file: Path) -> None:
    pull(central, "visit", password_file, "--as", "cundong")
    again = pull(central, "visit", password_file, "--as", "cundong")
    assert again == {"fetched": 3, "new": 0, "applied": 0, "review": 0, "refused": 0}
    assert Submission.objects.count() == 3 and Visit.objects.count() == 2


def test_it_sends_an_update_over_a_changed_household_to_review(
    central: str, task_force: User, password_file: Path
) -> None:
    summary = pull(central, "household_update", password_file, "--as", "cundong")
    assert summary == {"fetched": 1, "new": 1, "applied": 0, "review": 1, "refused": 0}
    assert Submission.objects.get().status == SubmissionStatus.REVIEW


def test_it_refuses_a_user_not_allowed_the_form(
    central: str, task_force: User, password_file: Path, inspector: User
) -> None:
    with pytest.raises(CommandError, match="不能提交表单"):
        pull(central, "visit", password_file, "--as", "inspector")
    with pytest.raises(CommandError, match="no active Tuopin user"):
        pull(central, "visit", password_file, "--as", "nobody")
    assert not Submission.objects.exists()


def test_it_reports_a_refused_login(central: str, task_force: User, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.password"
    wrong.write_text("not-it")
    with pytest.raises(CommandError, match="ODK Central"):
        pull(central, "visit", wrong, "--as", "cundong")
    assert not Submission.objects.exists()
