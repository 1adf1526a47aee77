"""A hostile workbook through every door of an import (issue 22, findings 1 and 5): the registry and ledger upload
pages, the API's ledger import and the command line refuse it with a clear message, remove the upload, and leave
one audit row; jobs that a dead worker leaves running are failed, their uploads removed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tuopin.accounts.models import User
from tuopin.accounts.services import token_create
from tuopin.audit.models import AuditEvent
from tuopin.conftest import client_for
from tuopin.core.models import Job, JobStatus
from tuopin.core.tests.hostile import far_cell_workbook
from tuopin.site.jobs import jobs_abandoned_fail

pytestmark = pytest.mark.django_db
FAR = "A1:XFD1048576"


def _uploads() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def sparse(tmp_path: Path) -> Path:
    return far_cell_workbook(tmp_path / "户表.xlsx")


def test_the_registry_upload_page_fails_the_job_clearly_and_keeps_nothing(
    tree: object, own: User, sparse: Path, django_capture_on_commit_callbacks: Any
) -> None:
    before = _uploads()
    with django_capture_on_commit_callbacks(execute=True), sparse.open("rb") as handle:
        response = client_for(own).post("/registry/import/", {"file": handle})
    assert response.status_code == 302
    job = Job.objects.get(user=own)
    assert job.status == JobStatus.FAILED
    assert FAR in job.result["refused"]
    assert _uploads() == before
    event = AuditEvent.objects.get(action="registry.import")
    assert (event.actor, event.result, event.details["file"]) == ("lingshou", "refused", "户表.xlsx")
    page = client_for(own).get(f"/jobs/{job.pk}/").content.decode()
    assert FAR in page


def test_the_ledger_upload_page_fails_the_job_clearly_and_keeps_nothing(
    tree: object, own: User, sparse: Path, django_capture_on_commit_callbacks: Any
) -> None:
    before = _uploads()
    with django_capture_on_commit_callbacks(execute=True), sparse.open("rb") as handle:
        assert client_for(own).post("/ledgers/rectification/import/", {"file": handle}).status_code == 302
    job = Job.objects.get(user=own)
    assert (job.status, FAR in job.result["refused"]) == (JobStatus.FAILED, True)
    assert _uploads() == before
    assert AuditEvent.objects.filter(action="ledger.import", result="refused", actor="lingshou").count() == 1


def test_the_api_ledger_import_refuses_it_with_409_and_an_audit_row(
    tree: object, own: User, sparse: Path
) -> None:
    token = token_create(user=own, name="test")
    before = _uploads()
    with sparse.open("rb") as handle:
        response = Client().post(
            "/api/v1/ledgers/rectification/import", {"file": handle}, HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    assert response.status_code == 409
    assert FAR in response.json()["errors"][0]["message"]
    assert _uploads() == before
    assert AuditEvent.objects.filter(action="ledger.import", result="refused", actor="lingshou").count() == 1


def test_the_command_line_refuses_it_with_a_message_and_an_audit_row(tree: object, sparse: Path) -> None:
    with pytest.raises(CommandError, match=FAR):
        call_command("import", "ledger", "rectification", str(sparse))
    with pytest.raises(CommandError, match=FAR):
        call_command("import", "registry", str(sparse))
    assert sorted(
        AuditEvent.objects.filter(action__in=["ledger.import", "registry.import"]).values_list(
            "action", "result"
        )
    ) == [("ledger.import", "refused"), ("registry.import", "refused")]


def test_jobs_a_dead_worker_left_running_are_failed_and_their_uploads_removed(own: User) -> None:
    folder = Path(settings.MEDIA_ROOT) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    upload = folder / "left-behind.xlsx"
    upload.write_bytes(b"PK\x03\x04")
    outside = Path(settings.MEDIA_ROOT) / "kept.xlsx"  # a path outside the uploads folder is never removed
    outside.write_bytes(b"PK\x03\x04")
    claimed = Job.objects.create(
        kind="registry.import", user=own, params={"path": str(upload), "name": "户表.xlsx"}
    )
    running = Job.objects.create(
        kind="ledger.import",
        user=own,
        status=JobStatus.RUNNING,
        params={"path": str(outside), "name": "x.xlsx"},
    )
    finished = Job.objects.create(kind="ledger.import", user=own, status=JobStatus.DONE, params={})
    DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": [], "kwargs": {"job_id": str(claimed.pk)}},
        task_path="tuopin.registry.tasks.registry_import_job",
        backend_name="default",
        run_after=datetime.now(UTC),
        queue_name="default",
    )

    assert jobs_abandoned_fail() == 2

    for job in (claimed, running):
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED
        assert "后台任务进程意外终止" in job.result["refused"]
    finished.refresh_from_db()
    assert finished.status == JobStatus.DONE
    assert not upload.exists()
    assert outside.exists()
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED
    assert sorted(AuditEvent.objects.filter(object_type="job").values_list("action", "result")) == [
        ("ledger.import", "error"),
        ("registry.import", "error"),
    ]
    assert jobs_abandoned_fail() == 0


@override_settings(TUOPIN_UPLOAD_MAX_BYTES=100)
def test_a_file_refused_at_the_door_leaves_an_audit_row_on_every_path(
    tree: object, own: User, sparse: Path
) -> None:
    client, token = client_for(own), token_create(user=own, name="test")
    with sparse.open("rb") as handle:
        assert client.post("/registry/import/", {"file": handle}).status_code == 400
    with sparse.open("rb") as handle:
        assert client.post("/ledgers/rectification/import/", {"file": handle}).status_code == 400
    with sparse.open("rb") as handle:
        assert client.post("/feeds/upload/", {"source": "medical", "file": handle}).status_code == 400
    with sparse.open("rb") as handle:
        response = Client().post(
            "/api/v1/ledgers/rectification/import", {"file": handle}, HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    assert response.status_code == 409
    events = AuditEvent.objects.filter(
        action__in=["registry.import", "ledger.import", "feeds.import"], actor="lingshou"
    )
    assert sorted(events.values_list("action", "result", "object_id")) == [
        ("feeds.import", "refused", "户表.xlsx"),
        ("ledger.import", "refused", "rectification"),
        ("ledger.import", "refused", "rectification"),
        ("registry.import", "refused", "户表.xlsx"),
    ]
    assert all("文件太大" in event.details["message"] for event in events)
    assert Job.objects.count() == 0


def test_a_job_whose_user_lost_the_right_to_import_is_refused_and_audited(
    tree: object, own: User, sparse: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from tuopin.ledgers.tasks import ledger_import_job

    job = Job.objects.create(
        kind="ledger.import",
        user=own,
        params={"path": str(sparse), "ledger": "rectification", "name": "整改.xlsx"},
    )
    User.objects.filter(pk=own.pk).update(is_active=False)
    ledger_import_job.call(job_id=str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.result["refused"]) == (JobStatus.FAILED, "permission")
    event = AuditEvent.objects.get(action="ledger.import")
    assert (event.result, event.details["file"]) == ("denied", "整改.xlsx")
