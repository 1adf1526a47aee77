"""The department-data page: batches as counts, the upload by an office as a background job, its problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.core.models import Job
from tuopin.feeds.models import FeedBatch
from tuopin.feeds.tests.factories import BAD_ID, medical_rows, person, write_csv
from tuopin.registry.idnumbers import ID_PATTERN

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_data_dir(data_dir: Path) -> Path:
    return data_dir


def _upload(user: User, path: Path, capture: Any, **extra: Any) -> Any:
    client = client_for(user)
    with capture(execute=True), path.open("rb") as handle:
        response = client.post("/feeds/upload/", {"source": "medical", "file": handle, **extra})
    return client, response


def test_a_county_office_uploads_a_file_that_is_imported_as_a_job(
    own: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = write_csv(tmp_path / "医保.csv", "medical", medical_rows(person(1), person(2)))
    client, response = _upload(own, path, django_capture_on_commit_callbacks, period="2024-03")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == "done" and job.result["accepted"] == 2
    assert f"/feeds/jobs/{job.pk}/" in client.get(response["Location"]).content.decode()
    batch = FeedBatch.objects.get()
    assert (batch.source, batch.period, batch.actor, batch.accepted) == ("medical", "2024-03", own, 2)
    assert batch.parquet.exists()
    assert not Path(job.params["path"]).exists()  # the upload is not kept
    page = client.get("/feeds/").content.decode()
    assert "医保.csv" in page and not ID_PATTERN.search(page)


def test_the_result_lists_every_problem_with_masked_ids(
    own: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    rows = medical_rows(person(1), BAD_ID, person(2))
    rows[2]["就诊类型"] = "急诊"
    path = write_csv(tmp_path / "bad.csv", "medical", rows)
    client, response = _upload(own, path, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.status == "failed" and job.result["rejected"] == 2
    for page in (client.get(response["Location"]), client.get(f"/feeds/jobs/{job.pk}/")):
        body = page.content.decode()
        assert "校验位错误" in body and "不是可选值" in body and "130126********" in body
        assert not ID_PATTERN.search(body)
    assert FeedBatch.objects.count() == 0


def test_accept_valid_on_the_page_imports_the_good_rows_and_lists_the_bad(
    own: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = write_csv(tmp_path / "bad.csv", "medical", medical_rows(person(1), BAD_ID))
    client, _response = _upload(own, path, django_capture_on_commit_callbacks, accept_valid="on")
    job = Job.objects.get()
    assert job.status == "done" and (job.result["accepted"], job.result["rejected"]) == (1, 1)
    body = client.get(f"/feeds/jobs/{job.pk}/").content.decode()
    assert "校验位错误" in body and "接收 1 行" in body


def test_an_inspector_sees_the_batches_but_cannot_upload(
    own: User, inspector: User, make_user: MakeUser, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = write_csv(tmp_path / "a.csv", "medical", medical_rows(person(1)))
    _client, response = _upload(own, path, django_capture_on_commit_callbacks)
    reader = client_for(inspector)
    page = reader.get("/feeds/")
    assert page.status_code == 200 and "a.csv" in page.content.decode()
    assert 'data-testid="upload-form"' not in page.content.decode()
    with path.open("rb") as handle:
        assert reader.post("/feeds/upload/", {"source": "medical", "file": handle}).status_code == 403
    village = make_user("cadre", "village", "130126100201")
    with path.open("rb") as handle:
        assert (
            client_for(village).post("/feeds/upload/", {"source": "medical", "file": handle}).status_code
            == 403
        )
    assert AuditEvent.objects.filter(action="access.denied", object_type="feeds").count() == 1
    assert reader.get(response["Location"]).status_code == 404  # a job is seen only by who started it
    assert FeedBatch.objects.count() == 1


def test_the_page_lists_batches_in_few_queries(
    own: User, tmp_path: Path, django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(3):
        _upload(
            own,
            write_csv(tmp_path / f"{n}.csv", "medical", medical_rows(person(n))),
            django_capture_on_commit_callbacks,
        )
    client = client_for(own)
    with django_assert_max_num_queries(12):
        body = client.get("/feeds/?source=medical").content.decode()
    assert body.count("<tr><td>") == 3


def test_a_wrong_kind_of_file_is_refused_on_the_form(
    own: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = tmp_path / "a.exe"
    path.write_bytes(b"MZ\x00\x00")
    _client, response = _upload(own, path, django_capture_on_commit_callbacks)
    assert response.status_code == 400 and "只接受" in response.content.decode()
    assert Job.objects.count() == 0


def test_a_renamed_executable_is_refused_by_the_workbook_checks(
    own: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"MZ\x90\x00" * 100)
    client, response = _upload(own, path, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.status == "failed" and "不是Excel工作簿" in job.result["refused"].replace(" ", "")
    assert "扩展名与内容不符" in client.get(response["Location"]).content.decode()
    assert FeedBatch.objects.count() == 0 and not Path(job.params["path"]).exists()
