"""The rectification ledger's rules: who moves an item, overdue at its threshold, append-only; a finding becomes an
item in one step; listed supervision's per-person ledger; answers published to areas."""

from __future__ import annotations

import inspect
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold
from tuopin.supervision import services
from tuopin.supervision.models import Checklist, Finding, Item, ItemStep, ListedPerson, Status
from tuopin.supervision.selectors import (
    escalated_for,
    items_for,
    listed_areas_for,
    question_for,
    questions_for,
    reconcile,
)
from tuopin.supervision.services import (
    Rectify,
    RoundData,
    answer_publish,
    days_overdue,
    finding_record,
    item_act,
    listed_entry_add,
    listing_add_area,
    listing_create,
    question_ask,
    round_create,
)
from tuopin.supervision.tests.conftest import TOWNSHIP, VILLAGE, MakeItem

pytestmark = pytest.mark.django_db
AS_OF = date(2019, 10, 1)


def test_an_item_is_overdue_only_after_its_deadline(
    make_item: MakeItem, capsys: pytest.CaptureFixture[str]
) -> None:
    on_time = make_item(deadline=AS_OF)  # due today: not overdue
    late = make_item(deadline=AS_OF - timedelta(days=1))
    closed = make_item(deadline=AS_OF - timedelta(days=30))
    for action in ("start", "submit", "verify", "close"):
        item_act(actor=None, item=closed, action=action, on=date(2019, 9, 1))
    assert (
        days_overdue(on_time, AS_OF) == 0
        and days_overdue(late, AS_OF) == 1
        and days_overdue(closed, AS_OF) == 0
    )
    assert list(items_for(None, overdue_as_of=AS_OF)) == [late]
    call_command("rectify", "overdue", "--as-of", AS_OF.isoformat(), "--json")
    assert json.loads(capsys.readouterr().out) == {
        "overdue": 1,
        "items": [
            {
                "number": late.number,
                "area": VILLAGE,
                "deadline": "2019-09-30",
                "status": "待整改",
                "days_overdue": 1,
            }
        ],
    }


