"""The inspection findings ledger (检查发现) and the Q&A ledger (问答) in Excel: findings recorded through the
service (a problem becomes a rectification item), every problem at once, all rows or none, the scope, the export
that imports again and adds nothing, and the command's JSON."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for, write_workbook
from tuopin.ledgers.framework import ledger_get, ledger_import
from tuopin.supervision.ledgers import FINDINGS_COLUMNS, QA_COLUMNS
from tuopin.supervision.models import Answer, Checklist, Finding, Item, Question, Round
from tuopin.supervision.services import (
    Rectify,
    RoundData,
    answer_publish,
    finding_record,
    question_ask,
    round_create,
)
from tuopin.supervision.tests.conftest import TOWNSHIP, VILLAGE

pytestmark = pytest.mark.django_db

FINDINGS = [column.header for column in FINDINGS_COLUMNS]
QA = [column.header for column in QA_COLUMNS]
OTHER_VILLAGE = "130126100202"
CHANGED = "与已记录的内容不同：台账只追加，不能修改已记录的内容。"


def _book(path: Path, sheet: str, headers: list[str], rows: list[list[Any]]) -> Path:
    return write_workbook(path, {sheet: [headers, *rows]})


def _findings(path: Path, rows: list[list[Any]]) -> Path:
    return _book(path, "检查发现", FINDINGS, rows)


def _questions(path: Path, rows: list[list[Any]]) -> Path:
    return _book(path, "问答", QA, rows)


def _sheet(path: Path, content: bytes, name: str) -> list[list[Any]]:
    path.write_bytes(content)
    return list(CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python())


def _round(actor: User, area: str = "130126", name: str = "县级督查", team: str = "第二督查组") -> Round:
    checklist = Checklist.objects.get(code="baikan-bacha")
    data = RoundData(name, "inspection", team, "李四", area, checklist.pk, date(2019, 5, 6), date(2019, 5, 9))
    return round_create(actor=actor, data=data)


@pytest.fixture
def inspection(own: User) -> Round:
    """A county round over 灵寿县 with the shipped 八看八查 checklist."""
    return _round(own)


def _ok(inspection: Round, position: int, area: str = VILLAGE) -> list[Any]:
    return [inspection.pk, "", "", "", position, area, "无问题", "", "", "", "", "", ""]


def _problem(inspection: Round, position: int, area: str = VILLAGE) -> list[Any]:
    return [
        inspection.pk,
        "县级督查",
        "第二督查组",
        "baikan-bacha",
        position,
        area,
        "发现问题",
        "主体责任不实",
        "2019-05-08",
        "其他",
        "灵寿镇党委",
        "王书记",
        "2019-06-30",
    ]


# --- inspections -------------------------------------------------------------------------------------------------


def test_it_records_findings_and_a_problem_becomes_an_item(
    inspection: Round, own: User, tmp_path: Path
) -> None:
    by_name = ["", "县级督查", "", "八看八查", 3, OTHER_VILLAGE, "无问题", "已核实", "", "", "", "", ""]
    path = _findings(tmp_path / "f.xlsx", [_ok(inspection, 1), _problem(inspection, 2), by_name])
    result = ledger_import("inspections", path, actor=own)
    assert result.as_dict() == {
        "ledger": "inspections",
        "ok": True,
        "rows": 3,
        "created": 3,
        "dry_run": False,
        "errors": [],
    }
    found = Finding.objects.order_by("checklist_item__position")
    assert [(f.checklist_item.position, f.area_id, f.result, f.note) for f in found] == [
        (1, VILLAGE, "ok", ""),
        (2, VILLAGE, "problem", "主体责任不实"),
        (3, OTHER_VILLAGE, "ok", "已核实"),
    ]
    item = Item.objects.get()
    assert item.finding == found[1] and item.source == "inspection" and item.category == "other"
    assert (item.unit, item.person, item.found_on, item.deadline) == (
        "灵寿镇党委",
        "王书记",
        date(2019, 5, 8),
        date(2019, 6, 30),
    )
    assert item.description.endswith("主体责任不实") and item.created_by == own.username
    assert AuditEvent.objects.filter(action="inspection.finding", actor=own.username).count() == 3
    assert AuditEvent.objects.filter(action="rectify.create").count() == 1
    assert (
        AuditEvent.objects.filter(action="ledger.import", object_id="inspections", result="ok").count() == 1
    )


def test_the_exported_findings_import_again_and_add_nothing(
    inspection: Round, own: User, tmp_path: Path
) -> None:
    path = _findings(tmp_path / "f.xlsx", [_ok(inspection, 1), _problem(inspection, 2)])
    assert ledger_import("inspections", path, actor=own).ok
    response = client_for(own).post("/ledgers/inspections/export/", {"reason": "核对"})
    rows = _sheet(tmp_path / "e.xlsx", response.content, "检查发现")
    assert rows[0] == FINDINGS and len(rows) == 3
    assert rows[2][:8] == [
        inspection.pk,
        "县级督查",
        "第二督查组",
        "baikan-bacha",
        2,
        VILLAGE,
        "发现问题",
        "主体责任不实",
    ]
    assert rows[2][9:12] == ["其他", "灵寿镇党委", "王书记"]
    again = ledger_import("inspections", tmp_path / "e.xlsx", actor=own)
    assert again.ok and again.rows == 2 and again.created == 0
    assert Finding.objects.count() == 2 and Item.objects.count() == 1
    changed = [*_problem(inspection, 2)[:7], "另一种说法", *_problem(inspection, 2)[8:]]
    later = [*_problem(inspection, 2)[:12], "2019-07-31"]
    refused = ledger_import("inspections", _findings(tmp_path / "c.xlsx", [changed, later]), actor=own)
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in refused.errors] == [
        (2, "情况说明", "另一种说法", CHANGED),
        (3, "整改时限", "2019-07-31", CHANGED),
    ]
    assert Finding.objects.count() == 2 and Item.objects.get().deadline == date(2019, 6, 30)


def test_every_problem_of_a_findings_file_at_once_and_nothing_written(
    inspection: Round, own: User, tmp_path: Path
) -> None:
    village_round = _round(own, area=VILLAGE, name="村级督查")
    no_unit = [*_problem(inspection, 4)[:10], "", "", "2019-06-30"]
    rows = [
        _problem(inspection, 2),  # good, but the file is taken whole or not at all
        [9999, "", "", "", 1, VILLAGE, "无问题", "", "", "", "", "", ""],
        ["", "", "", "", 1, VILLAGE, "无问题", "", "", "", "", "", ""],
        _ok(inspection, 9),
        [inspection.pk, "", "", "", 1, VILLAGE, "有问题", "", "", "", "", "", ""],
        no_unit,
        [inspection.pk, "", "第一督查组", "", 5, VILLAGE, "无问题", "", "", "", "", "", ""],
        _ok(village_round, 1, area=OTHER_VILLAGE),
        [inspection.pk, "", "", "", 6, VILLAGE, "无问题", "", "", "", "灵寿镇党委", "", ""],
        [*_problem(inspection, 7)[:12], "2019-04-01"],
        ["", "县级督查", "", "", 8, "130127100201", "无问题", "", "", "", "", "", ""],
    ]
    result = ledger_import("inspections", _findings(tmp_path / "bad.xlsx", rows), actor=own)
    assert not result.ok and result.rows == 11 and result.created == 0
    assert [(e["sheet"], e["row"], e["column"], e["value"]) for e in result.errors] == [
        ("检查发现", 3, "轮次编号", "9999"),
        ("检查发现", 4, "轮次编号", ""),
        ("检查发现", 5, "条目序号", "9"),
        ("检查发现", 6, "结果", "有问题"),
        ("检查发现", 7, "责任单位", ""),
        ("检查发现", 7, "责任人", ""),
        ("检查发现", 8, "检查组", "第一督查组"),
        ("检查发现", 9, "区域代码", OTHER_VILLAGE),
        ("检查发现", 10, "结果", "无问题"),
        ("检查发现", 11, "整改时限", "2019-04-01"),
        ("检查发现", 12, "区域代码", "130127100201"),
    ]
    assert all(e["message"] for e in result.errors)
    assert result.errors[0]["message"] == "没有这个督查轮次。"
    assert result.errors[-1]["message"] == "不在您的管辖范围内。"
    assert not Finding.objects.exists() and not Item.objects.exists()
    assert (
        AuditEvent.objects.filter(action="ledger.import", object_id="inspections", result="refused").count()
        == 1
    )
    assert not AuditEvent.objects.filter(action="inspection.finding").exists()


def test_one_bad_row_means_no_finding_and_a_dry_run_writes_nothing(
    inspection: Round, own: User, tmp_path: Path
) -> None:
    good = [_ok(inspection, 1), _problem(inspection, 2), _ok(inspection, 3, area=OTHER_VILLAGE)]
    bad = _findings(tmp_path / "bad.xlsx", [*good, _ok(inspection, 12)])
    result = ledger_import("inspections", bad, actor=own)
    assert [(e["row"], e["column"]) for e in result.errors] == [(5, "条目序号")]
    assert not Finding.objects.exists() and not Item.objects.exists()
    dry = ledger_import("inspections", _findings(tmp_path / "good.xlsx", good), actor=own, dry_run=True)
    assert dry.ok and dry.created == 3 and not Finding.objects.exists()
    assert ledger_import("inspections", tmp_path / "good.xlsx", actor=own).created == 3


def test_a_township_imports_and_exports_only_its_own_findings(
    inspection: Round, own: User, neighbour: User, township: User, tmp_path: Path
) -> None:
    theirs = _round(neighbour, area="130127", name="高邑督查")
    finding_record(
        actor=neighbour,
        round=theirs,
        checklist_item=theirs.checklist.items.get(position=1),
        area_code="130127100201",
        result="ok",
        note="",
    )
    outside = ledger_import(
        "inspections",
        _findings(
            tmp_path / "o.xlsx",
            [_ok(inspection, 1), _ok(inspection, 2, area="130127100201"), _ok(theirs, 3, area=TOWNSHIP)],
        ),
        actor=township,
    )
    assert [(e["row"], e["column"], e["message"]) for e in outside.errors] == [
        (3, "区域代码", "不在您的管辖范围内。"),
        (4, "轮次编号", "没有这个督查轮次。"),  # the neighbour's round is not one the township sees
    ]
    assert Finding.objects.count() == 1
    assert ledger_import(
        "inspections", _findings(tmp_path / "t.xlsx", [_ok(inspection, 1)]), actor=township
    ).ok
    finding_record(
        actor=own,
        round=inspection,
        checklist_item=inspection.checklist.items.get(position=2),
        area_code="130126",
        result="ok",
        note="县本级",
    )
    seen = _sheet(
        tmp_path / "e.xlsx",
        client_for(township).post("/ledgers/inspections/export/", {"reason": "核对"}).content,
        "检查发现",
    )
    assert [(row[0], row[4], row[5]) for row in seen[1:]] == [(inspection.pk, 1, VILLAGE)]
    county = _sheet(
        tmp_path / "c.xlsx",
        client_for(own).post("/ledgers/inspections/export/", {"reason": "核对"}).content,
        "检查发现",
    )
    assert [(row[4], row[5]) for row in county[1:]] == [(1, VILLAGE), (2, "130126")]
    other = _sheet(
        tmp_path / "n.xlsx",
        client_for(neighbour).post("/ledgers/inspections/export/", {"reason": "核对"}).content,
        "检查发现",
    )
    assert [(row[0], row[5]) for row in other[1:]] == [(theirs.pk, "130127100201")]


def test_the_import_command_prints_the_json_shape(
    inspection: Round, own: User, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _findings(tmp_path / "g.xlsx", [_problem(inspection, 2)])
    call_command("import", "ledger", "inspections", str(good), "--json", "--username", own.username)
    assert json.loads(capsys.readouterr().out) == {
        "ledger": "inspections",
        "ok": True,
        "rows": 1,
        "created": 1,
        "dry_run": False,
        "errors": [],
    }
    bad = _findings(tmp_path / "b.xlsx", [_ok(inspection, 1), _ok(inspection, 42)])
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import", "ledger", "inspections", str(bad), "--json", "--username", own.username)
    assert json.loads(capsys.readouterr().out) == {
        "ledger": "inspections",
        "ok": False,
        "rows": 2,
        "created": 0,
        "dry_run": False,
        "errors": [
            {
                "sheet": "检查发现",
                "row": 3,
                "column": "条目序号",
                "value": "42",
                "message": "该轮次的清单没有这个序号。",
            }
        ],
    }
    assert Finding.objects.count() == 1 and Item.objects.count() == 1


def test_the_templates_have_the_headers_and_the_pages_link_the_ledgers(
    inspection: Round, own: User, inspector: User, tmp_path: Path
) -> None:
    for name, sheet, headers in (("inspections", "检查发现", FINDINGS), ("questions", "问答", QA)):
        call_command("export", "template", "--ledger", name, "-o", str(tmp_path / f"{name}.xlsx"))
        book = CalamineWorkbook.from_path(str(tmp_path / f"{name}.xlsx"))
        assert book.sheet_names[0] == sheet and book.get_sheet_by_name(sheet).to_python()[0] == headers
    for page, name in (("/supervision/rounds/", "inspections"), ("/supervision/qa/", "questions")):
        content = client_for(own).get(page).content.decode()
        assert all(f"/ledgers/{name}/{end}" in content for end in ("import/", "template.xlsx", "export/"))
        read_only = client_for(inspector).get(page).content.decode()
        assert f"/ledgers/{name}/import/" not in read_only and f"/ledgers/{name}/export/" in read_only


# --- questions and answers ---------------------------------------------------------------------------------------


@pytest.fixture
def village(make_user: MakeUser) -> User:
    return make_user("cundong", "village", VILLAGE)


def test_a_row_without_a_number_asks_and_an_office_publishes_the_answer(
    tree: object, own: User, village: User, tmp_path: Path
) -> None:
    asked = _questions(tmp_path / "q.xlsx", [[None, VILLAGE, "光伏收益怎么分配？", "", "", "", ""]])
    assert ledger_import("questions", asked, actor=village).created == 1
    question = Question.objects.get()
    assert (question.area_id, question.asker) == (VILLAGE, "cundong")
    assert ledger_import("questions", asked, actor=village).created == 0  # asked already: the same question
    answered = [
        question.pk,
        VILLAGE,
        "光伏收益怎么分配？",
        "",
        "按村集体收益分配办法。",
        "灵寿县扶贫办",
        "130126",
    ]
    refused = ledger_import("questions", _questions(tmp_path / "v.xlsx", [answered]), actor=village)
    assert [(e["column"], e["message"]) for e in refused.errors] == [
        ("答复", "只有管辖该区划的乡镇及以上部门可以答复，并只能发布到其管辖区划。"),
        ("发布范围", "不在您的管辖范围内。"),
    ]
    assert not Answer.objects.exists()
    result = ledger_import("questions", _questions(tmp_path / "a.xlsx", [answered]), actor=own)
    assert result.ok and result.created == 1
    answer = Answer.objects.get()
    assert (answer.text, answer.office, answer.answered_by) == (
        "按村集体收益分配办法。",
        "灵寿县扶贫办",
        "lingshou",
    )
    assert sorted(answer.published.values_list("area_id", flat=True)) == ["130126", VILLAGE]
    assert ledger_import("questions", tmp_path / "a.xlsx", actor=own).created == 0
    other = [*answered[:4], "另一个答复", "灵寿县扶贫办", ""]
    refused = ledger_import("questions", _questions(tmp_path / "o.xlsx", [other]), actor=own)
    assert [(e["column"], e["value"]) for e in refused.errors] == [("答复", "另一个答复")]
    assert Answer.objects.count() == 1
    assert AuditEvent.objects.filter(action__in=("qa.ask", "qa.answer")).count() == 2


def test_every_problem_of_a_qa_file_at_once_and_nothing_written(
    tree: object, own: User, village: User, tmp_path: Path
) -> None:
    question = question_ask(actor=village, area_code=VILLAGE, text="危房改造补助标准？")
    rows = [
        [None, VILLAGE, "新问题", "", "", "", ""],  # good, but the file is taken whole or not at all
        [99999, VILLAGE, "x", "", "", "", ""],
        [question.pk, VILLAGE, "危房改造补助标准是多少？", "", "", "", ""],
        [question.pk, VILLAGE, "危房改造补助标准？", "2001-01-01", "", "", ""],
        [None, "130127100201", "邻县的问题", "", "", "", ""],
        [None, "130126100299", "没有的村", "", "", "", ""],
        [question.pk, VILLAGE, "危房改造补助标准？", "", "", "灵寿县住建局", ""],
        [question.pk, VILLAGE, "危房改造补助标准？", "", "按省定标准。", "", "130127、130126"],
    ]
    result = ledger_import("questions", _questions(tmp_path / "bad.xlsx", rows), actor=own)
    assert not result.ok and result.created == 0
    assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [
        (3, "编号", "99999"),
        (4, "问题", "危房改造补助标准是多少？"),
        (5, "提问日期", "2001-01-01"),
        (6, "区域代码", "130127100201"),
        (7, "区域代码", "130126100299"),
        (8, "答复", ""),
        (9, "答复单位", ""),
        (9, "发布范围", "130127"),
    ]
    assert [e["message"] for e in result.errors][1:3] == [CHANGED, CHANGED]
    assert Question.objects.count() == 1 and not Answer.objects.exists()


def test_the_exported_qa_imports_again_and_shows_only_what_the_user_sees(
    tree: object, own: User, village: User, neighbour: User, make_user: MakeUser, tmp_path: Path
) -> None:
    answered = question_ask(actor=village, area_code=VILLAGE, text="=光伏收益怎么分配？")
    answer_publish(
        actor=own,
        question=answered,
        text="按村集体收益分配办法。",
        office="灵寿县扶贫办",
        area_codes=["130126"],
    )
    open_question = question_ask(actor=village, area_code=VILLAGE, text="小额信贷贴息比例？")
    question_ask(actor=neighbour, area_code="130127100201", text="邻县的问题")
    rows = _sheet(
        tmp_path / "e.xlsx",
        client_for(own).post("/ledgers/questions/export/", {"reason": "核对"}).content,
        "问答",
    )
    today = timezone.localdate().isoformat()
    assert [row[:2] for row in rows[1:]] == [[answered.pk, VILLAGE], [open_question.pk, VILLAGE]]
    assert rows[1][2] == "'=光伏收益怎么分配？" and rows[1][4:] == [
        "按村集体收益分配办法。",
        "灵寿县扶贫办",
        f"130126、{VILLAGE}",
    ]
    assert str(rows[1][3])[:10] == today
    again = ledger_import("questions", tmp_path / "e.xlsx", actor=own)
    assert again.ok and again.rows == 2 and again.created == 0
    # another village sees the answer published to its county and its export imports again, though the question's
    # area is outside its scope
    west = make_user("cunxi", "village", OTHER_VILLAGE)
    seen = _sheet(
        tmp_path / "w.xlsx",
        client_for(west).post("/ledgers/questions/export/", {"reason": "核对"}).content,
        "问答",
    )
    assert [row[0] for row in seen[1:]] == [answered.pk]
    assert ledger_import("questions", tmp_path / "w.xlsx", actor=west).created == 0
    theirs = _sheet(
        tmp_path / "n.xlsx",
        client_for(neighbour).post("/ledgers/questions/export/", {"reason": "核对"}).content,
        "问答",
    )
    assert [row[2] for row in theirs[1:]] == ["邻县的问题"]
    assert Question.objects.count() == 3 and Answer.objects.count() == 1


def test_a_new_question_with_an_answer_is_asked_and_answered_once(
    tree: object, own: User, tmp_path: Path
) -> None:
    path = _questions(
        tmp_path / "q.xlsx",
        [[None, VILLAGE, "雨露计划怎么申请？", "", "向乡镇提交申请。", "灵寿县扶贫办", "130126100"]],
    )
    assert ledger_import("questions", path, actor=own).created == 2
    assert ledger_import("questions", path, actor=own).created == 0
    answer = Answer.objects.get()
    assert sorted(answer.published.values_list("area_id", flat=True)) == [TOWNSHIP, VILLAGE]


def test_the_exports_read_in_a_bounded_number_of_queries(inspection: Round, own: User, village: User) -> None:
    for position in range(1, 9):
        finding_record(
            actor=own,
            round=inspection,
            checklist_item=inspection.checklist.items.get(position=position),
            area_code=VILLAGE,
            result="problem",
            note=f"问题{position}",
            rectify=Rectify("other", "灵寿镇党委", "王书记", date(2019, 6, 30)),
        )
        question = question_ask(actor=village, area_code=VILLAGE, text=f"问题{position}")
        answer_publish(
            actor=own, question=question, text=f"答复{position}", office="县扶贫办", area_codes=["130126"]
        )
    for name, rows in (("inspections", 8), ("questions", 8)):
        export = ledger_get(name).export
        assert export is not None
        with CaptureQueriesContext(connection) as queries:
            assert len(list(export(own))) == rows
        assert len(queries) <= 6, [q["sql"] for q in queries]
