"""A helping unit's user and its Excel ledgers (it uploads the visits and projects of its own units through the
shared upload page, a file with another unit's row is refused whole, other ledgers refuse it as before) and the
unit page where a user manager links `unit` users to a helping unit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuopin.accounts.models import User
from tuopin.assistance.models import Project, UnitMember, Visit
from tuopin.assistance.tests.conftest import OTHER_VILLAGE, OWN_VILLAGE, Ledger
from tuopin.assistance.tests.test_ledgers import VISIT_HEADERS, workbook
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.core.models import Job

pytestmark = pytest.mark.django_db

PROJECT_HEADERS = [
    "年度",
    "扶贫工作小组",
    "帮扶单位",
    "结对帮扶村",
    "项目名称",
    "项目内容",
    "实施单位",
    "扶贫对象",
    "经费",
    "预期扶贫效果",
    "验收结果",
    "验收意见",
]


def _upload(user: User, name: str, path: Path, capture: Any) -> tuple[Any, Job]:
    """Post the file to the ledger's upload page; the import job runs when the request's transaction commits."""
    client = client_for(user)
    with capture(execute=True), path.open("rb") as handle:
        response = client.post(f"/ledgers/{name}/import/", {"file": handle})
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    return client, Job.objects.get(pk=response["Location"].split("/")[2])


def _visits(tmp_path: Path, rows: Sequence[Sequence[Any]], name: str = "visits.xlsx") -> Path:
    return workbook(tmp_path / name, "走访记录", VISIT_HEADERS, rows)


# ------------------------------------------------------------------------------------------------ the import


def test_it_shows_a_unit_user_the_import_only_where_it_may_import(
    ledger: Ledger, unit_user: User, own: User
) -> None:
    client = client_for(unit_user)
    for page, allowed, refused in (
        ("/assistance/visits/", ["visits"], []),
        ("/assistance/projects/", ["projects"], ["funds"]),
        ("/assistance/", [], ["pairings"]),
        ("/assistance/duties/", [], ["duties"]),
    ):
        body = client.get(page).content.decode()
        for name in allowed:
            assert f"/ledgers/{name}/import/" in body, page
        for name in refused:
            assert f"/ledgers/{name}/import/" not in body and f"/ledgers/{name}/export/" in body, page
    office = client_for(own).get("/assistance/projects/").content.decode()
    assert "/ledgers/projects/import/" in office and "/ledgers/funds/import/" in office
    assert client.get("/ledgers/visits/import/").status_code == 200


def test_it_imports_a_unit_users_visits_uploaded_through_the_page(
    ledger: Ledger, unit_user: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # 东关村 lies outside both the user's account area (张北县) and its unit's pairing: the unit decides, not the area
    path = _visits(
        tmp_path,
        [
            ["孙司长", "司长", "规划财务司", "2018-03-02", "村", OWN_VILLAGE, "督促项目", "道路未硬化"],
            ["孙司长", "司长", "规划财务司", "2018-03-09", "村", OTHER_VILLAGE, "交流经验", ""],
        ],
    )
    client, job = _upload(unit_user, "visits", path, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == "done" and job.result["ok"] and job.result["created"] == 2, job.result
    assert set(Visit.objects.filter(purpose__in=["督促项目", "交流经验"]).values_list("unit", "actor")) == {
        (ledger.planning.pk, unit_user.username)
    }
    assert (
        AuditEvent.objects.filter(action="ledger.import", actor=unit_user.username, result="ok").count() == 1
    )
    assert "导入完成" in client.get(f"/jobs/{job.pk}/").content.decode()
    assert not Path(job.params["path"]).exists()


def test_it_refuses_a_unit_users_whole_file_when_a_row_names_another_unit(
    ledger: Ledger, unit_user: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = _visits(
        tmp_path,
        [
            ["孙司长", "司长", "规划财务司", "2018-03-02", "村", OWN_VILLAGE, "督促项目", ""],
            ["李司长", "司长", "大气环境管理司", "2018-03-02", "村", OTHER_VILLAGE, "冒名", ""],
            ["王科员", "", "", "2018-03-02", "村", OWN_VILLAGE, "无单位", ""],
        ],
    )
    client, job = _upload(unit_user, "visits", path, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == "failed" and job.result["created"] == 0
    assert [(e["row"], e["column"], e["value"]) for e in job.result["errors"]] == [
        (3, "单位", "大气环境管理司"),
        (4, "单位", ""),
    ]
    assert not Visit.objects.filter(purpose__in=["督促项目", "冒名", "无单位"]).exists()
    assert AuditEvent.objects.filter(
        action="ledger.import", actor=unit_user.username, result="refused"
    ).exists()
    shown = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "大气环境管理司" in shown and "未写入任何数据" in shown


def test_it_imports_a_unit_users_projects_but_never_registers_a_unit_for_it(
    ledger: Ledger, unit_user: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    row = [
        2018,
        "",
        "规划财务司",
        OWN_VILLAGE,
        "光伏电站",
        "建设光伏电站",
        "县发改局",
        "全村",
        100000,
        "增收",
        "",
        "",
    ]
    stranger = [2018, "", "新成立的司", OWN_VILLAGE, "冒名项目", "", "", "", 1000, "", "", ""]
    path = workbook(tmp_path / "bad.xlsx", "帮扶项目", PROJECT_HEADERS, [row, stranger])
    _client, job = _upload(unit_user, "projects", path, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == "failed" and [e["row"] for e in job.result["errors"]] == [3]
    assert not Project.objects.filter(name__in=["光伏电站", "冒名项目"]).exists()
    assert not ledger.ministry.children.filter(name="新成立的司").exists()
    path = workbook(tmp_path / "good.xlsx", "帮扶项目", PROJECT_HEADERS, [row])
    _client, job = _upload(unit_user, "projects", path, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == "done" and Project.objects.get(name="光伏电站").unit == ledger.planning


def test_it_refuses_a_unit_user_on_a_ledger_not_open_to_units(
    ledger: Ledger, unit_user: User, tmp_path: Path
) -> None:
    client = client_for(unit_user)
    path = _visits(tmp_path, [["孙司长", "司长", "规划财务司", "2018-03-02", "村", OWN_VILLAGE, "走访", ""]])
    for name in ("duties", "pairings", "funds", "loans"):
        assert client.get(f"/ledgers/{name}/import/").status_code == 403, name
        with path.open("rb") as handle:
            assert client.post(f"/ledgers/{name}/import/", {"file": handle}).status_code == 403, name
    assert not Job.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", actor=unit_user.username).count() == 8
    assert (
        client.get("/ledgers/nope/import/").status_code == 403
    )  # as before: refused before the name is looked up


def test_it_refuses_a_unit_user_linked_to_no_unit(ledger: Ledger, make_user: MakeUser) -> None:
    lone = make_user("lone_unit", "unit", "130126")
    assert client_for(lone).get("/ledgers/visits/import/").status_code == 403
    assert "/ledgers/visits/import/" not in client_for(lone).get("/assistance/visits/").content.decode()


# ------------------------------------------------------------------------------------------- units and links


def test_it_links_a_unit_user_from_the_units_page(ledger: Ledger, own: User, make_user: MakeUser) -> None:
    near = make_user("near_unit", "unit", "130126")
    make_user("far_unit", "unit", "130722")  # outside the manager's scope: not offered
    make_user("office_clerk", "village", OWN_VILLAGE)  # not a unit user: not offered
    client = client_for(own)
    assert f"/assistance/units/{ledger.planning.pk}/" in client.get("/assistance/units/").content.decode()
    page = client.get(f"/assistance/units/{ledger.planning.pk}/").content.decode()
    assert 'data-testid="unit-link-form"' in page and "near_unit" in page
    assert "far_unit" not in page and "office_clerk" not in page
    response = client.post(f"/assistance/units/{ledger.planning.pk}/", {"user": near.pk})
    assert response.status_code == 302
    link = UnitMember.objects.get(user=near)
    assert link.unit == ledger.planning and link.linked_by == own.username
    event = AuditEvent.objects.get(action="assistance.unit_link", object_id=str(near.pk))
    assert event.actor == own.username and event.details["unit"] == ledger.planning.name
    members = client.get(f"/assistance/units/{ledger.planning.pk}/").content.decode()
    assert (
        'data-testid="unit-members"' in members
        and "near_unit" in members.split('data-testid="unit-members"')[1]
    )
    assert (
        client_for(near).get("/ledgers/visits/import/").status_code == 200
    )  # the link is what it may now do


def test_it_refuses_a_link_to_a_user_outside_the_managers_scope(
    ledger: Ledger, own: User, make_user: MakeUser
) -> None:
    far = make_user("far_unit", "unit", "130722")
    response = client_for(own).post(f"/assistance/units/{ledger.planning.pk}/", {"user": far.pk})
    assert response.status_code == 400 and not UnitMember.objects.filter(user=far).exists()


def test_it_refuses_the_link_to_those_who_do_not_manage_users(
    ledger: Ledger, make_user: MakeUser, inspector: User, unit_user: User
) -> None:
    near = make_user("near_unit", "unit", "130126")
    clerk = make_user("clerk", "county", "130126")  # writes, but manages no users
    for user in (inspector, clerk, unit_user):
        client = client_for(user)
        page = client.get(f"/assistance/units/{ledger.planning.pk}/")
        assert page.status_code == 200 and 'data-testid="unit-link-form"' not in page.content.decode()
        response = client.post(f"/assistance/units/{ledger.planning.pk}/", {"user": near.pk})
        assert response.status_code == 403, user.username
        assert AuditEvent.objects.filter(
            action="access.denied", actor=user.username, result="denied"
        ).exists()
    assert not UnitMember.objects.filter(user=near).exists()


def test_a_unit_user_sees_only_its_own_units(ledger: Ledger, unit_user: User) -> None:
    client = client_for(unit_user)
    listing = client.get("/assistance/units/").content.decode()
    assert f"/assistance/units/{ledger.planning.pk}/" in listing and "大气环境管理司" not in listing
    assert f"/assistance/units/{ledger.ministry.pk}/" not in listing  # its parent is named, not opened
    assert client.get(f"/assistance/units/{ledger.air.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="access.not_found", object_type="unit", result="denied").exists()
    page = client.get(f"/assistance/units/{ledger.planning.pk}/").content.decode()
    assert "planning" in page.split('data-testid="unit-members"')[1]


def test_the_units_pages_take_a_fixed_number_of_queries(
    ledger: Ledger, own: User, make_user: MakeUser
) -> None:
    client = client_for(own)
    counts = []
    for extra in range(2):
        user = make_user(f"unit_{extra}", "unit", "130126")
        UnitMember.objects.create(user=user, unit=ledger.planning, linked_by="test")
        with CaptureQueriesContext(connection) as listing:
            assert client.get("/assistance/units/").status_code == 200
        with CaptureQueriesContext(connection) as detail:
            assert client.get(f"/assistance/units/{ledger.planning.pk}/").status_code == 200
        counts.append((len(listing), len(detail)))
    assert counts[0] == counts[1]