def test_a_verified_but_not_closed_item_is_still_overdue(
    make_item: MakeItem, capsys: pytest.CaptureFixture[str]
) -> None:
    item = make_item(deadline=date(2019, 9, 1))
    for action in ("start", "submit", "verify"):
        item_act(actor=None, item=item, action=action, on=date(2019, 8, 1))
    call_command("rectify", "overdue", "--as-of", "2019-10-01", "--area", "130126", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["items"] == [
        {
            "number": item.number,
            "area": VILLAGE,
            "deadline": "2019-09-01",
            "status": "已验收",
            "days_overdue": 30,
        }
    ]
    call_command("rectify", "overdue", "--as-of", "2019-10-01", "--area", "130127", "--json")
    assert json.loads(capsys.readouterr().out) == {"overdue": 0, "items": []}


def test_the_township_works_and_the_county_verifies_and_closes(
    make_item: MakeItem, township: User, own: User, inspector: User
) -> None:
    item = make_item()
    with pytest.raises(PermissionDenied):
        item_act(actor=own, item=item, action="start")  # the county verifies; the township works
    with pytest.raises(PermissionDenied):
        item_act(actor=inspector, item=item, action="start")
    item_act(actor=township, item=item, action="start", note="已制定方案")
    item_act(actor=township, item=item, action="submit")
    with pytest.raises(PermissionDenied):
        item_act(actor=township, item=item, action="verify")  # nobody verifies their own work
    with pytest.raises(ValidationError):
        item_act(actor=own, item=item, action="reject")  # a rejection needs a note
    item_act(actor=own, item=item, action="reject", note="佐证不足")
    item_act(actor=township, item=item, action="submit")
    item_act(actor=own, item=item, action="verify")
    item_act(actor=own, item=item, action="close")
    with pytest.raises(ValidationError):
        item_act(actor=own, item=item, action="reopen")  # closed is final
    item.refresh_from_db()
    assert item.status == Status.CLOSED
    steps = list(item.steps.values_list("before", "after", "actor"))
    assert steps == [
        ("", "open", "system"),
        ("open", "rectifying", "lingshouzhen"),
        ("rectifying", "submitted", "lingshouzhen"),
        ("submitted", "rectifying", "lingshou"),
        ("rectifying", "submitted", "lingshouzhen"),
        ("submitted", "verified", "lingshou"),
        ("verified", "closed", "lingshou"),
    ]
    assert AuditEvent.objects.filter(action="rectify.start", result="denied").count() == 2
    assert AuditEvent.objects.filter(action="rectify.close", result="ok").count() == 1


def test_the_city_verifies_a_countys_item(
    make_item: MakeItem, own: User, city: User, neighbour: User
) -> None:
    item = make_item(area="130126")
    item_act(actor=own, item=item, action="start")
    item_act(actor=own, item=item, action="submit")
    with pytest.raises(PermissionDenied):
        item_act(actor=neighbour, item=item, action="verify")
    item_act(actor=city, item=item, action="verify")
    assert item.status == Status.VERIFIED


def test_a_stale_state_is_refused(make_item: MakeItem, township: User) -> None:
    item = make_item()
    stale = Item.objects.get(pk=item.pk)
    item_act(actor=township, item=item, action="start")
    with pytest.raises(ValidationError, match="他人修改"):
        item_act(actor=township, item=stale, action="start")
    assert item.steps.count() == 2


def test_the_ledgers_are_append_only() -> None:
    """No service updates or deletes a row (the cached states are set by the step services with a filtered
    update); the admin is not installed, and no URL of the app answers DELETE or PUT with a change."""
    source = inspect.getsource(services)
    assert ".delete(" not in source and ".save(" not in source
    assert source.count(".update(") == 2  # item_act's state cache and listed_entry_add's clearance cache
    assert not [name for name in dir(services) if name.endswith(("_update", "_delete", "_edit", "_remove"))]


def test_escalation_shows_an_overdue_township_item_to_the_county(
    make_item: MakeItem, own: User, township: User, city: User
) -> None:
    late = make_item(deadline=AS_OF - timedelta(days=3))
    make_item(deadline=AS_OF)
    county_item = make_item(area="130126", deadline=AS_OF - timedelta(days=1))
    assert list(escalated_for(own, AS_OF)) == [late]
    assert list(escalated_for(township, AS_OF)) == []
    assert list(escalated_for(city, AS_OF)) == [county_item]


def test_reconciliation_counts_per_source_and_area(make_item: MakeItem, own: User) -> None:
    make_item(deadline=AS_OF - timedelta(days=3))
    done = make_item(source="audit")
    make_item(area="130127100201", source="audit")
    for action in ("start", "submit", "verify", "close"):
        item_act(actor=None, item=done, action=action, on=date(2019, 7, 1))
    province = reconcile(None, within="13", as_of=AS_OF)
    assert [(r.area, r.found, r.closed, r.overdue, r.rate) for r in province.areas] == [
        ("1301", 3, 1, 2, 33.3)
    ]
    county = reconcile(own, within="130126", as_of=AS_OF)
    assert [(r.source, r.found, r.closed, r.overdue) for r in county.rows] == [
        ("国家考核", 1, 0, 1),
        ("审计", 1, 1, 0),
    ]
    assert county.chart() == {"names": ["灵寿镇"], "rates": [50.0]}


def test_a_problem_finding_becomes_an_item_in_one_step(tree: object, own: User, inspector: User) -> None:
    checklist = Checklist.objects.get(code="baikan-bacha")
    assert checklist.items.count() == 8
    data = RoundData(
        name="2019年第一轮督查",
        kind="patrol",
        team="第一督查组",
        members="李四、王五",
        area_code="130126",
        checklist_id=checklist.pk,
        starts_on=date(2019, 5, 6),
        ends_on=date(2019, 5, 20),
    )
    with pytest.raises(PermissionDenied):
        round_create(actor=inspector, data=data)
    inspection = round_create(actor=own, data=data)
    fifth = checklist.items.get(position=5)
    finding = finding_record(
        actor=own,
        round=inspection,
        checklist_item=fifth,
        area_code=VILLAGE,
        result="problem",
        note="国考反馈问题整改台账不全",
        rectify=Rectify("other", "灵寿镇政府", "赵六", date(2019, 7, 1)),
        on=date(2019, 5, 8),
    )
    item = Item.objects.get(finding=finding)
    assert item.source == "patrol" and item.area_id == VILLAGE and item.status == "open"
    assert (
        item.description.startswith("【5. 各类监督检查发现脱贫攻坚问题整改落实情况")
        and "台账不全" in item.description
    )
    assert item.number == f"XS2019-{inspection.pk:04d}-{finding.pk:05d}"
    with pytest.raises(ValidationError):  # one finding per item and area
        finding_record(
            actor=own, round=inspection, checklist_item=fifth, area_code=VILLAGE, result="ok", note=""
        )
    with pytest.raises(PermissionDenied):
        finding_record(
            actor=own, round=inspection, checklist_item=fifth, area_code="130127100201", result="ok", note=""
        )
    finding_record(
        actor=own,
        round=inspection,
        checklist_item=checklist.items.get(position=1),
        area_code=VILLAGE,
        result="ok",
        note="",
    )
    assert Finding.objects.count() == 2 and Item.objects.count() == 1


def test_a_listed_village_gets_a_ledger_of_its_remaining_poor(
    register: RegisterHousehold, own: User, township: User, make_user: MakeUser
) -> None:
    register("H1")
    register("H2", status="exited")
    listing = listing_create(actor=own, name="挂牌督战名单", year=2020, area_code="130126")
    with pytest.raises(PermissionDenied):
        listing_add_area(actor=own, listing=listing, area_code="130127100201", leader="x")
    county = listing_add_area(actor=own, listing=listing, area_code="130126", leader="县长")
    village = listing_add_area(actor=own, listing=listing, area_code=VILLAGE, leader="副县长")
    persons = list(ListedPerson.objects.filter(listed=village))
    assert len(persons) == 3 and county.persons.count() == 0
    listed_entry_add(actor=township, person=persons[0], kind="measure", text="公益岗位", on=date(2020, 3, 1))
    for person in persons:
        listed_entry_add(actor=township, person=person, kind="cleared", text="已达标", on=date(2020, 4, 1))
    rows = {
        row.listed.area_id: (row.persons, row.cleared, row.is_cleared)
        for row in listed_areas_for(own, listing)
    }
    assert rows == {"130126": (3, 3, True), VILLAGE: (3, 3, True)}
    with pytest.raises(ValidationError):
        listed_entry_add(actor=township, person=persons[0], kind="cleared", text="again")
    listed_entry_add(
        actor=township, person=persons[0], kind="reopened", text="收入核实不足", on=date(2020, 4, 2)
    )
    cleared = {row.listed.area_id: row.is_cleared for row in listed_areas_for(own, listing)}
    assert cleared == {"130126": False, VILLAGE: False}
    outsider = make_user("gaoyizhen", "township", "130127100")
    with pytest.raises(PermissionDenied):
        listed_entry_add(actor=outsider, person=persons[1], kind="measure", text="x")


def test_an_answer_is_seen_where_it_is_published(
    tree: object, own: User, neighbour: User, township: User, make_user: MakeUser
) -> None:
    village = make_user("cundong", "village", VILLAGE)
    question = question_ask(actor=village, area_code=VILLAGE, text="易地搬迁户还能享受产业奖补吗？")
    assert question_for(neighbour, question.pk) is None
    with pytest.raises(PermissionDenied):
        answer_publish(actor=village, question=question, text="x", office="村", area_codes=[])
    with pytest.raises(PermissionDenied):
        answer_publish(actor=township, question=question, text="x", office="镇", area_codes=["130126"])
    province = make_user("hebei", "province", "13")
    answer_publish(
        actor=province,
        question=question,
        text="可以，按省扶贫办文件执行。",
        office="省扶贫办",
        area_codes=["13"],
    )
    seen = question_for(neighbour, question.pk)
    assert seen is not None and [a.text for a in seen.visible] == ["可以，按省扶贫办文件执行。"]  # type: ignore[attr-defined]
    assert [q.pk for q in questions_for(neighbour, query="省扶贫办文件")] == [question.pk]
    assert [q.pk for q in questions_for(village, query="产业奖补")] == [question.pk]
    assert list(questions_for(village, query="低保")) == []
    local = question_ask(actor=village, area_code=VILLAGE, text="危房鉴定找谁？")
    answer_publish(
        actor=township, question=local, text="找镇建设办。", office="灵寿镇", area_codes=[TOWNSHIP]
    )
    assert question_for(neighbour, local.pk) is None
    assert [a.office for a in question_for(own, local.pk).visible] == ["灵寿镇"]  # type: ignore[union-attr]
    assert ItemStep.objects.count() == 0


def test_rectify_list_and_its_errors(
    make_item: MakeItem, own: User, capsys: pytest.CaptureFixture[str]
) -> None:
    from django.core.management.base import CommandError

    make_item()
    make_item(area="130127100201")
    call_command("rectify", "list", "--username", own.username, "--json")
    items = json.loads(capsys.readouterr().out)["items"]
    assert [(i["number"], i["area"], i["status"]) for i in items] == [("ZG-001", VILLAGE, "待整改")]
    with pytest.raises(CommandError, match="no active user"):
        call_command("rectify", "overdue", "--username", "nobody", "--json")
    with pytest.raises(CommandError, match="not a date"):
        call_command("rectify", "overdue", "--as-of", "2019-13-01", "--json")


def test_the_rectification_template_has_the_issues_headers_and_drop_downs(
    tree: object, tmp_path: Path
) -> None:
    from python_calamine import CalamineWorkbook

    call_command("export", "template", "--ledger", "rectification", "-o", str(tmp_path / "t.xlsx"))
    book = CalamineWorkbook.from_path(str(tmp_path / "t.xlsx"))
    assert book.get_sheet_by_name("整改台账").to_python()[0] == [
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
    options = book.get_sheet_by_name("选项").to_python()
    assert [row[0] for row in options][:7] == [
        "问题来源",
        "国家考核",
        "省级考核",
        "巡视",
        "督查",
        "审计",
        "自查",
    ]
    assert [row[2] for row in options if row[2]] == ["状态", "待整改", "整改中", "已提交", "已验收", "已销号"]
