"""Stored runs: started from the page as a job, stored with their policy values, input checksum, every area's result
and each household's decision; read through the scope (a county sees its own areas only)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tuopin.accounts.models import User
from tuopin.areas.models import Area, AreaYear
from tuopin.assessment.models import AreaResult, Run
from tuopin.assessment.services import assessment_run, run_dir
from tuopin.audit.models import AuditEvent
from tuopin.conftest import RegisterHousehold, client_for
from tuopin.core.models import Job
from tuopin.registry.models import Income

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path


def _registry(register: RegisterHousehold, tree: dict[str, Area]) -> None:
    for number, village, net in (
        ("H001", "130126100201", "9000"),
        ("H002", "130126100201", "12000"),
        ("H900", "130127100201", "9000"),
    ):
        household = register(number, village=village, water_safe=True)
        Income.objects.create(
            household=household,
            year=2019,
            wage=Decimal(net),
            business=0,
            property_income=0,
            transfer=0,
            costs=0,
        )
    AreaYear.objects.create(area=tree["130126100201"], year=2019, rural_population=600)


def test_a_run_is_stored_with_its_inputs_and_results(
    register: RegisterHousehold, tree: dict[str, Area], make_user: Any
) -> None:
    _registry(register, tree)
    province = make_user("hebei", "province", "13")
    run = assessment_run(actor=province, year=2019)
    assert (run.status, run.assessed, run.may_exit) == ("done", 3, 1)
    assert run.policy["13"]["values"]["poverty_line"]["value"] == 3218
    assert len(run.checksum) == 64
    village = AreaResult.objects.get(run=run, code="130126100201")
    assert (village.poor_persons, village.incidence, village.may_exit) == (3, 0.005, True)
    assert AreaResult.objects.filter(run=run).count() == Area.objects.count()
    assert (run_dir(run.pk) / "13.parquet").exists()
    assert AuditEvent.objects.filter(action="assessment.run", object_id=str(run.pk)).exists()
    # The same inputs give the same result.
    again = assessment_run(actor=province, year=2019)
    assert again.checksum == run.checksum
    assert list(again.areas.values_list("code", "poor_persons", "incidence", "may_exit")) == list(
        run.areas.values_list("code", "poor_persons", "incidence", "may_exit")
    )


def test_a_county_cannot_run_its_neighbour(
    register: RegisterHousehold, tree: dict[str, Area], own: User
) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        assessment_run(actor=own, year=2019, area="130127")
    assert not Run.objects.exists()
    assert AuditEvent.objects.filter(action="assessment.run", result="denied").exists()


def test_the_page_starts_a_run_and_shows_areas_in_scope_only(
    register: RegisterHousehold,
    tree: dict[str, Area],
    own: User,
    neighbour: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _registry(register, tree)
    client = client_for(own)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/assessment/", {"year": 2019, "area": "130126"})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == "done", job.result
    run = Run.objects.get()
    assert run.area == "130126" and run.assessed == 2
    assert f"/assessment/{run.pk}/" in client.get(response["Location"]).content.decode()
    page = client.get(f"/assessment/{run.pk}/").content.decode()
    assert 'data-code="130126100"' in page and "130127" not in page
    village = client.get(f"/assessment/{run.pk}/", {"area": "130126100201"}).content.decode()
    assert "H001" in village and "H002" in village and "可以退出" in village
    assert client.get(f"/assessment/{run.pk}/", {"area": "130127"}).status_code == 404
    # The neighbouring county sees neither this county's run nor its results.
    assert client_for(neighbour).get(f"/assessment/{run.pk}/").status_code == 404


def test_an_inspector_reads_but_cannot_start(
    register: RegisterHousehold, tree: dict[str, Area], inspector: User, own: User
) -> None:
    _registry(register, tree)
    run = assessment_run(actor=own, year=2019, area="130126")
    client = client_for(inspector)
    assert client.post("/assessment/", {"year": 2019, "area": "130126"}).status_code == 403
    page = client.get(f"/assessment/{run.pk}/", {"area": "130126"})
    assert page.status_code == 200 and 'data-testid="summary"' in page.content.decode()
    assert 'data-testid="run-form"' not in client.get("/assessment/").content.decode()


def test_a_what_if_from_the_page_lists_the_households_that_change(
    register: RegisterHousehold,
    tree: dict[str, Area],
    own: User,
    neighbour: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _registry(register, tree)  # H001: 3,000 a head; H002: 4,000 a head
    client = client_for(own)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/assessment/",
            {"form": "what_if", "year": 2019, "area": "130126", "key": "poverty_line", "value": "2900"},
        )
    job = Job.objects.get(kind="assessment.what_if")
    assert job.status == "done", job.result
    assert response["Location"] == f"/jobs/{job.pk}/"
    page = client.get(f"/assessment/what-if/{job.pk}/").content.decode()
    assert (
        "H001" in page and "H002" not in page and "H900" not in page
    )  # only H001 changes; H900 is out of scope
    assert "2900" in page and "3218" in page
    assert client_for(neighbour).get(f"/assessment/what-if/{job.pk}/").status_code == 404
    assert not Run.objects.exists()
    bad = client.post(
        "/assessment/",
        {"form": "what_if", "year": 2019, "area": "130126", "key": "poverty_line", "value": "-5"},
    )
    assert bad.status_code == 200 and "应为不小于0的数" in bad.content.decode()
