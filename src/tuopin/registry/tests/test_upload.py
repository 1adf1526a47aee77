"""The web import: upload, background job with progress, result or every problem on the job page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tuopin.accounts.models import User
from tuopin.conftest import client_for
from tuopin.core.models import Job
from tuopin.registry.models import Household
from tuopin.registry.tests.test_import import HEAD, WIFE, household_row, member_row, workbook

pytestmark = pytest.mark.django_db


def _upload(user: User, path: Path, capture: Any, **extra: str) -> Any:
    client = client_for(user)
    with capture(execute=True), path.open("rb") as handle:
        response = client.post("/registry/import/", {"file": handle, **extra})
    return client, response


def good_file(path: Path, number: str = "130126100201001") -> Path:
    """A household of two with two years of income, numbered as a user must number it (its village's code first)."""
    return workbook(
        path,
        [household_row(number)],
        [member_row(number, "张大勇", HEAD, "户主"), member_row(number, "刘桂兰", WIFE, "配偶")],
        [
            [number, "2019", "8000", "2000", "0", "1500", "500"],
            [number, "2020", "9000", "2500", "100", "1800", "600"],
        ],
    )


def test_an_upload_runs_as_a_job_and_shows_its_result(
    tree: object, own: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client, response = _upload(own, good_file(tmp_path / "good.xlsx"), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == "done" and job.result["created"] == 5
    page = client.get(response["Location"]).content.decode()
    assert "导入完成" in page and "progress-100" in page
    assert Household.objects.filter(number="130126100201001").exists()
    assert not Path(job.params["path"]).exists()  # the uploaded file is not kept


def test_a_bad_upload_lists_every_problem_and_writes_nothing(
    tree: object, own: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    bad = workbook(
        tmp_path / "bad.xlsx", [household_row(村代码="130126999999")], [member_row("H1", "张", HEAD, "邻居")]
    )
    client, response = _upload(own, bad, django_capture_on_commit_callbacks)
    page = client.get(response["Location"]).content.decode()
    assert "未写入任何数据" in page
    assert "村代码不存在" in page and "不是可选值" in page
    assert Household.objects.count() == 0


def test_the_upload_respects_the_scope(
    tree: object, neighbour: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client, response = _upload(
        neighbour, good_file(tmp_path / "good.xlsx"), django_capture_on_commit_callbacks
    )
    assert "不在您的管辖范围内" in client.get(response["Location"]).content.decode()
    assert Household.objects.count() == 0


def test_read_only_roles_cannot_upload_and_jobs_are_private(
    tree: object, own: User, inspector: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    assert client_for(inspector).get("/registry/import/").status_code == 403
    _client, response = _upload(
        own, good_file(tmp_path / "good.xlsx"), django_capture_on_commit_callbacks, dry_run="on"
    )
    assert client_for(inspector).get(response["Location"]).status_code == 404
    assert Household.objects.count() == 0  # a dry run
