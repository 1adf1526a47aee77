"""The supervision pages by persona (own area 200, neighbour 404, inspector read-only), with query counts; the
reconciliation export, evidence files, the ledger import of 整改台账 and the rounds, lists and Q&A pages."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold, client_for, write_workbook
from tuopin.ledgers.framework import ledger_import
from tuopin.supervision.models import Checklist, Evidence, Finding, Item, ItemStep, ListedPerson, Question
from tuopin.supervision.services import (
    RoundData,
    answer_publish,
    item_act,
    listing_add_area,
    listing_create,
    question_ask,
    round_create,
)
from tuopin.supervision.tests.conftest import VILLAGE, MakeItem

pytestmark = pytest.mark.django_db
PAGES = [
    "/supervision/",
    "/supervision/reconcile/",
    "/supervision/rounds/",
    "/supervision/listed/",
    "/supervision/qa/",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_list_page_answers_each_persona(
    url: str, make_item: MakeItem, own: User, neighbour: User, inspector: User
) -> None:
    make_item()
    for user in (own, neighbour, inspector):
        assert client_for(user).get(url).status_code == 200


def test_the_ledger_shows_the_scope_in_a_bounded_number_of_queries(
    make_item: MakeItem, own: User, neighbour: User
) -> None:
    for n in range(30):
        make_item(area=VILLAGE if n % 2 else "130126100202", deadline=date(2019, 9, 1) + timedelta(days=n))
    make_item(area="130127100201")
    client = client_for(own)
    client.get("/supervision/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/supervision/").content.decode()
    assert len(queries) <= 14, [q["sql"] for q in queries]
    assert page.count("data-number=") == 30 and "ZG-031" not in page
    assert "逾期" in page and "table-danger" in page
    other = client_for(neighbour).get("/supervision/").content.decode()
    assert other.count("data-number=") == 1


def test_an_item_page_by_persona(
    make_item: MakeItem, own: User, neighbour: User, inspector: User, township: User
) -> None:
    item = make_item()
    assert client_for(neighbour).get(f"/supervision/items/{item.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="access.not_found", object_type="item").exists()
    seen = client_for(inspector).get(f"/supervision/items/{item.pk}/")
    assert seen.status_code == 200 and 'data-testid="act-form"' not in seen.content.decode()
    assert (
        client_for(inspector).post(f"/supervision/items/{item.pk}/", {"action": "start"}).status_code == 403
    )
    assert client_for(own).post(f"/supervision/items/{item.pk}/", {"action": "start"}).status_code == 403
    client = client_for(township)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/supervision/items/{item.pk}/").content.decode()
    assert len(queries) <= 14
    assert 'data-action="start"' in page
    response = client.post(f"/supervision/items/{item.pk}/", {"action": "start", "note": "已部署"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "rectifying" and ItemStep.objects.filter(item=item).count() == 2
    assert client.post(f"/supervision/items/{item.pk}/", {"action": "start"}).status_code == 400


def test_the_pages_offer_no_edit_or_delete(make_item: MakeItem, township: User) -> None:
    item = make_item()
    client = client_for(township)
    for method in (client.put, client.delete, client.patch):
        method(f"/supervision/items/{item.pk}/")
    item.refresh_from_db()
    assert item.status == "open" and item.steps.count() == 1
    page = client.get(f"/supervision/items/{item.pk}/").content.decode()
    assert "删除" not in page and "修改" not in page


def test_a_new_item_outside_the_scope_is_refused_on_the_form(tree: object, own: User) -> None:
    client = client_for(own)
    data = {
        "number": "ZG-9",
        "source": "self",
        "category": "other",
        "area_code": "130127100201",
        "unit": "u",
        "person": "p",
        "found_on": "2019-06-01",
        "deadline": "2019-07-01",
        "description": "d",
    }
    response = client.post("/supervision/items/new/", data)
    assert response.status_code == 400 and not Item.objects.exists()
    assert AuditEvent.objects.filter(action="rectify.create", result="denied").exists()
    response = client.post("/supervision/items/new/", {**data, "area_code": "130126"})
    assert response.status_code == 302 and Item.objects.get().created_by == "lingshou"


def test_evidence_is_checked_kept_and_served_only_in_scope(
    make_item: MakeItem, township: User, neighbour: User, tmp_path: Path
) -> None:
    item = make_item()
    client = client_for(township)
    fake = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00not an image")
    client.post(f"/supervision/items/{item.pk}/evidence/", {"file": fake})
    assert not Evidence.objects.exists()
    good = SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 report")
    client.post(f"/supervision/items/{item.pk}/evidence/", {"file": good})
    evidence = Evidence.objects.get()
    assert evidence.name == "整改报告.pdf" and evidence.uploaded_by == "lingshouzhen"
    download = client.get(f"/supervision/evidence/{evidence.pk}/")
    assert download.status_code == 200 and download.content == b"%PDF-1.4 report"
    assert client_for(neighbour).get(f"/supervision/evidence/{evidence.pk}/").status_code == 404


def test_the_reconciliation_page_and_its_excel(make_item: MakeItem, own: User, tmp_path: Path) -> None:
    done = make_item()
    make_item(area="130126100202", deadline=timezone.localdate() + timedelta(days=5))
    for action in ("start", "submit", "verify", "close"):
        item_act(actor=None, item=done, action=action, on=date(2019, 7, 1))
    client = client_for(own)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/supervision/reconcile/").content.decode()
    assert len(queries) <= 10
    assert "灵寿镇" in page and "50.0%" in page and 'data-chart="incidence"' in page
    response = client.get("/supervision/reconcile/?area=130126&format=xlsx")
    (tmp_path / "r.xlsx").write_bytes(response.content)
    rows = CalamineWorkbook.from_path(str(tmp_path / "r.xlsx")).get_sheet_by_name("按区划").to_python()
    assert rows[0][:4] == ["问题来源", "区划代码", "区划", "发现问题"] and rows[1][:6] == [
        "合计",
        "130126100",
        "灵寿镇",
        2,
        1,
        0,
    ]
    assert AuditEvent.objects.filter(action="rectify.reconcile_export").count() == 1


def test_the_reconciliation_of_an_area_out_of_scope_is_not_found_as_page_or_workbook(
    make_item: MakeItem, own: User, neighbour: User
) -> None:
    make_item()
    client = client_for(neighbour)
    assert client.get("/supervision/reconcile/?area=130126").status_code == 404
    assert client.get("/supervision/reconcile/?area=130126&format=xlsx").status_code == 404
    assert not AuditEvent.objects.filter(action="rectify.reconcile_export").exists()
    assert (
        AuditEvent.objects.filter(action="access.not_found", object_id="130126", actor="gaoyi").count() == 2
    )


LEDGER_HEADERS = [
    "编号",
    "问题来源",
    "问题类别",
    "区域代码",
    "问题描述",
    "责任单位",
    "责任人",
    "发现日期",
    "整改时限",
    "状态",
    "整改措施",
]


def _ledger_file(path: Path, rows: list[list[str]]) -> Path:
    return write_workbook(path, {"整改台账": [LEDGER_HEADERS, *rows]})


ROW = [
    "GK-001",
    "国家考核",
    "资金闲置",
    VILLAGE,
    "2018年度资金闲置",
    "灵寿镇政府",
    "张三",
    "2019-06-01",
    "2019-09-30",
    "待整改",
    "三个月内拨付",
]


def test_the_rectification_ledger_imports_all_or_nothing(
    tree: object, own: User, township: User, tmp_path: Path
) -> None:
    bad = _ledger_file(
        tmp_path / "bad.xlsx",
        [
            ROW,
            [
                "GK-002",
                "群众举报",
                "资金闲置",
                "130127100201",
                "x",
                "u",
                "p",
                "2019-06-01",
                "2019-05-01",
                "待整改",
                "",
            ],
            ["GK-001", "国家考核", "其他", VILLAGE, "x", "u", "p", "2019-06-01", "2019-05-01", "已销号", ""],
            ["GK-003", "审计", "其他", VILLAGE, "x", "u", "p", "2019-06-01", "2019-09-01", "已销号", ""],
            [
                "GK-004",
                "审计",
                "其他",
                VILLAGE,
                "x",
                "单" * 101,
                "p",
                "2019-06-01",
                "2019-09-01",
                "待整改",
                "",
            ],
        ],
    )
    result = ledger_import("rectification", bad, actor=township)
    found = [(e["row"], e["column"], e["value"]) for e in result.errors]
    assert found == [
        (3, "问题来源", "群众举报"),
        (4, "编号", "GK-001"),
        (5, "状态", "已销号"),
        (6, "责任单位", "单" * 50),
    ]
    assert not Item.objects.exists()
    good = _ledger_file(
        tmp_path / "good.xlsx",
        [
            ROW,
            [*ROW[:9], "已销号", ""][:0]
            or ["GK-003", "审计", "其他", VILLAGE, "x", "u", "p", "2019-06-01", "2019-09-01", "已销号", ""],
        ],
    )
    result = ledger_import(
        "rectification", good, actor=own
    )  # the county may import closed items of its townships
    assert result.ok and result.created == 2
    closed = Item.objects.get(number="GK-003")
    assert closed.status == "closed" and list(closed.steps.values_list("after", flat=True)) == [
        "open",
        "closed",
    ]
    again = ledger_import("rectification", good, actor=own)
    assert again.ok and again.created == 0  # an unchanged file adds nothing
    changed = _ledger_file(tmp_path / "changed.xlsx", [[*ROW[:9], "整改中", ROW[10]]])
    result = ledger_import("rectification", changed, actor=own)
    assert [e["column"] for e in result.errors] == ["编号"] and Item.objects.count() == 2


def test_the_rectification_export_round_trips(
    make_item: MakeItem, own: User, neighbour: User, tmp_path: Path
) -> None:
    make_item()
    make_item(area="130127100201")
    response = client_for(own).post("/ledgers/rectification/export/", {"reason": "核对"})
    (tmp_path / "e.xlsx").write_bytes(response.content)
    rows = CalamineWorkbook.from_path(str(tmp_path / "e.xlsx")).get_sheet_by_name("整改台账").to_python()
    assert (
        len(rows) == 2
        and rows[1][:4] == ["ZG-001", "国家考核", "扶贫资金闲置", VILLAGE]
        and rows[1][9] == "待整改"
    )
    result = ledger_import("rectification", tmp_path / "e.xlsx", actor=own)
    assert result.ok and result.created == 0  # the export is the ledger: importing it again adds nothing


def test_a_round_page_records_a_problem_as_an_item(
    tree: object, own: User, neighbour: User, inspector: User
) -> None:
    checklist = Checklist.objects.get(code="baikan-bacha")
    inspection = round_create(
        actor=own,
        data=RoundData(
            "县级督查",
            "inspection",
            "第二督查组",
            "李四",
            "130126",
            checklist.pk,
            date(2019, 5, 6),
            date(2019, 5, 9),
        ),
    )
    assert client_for(neighbour).get(f"/supervision/rounds/{inspection.pk}/").status_code == 404
    page = client_for(inspector).get(f"/supervision/rounds/{inspection.pk}/").content.decode()
    assert "finding-form" not in page and page.count("未记录") == 8
    item = checklist.items.get(position=2)
    client = client_for(own)
    missing = client.post(
        f"/supervision/rounds/{inspection.pk}/",
        {"checklist_item": item.pk, "area_code": VILLAGE, "result": "problem", "note": "主体责任不实"},
    )
    assert missing.status_code == 400 and not Finding.objects.exists()
    data = {
        "checklist_item": item.pk,
        "area_code": VILLAGE,
        "result": "problem",
        "note": "主体责任不实",
        "category": "other",
        "unit": "灵寿镇党委",
        "person": "王书记",
        "deadline": "2019-06-30",
    }
    assert client.post(f"/supervision/rounds/{inspection.pk}/", data).status_code == 302
    created = Item.objects.get()
    assert created.source == "inspection" and created.finding is not None and created.unit == "灵寿镇党委"
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/supervision/rounds/{inspection.pk}/").content.decode()
    assert len(queries) <= 12 and created.number in page


def test_a_listed_village_page_records_measures_and_clearance(
    register: RegisterHousehold, own: User, township: User, neighbour: User
) -> None:
    register("H1")
    listing = listing_create(actor=own, name="挂牌督战", year=2020, area_code="130126")
    listed = listing_add_area(actor=own, listing=listing, area_code=VILLAGE, leader="副县长")
    assert client_for(neighbour).get(f"/supervision/listed/{listing.pk}/").status_code == 404
    assert client_for(neighbour).get(f"/supervision/listed/areas/{listed.pk}/").status_code == 404
    client = client_for(township)
    person = ListedPerson.objects.filter(listed=listed).first()
    assert person is not None
    client.post(
        f"/supervision/listed/areas/{listed.pk}/", {"person": person.pk, "kind": "cleared", "text": "达标"}
    )
    person.refresh_from_db()
    assert person.cleared_on == timezone.localdate()
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/supervision/listed/areas/{listed.pk}/").content.decode()
    assert len(queries) <= 12 and "王建国" in page
    overview = client_for(own).get(f"/supervision/listed/{listing.pk}/").content.decode()
    assert "未清零" in overview  # two of the three persons are not cleared yet


def test_the_qa_pages_search_ask_and_answer(
    tree: object, own: User, neighbour: User, make_user: MakeUser
) -> None:
    village = make_user("cundong", "village", VILLAGE)
    client = client_for(village)
    response = client.post("/supervision/qa/", {"area_code": VILLAGE, "text": "光伏收益怎么分配？"})
    question = Question.objects.get()
    assert response.status_code == 302 and question.asker == "cundong"
    assert client_for(neighbour).get(f"/supervision/qa/{question.pk}/").status_code == 404
    county = client_for(own)
    bad = county.post(
        f"/supervision/qa/{question.pk}/",
        {"office": "灵寿县扶贫办", "text": "按村集体收益分配办法。", "areas": "130127"},
    )
    assert bad.status_code == 400
    county.post(
        f"/supervision/qa/{question.pk}/",
        {"office": "灵寿县扶贫办", "text": "按村集体收益分配办法。", "areas": "130126"},
    )
    assert "收益分配办法" in client.get(f"/supervision/qa/{question.pk}/").content.decode()
    for n in range(10):
        q = question_ask(actor=village, area_code=VILLAGE, text=f"问题{n}")
        answer_publish(actor=own, question=q, text=f"答复{n}", office="县扶贫办", area_codes=["130126"])
    with CaptureQueriesContext(connection) as queries:
        found = client.get("/supervision/qa/?q=收益分配").content.decode()
    assert len(queries) <= 10 and "光伏收益" in found and "问题3" not in found


@pytest.mark.parametrize("area", ["130", "13012610", "abc", "1301261002011"])
def test_a_malformed_area_code_in_a_filter_is_ignored(make_item: MakeItem, own: User, area: str) -> None:
    make_item()
    client = client_for(own)
    assert client.get(f"/supervision/reconcile/?area={area}").status_code == 200
    assert client.get(f"/supervision/?area={area}").status_code == 200


def test_the_listed_ledger_imports_measures_and_clearances(
    register: RegisterHousehold, own: User, township: User, tmp_path: Path
) -> None:
    register("H1")
    listing = listing_create(actor=own, name="挂牌督战", year=2020, area_code="130126")
    listing_add_area(actor=own, listing=listing, area_code=VILLAGE, leader="副县长")
    headers = ["名单编号", "村代码", "户编号", "姓名", "类型", "内容", "日期"]
    rows = [
        [listing.pk, VILLAGE, "H1", "王建国", "帮扶措施", "安排公益岗位", "2020-03-01"],
        [listing.pk, VILLAGE, "H1", "王建国", "销号", "收入达标", "2020-10-01"],
        [listing.pk, VILLAGE, "H1", "王小红", "销号", "收入达标", "2020-10-01"],
        [listing.pk, VILLAGE, "H1", "李秀英", "销号", "x", "2099-01-01"],
    ]
    write_workbook(tmp_path / "l.xlsx", {"挂牌督战台账": [headers, *rows]})
    failed = ledger_import("listed", tmp_path / "l.xlsx", actor=township)
    assert [(e["row"], e["column"]) for e in failed.errors] == [(4, "姓名"), (5, "日期")]
    assert not ListedPerson.objects.filter(cleared_on__isnull=False).exists()
    write_workbook(tmp_path / "ok.xlsx", {"挂牌督战台账": [headers, *rows[:2]]})
    result = ledger_import("listed", tmp_path / "ok.xlsx", actor=township)
    assert result.ok and result.created == 2
    assert ListedPerson.objects.get(member__name="王建国").cleared_on == date(2020, 10, 1)
    export = client_for(own).post("/ledgers/listed/export/", {"reason": "核对"})
    (tmp_path / "e.xlsx").write_bytes(export.content)
    again = ledger_import("listed", tmp_path / "e.xlsx", actor=township)
    assert again.ok and again.rows == 2 and again.created == 0  # the export imports again and adds nothing


def test_an_inspector_changes_nothing_anywhere(make_item: MakeItem, own: User, inspector: User) -> None:
    from django.apps import apps

    assert not apps.is_installed(
        "django.contrib.admin"
    )  # no admin: the pages and services are the only writers
    item = make_item()
    checklist = Checklist.objects.get(code="baikan-bacha")
    inspection = round_create(
        actor=own,
        data=RoundData(
            "督查", "inspection", "组", "人", "130126", checklist.pk, date(2019, 5, 6), date(2019, 5, 9)
        ),
    )
    listing = listing_create(actor=own, name="名单", year=2020, area_code="130126")
    client = client_for(inspector)
    posts = [
        (f"/supervision/items/{item.pk}/", {"action": "start"}),
        ("/supervision/items/new/", {"number": "X", "area_code": "130126"}),
        (f"/supervision/items/{item.pk}/evidence/", {}),
        ("/supervision/rounds/", {"name": "x", "area_code": "130126"}),
        (
            f"/supervision/rounds/{inspection.pk}/",
            {
                "checklist_item": checklist.items.first().pk,  # type: ignore[union-attr]
                "area_code": VILLAGE,
                "result": "ok",
            },
        ),
        ("/supervision/listed/", {"name": "x", "year": 2020, "area_code": "130126"}),
        (f"/supervision/listed/{listing.pk}/", {"area_code": VILLAGE, "leader": "x"}),
        ("/supervision/qa/", {"area_code": "130126", "text": "问"}),
        ("/ledgers/rectification/import/", {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code in (400, 403, 404), url
    assert Item.objects.count() == 1 and item.steps.count() == 1 and not Finding.objects.exists()
    assert not Question.objects.exists() and listing.areas.count() == 0 and not Evidence.objects.exists()
