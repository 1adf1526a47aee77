"""The registration workbook: template, import (every problem at once, all or nothing, idempotent), export."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from tuopin.audit.models import AuditEvent
from tuopin.core.crypto import decrypt
from tuopin.registry.idnumbers import ID_PATTERN, make_id
from tuopin.registry.importers import import_registry
from tuopin.registry.models import Change, Household, Income, Member
from tuopin.registry.workbook import HOUSEHOLD_COLUMNS, INCOME_COLUMNS, MEMBER_COLUMNS, TEMPLATE_HIDDEN

pytestmark = pytest.mark.django_db

HEAD = make_id("130126", date(1968, 4, 2), 11, female=False)
WIFE = make_id("130126", date(1970, 6, 9), 12, female=True)
CHILD = make_id("130126", date(2009, 10, 1), 13, female=False)


def _headers(columns: tuple[Any, ...]) -> list[str]:
    return [c.header for c in columns if c.field not in TEMPLATE_HIDDEN]


def workbook(
    path: Path,
    households: list[list[Any]],
    members: list[list[Any]],
    incomes: list[list[Any]] | None = None,
    headers: dict[str, list[str]] | None = None,
) -> Path:
    book = xlsxwriter.Workbook(str(path))
    default = {
        "户信息": _headers(HOUSEHOLD_COLUMNS),
        "成员信息": _headers(MEMBER_COLUMNS),
        "收入信息": _headers(INCOME_COLUMNS),
    }
    for name, rows in (("户信息", households), ("成员信息", members), ("收入信息", incomes or [])):
        sheet = book.add_worksheet(name)
        for r, row in enumerate([(headers or default)[name], *rows]):
            for c, value in enumerate(row):
                if value not in (None, ""):
                    sheet.write_string(r, c, str(value))
    book.close()
    return path


def household_row(
    number: str = "H1", village: str = "130126100201", head: str = HEAD, **over: Any
) -> list[Any]:
    row = {
        "户编号": number,
        "村代码": village,
        "户主身份证号": head,
        "贫困户属性": "一般贫困户",
        "识别标准": "国家标准",
        "主要致贫原因": "因病",
        "其他致贫原因": "缺技术",
        "人口类型": "建档立卡户",
        "识别年度": "2014",
        "脱贫状态": "未脱贫",
        "脱贫年度": "",
        "住房安全等级": "B",
        "是否易地搬迁": "否",
        "饮水安全": "是",
        "联系电话": "13812345678",
        **over,
    }
    return [row[h] for h in _headers(HOUSEHOLD_COLUMNS)]


def member_row(number: str, name: str, id_number: str, relation: str, **over: Any) -> list[Any]:
    row = {
        "户编号": number,
        "姓名": name,
        "身份证号": id_number,
        "与户主关系": relation,
        "民族": "汉族",
        "文化程度": "初中",
        "在校生状况": "非在校生",
        "健康状况": "健康",
        "残疾等级": "",
        "劳动能力": "普通劳动力",
        "务工状况": "未务工",
        "参加医保": "是",
        "参加养老保险": "是",
        "低保人口": "否",
        **over,
    }
    return [row[h] for h in _headers(MEMBER_COLUMNS)]


def good_file(path: Path) -> Path:
    return workbook(
        path,
        [household_row()],
        [
            member_row("H1", "张大勇", HEAD, "户主", 健康状况="残疾,长期慢性病", 残疾等级="2"),
            member_row("H1", "刘桂兰", WIFE, "配偶"),
            member_row("H1", "张小宝", CHILD, "之子", 在校生状况="初中", 劳动能力="无劳动力"),
        ],
        [
            ["H1", "2019", "8000", "2000", "0", "1500", "500"],
            ["H1", "2020", "9000", "2500", "100", "1800", "600"],
        ],
    )


def result_of(path: Path, **kwargs: Any) -> dict[str, Any]:
    return import_registry(path, **kwargs).as_dict()


def test_the_template_has_three_sheets_with_chinese_headers_and_drop_downs(tmp_path: Path) -> None:
    call_command("export", "template", "-o", str(tmp_path / "t.xlsx"))
    book = CalamineWorkbook.from_path(str(tmp_path / "t.xlsx"))
    assert book.sheet_names[:3] == ["户信息", "成员信息", "收入信息"]
    assert book.get_sheet_by_name("户信息").to_python()[0][:3] == ["户编号", "村代码", "户主身份证号"]
    with zipfile.ZipFile(tmp_path / "t.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet2.xml").decode()
    assert "<dataValidation" in sheet and "选项" in sheet


def test_it_imports_a_good_file(tree: object, tmp_path: Path) -> None:
    result = result_of(good_file(tmp_path / "a.xlsx"))
    assert result == {
        "ok": True,
        "households": 1,
        "members": 3,
        "incomes": 2,
        "created": 6,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
    }
    household = Household.objects.get(number="H1")
    assert household.head is not None and decrypt(household.head.id_encrypted) == HEAD
    assert (household.category, household.main_cause, household.other_cause_1) == (
        "general",
        "illness",
        "skills",
    )
    head = household.head
    assert (head.health, head.health_2, head.disability_grade) == ("disabled", "chronic", 2)
    assert Income.objects.get(household=household, year=2020).net == 9000 + 2500 + 100 + 1800 - 600
    assert Change.objects.filter(household=household, reason="导入 a.xlsx").count() == 6
    assert AuditEvent.objects.filter(action="registry.import").count() == 1


def test_reimporting_the_same_file_changes_nothing(tree: object, tmp_path: Path) -> None:
    path = good_file(tmp_path / "a.xlsx")
    result_of(path)
    again = result_of(path)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 6)
    assert Change.objects.count() == 6


def test_a_changed_value_is_an_update_with_history(tree: object, tmp_path: Path) -> None:
    result_of(good_file(tmp_path / "a.xlsx"))
    changed = workbook(
        tmp_path / "b.xlsx",
        [household_row(住房安全等级="A")],
        [member_row("H1", "张大勇", HEAD, "户主", 健康状况="残疾,长期慢性病", 残疾等级="2")],
    )
    result = result_of(changed)
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 1, 1)
    change = Change.objects.get(action="update")
    assert change.fields == {"housing_safety": ["B", "A"]} and change.reason == "导入 b.xlsx"


def test_a_dry_run_reports_and_writes_nothing(tree: object, tmp_path: Path) -> None:
    result = result_of(good_file(tmp_path / "a.xlsx"), dry_run=True)
    assert result["ok"] and result["households"] == 1
    assert Household.objects.count() == 0


BAD_CASES = [
    ("unknown village", {"hh": {"村代码": "130126999999"}}, ("户信息", 2, "村代码")),
    ("village outside the tree", {"hh": {"村代码": "999999999999"}}, ("户信息", 2, "村代码")),
    ("unknown enumeration", {"hh": {"主要致贫原因": "因懒"}}, ("户信息", 2, "主要致贫原因")),
    ("bad yes/no", {"hh": {"饮水安全": "有"}}, ("户信息", 2, "饮水安全")),
    ("bad year", {"hh": {"识别年度": "去年"}}, ("户信息", 2, "识别年度")),
    ("missing required", {"hh": {"人口类型": ""}}, ("户信息", 2, "人口类型")),
    (
        "bad check digit",
        {"m0": {"身份证号": HEAD[:-1] + ("0" if HEAD[-1] != "0" else "1")}},
        ("成员信息", 2, "身份证号"),
    ),
    ("bad relation", {"m1": {"与户主关系": "邻居"}}, ("成员信息", 3, "与户主关系")),
    (
        "three health conditions",
        {"m1": {"健康状况": "残疾,长期慢性病,患有大病"}},
        ("成员信息", 3, "健康状况"),
    ),
    (
        "head not a member",
        {"hh": {"户主身份证号": make_id("130126", date(1950, 1, 1), 5, female=False)}},
        ("户信息", 2, "户主身份证号"),
    ),
    ("member of an unknown household", {"m2": {"户编号": "H9"}}, ("成员信息", 4, "户编号")),
    ("negative income", {"inc": {"wage": "-5"}}, ("收入信息", 2, "工资性收入")),
]


@pytest.mark.parametrize(("case", "edits", "where"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_each_class_of_problem_is_reported_where_it_is(
    tree: object, tmp_path: Path, case: str, edits: dict[str, dict[str, str]], where: tuple[str, int, str]
) -> None:
    members = [
        member_row("H1", "张大勇", HEAD, "户主", **edits.get("m0", {})),
        member_row("H1", "刘桂兰", WIFE, "配偶", **edits.get("m1", {})),
        member_row("H1", "张小宝", CHILD, "之子", **edits.get("m2", {})),
    ]
    income = {"wage": "8000", **edits.get("inc", {})}
    path = workbook(
        tmp_path / "bad.xlsx",
        [household_row(**edits.get("hh", {}))],
        members,
        [["H1", "2019", income["wage"], "0", "0", "0", "0"]],
    )
    result = result_of(path)
    assert not result["ok"]
    assert where in {(e["sheet"], e["row"], e["column"]) for e in result["errors"]}, result["errors"]
    assert Household.objects.count() == Member.objects.count() == 0


def test_every_problem_is_reported_in_one_pass_without_full_id_numbers(tree: object, tmp_path: Path) -> None:
    twin = workbook(
        tmp_path / "many.xlsx",
        [household_row(), household_row(), household_row("H2", 村代码="130126999999")],
        [
            member_row("H1", "张大勇", HEAD, "户主"),
            member_row("H1", "张大勇", HEAD, "之子"),
            member_row("H1", "无名", "123", "配偶"),
        ],
    )
    errors = result_of(twin)["errors"]
    places = {(e["sheet"], e["row"], e["column"]) for e in errors}
    assert {
        ("户信息", 3, "户编号"),
        ("户信息", 4, "村代码"),
        ("成员信息", 3, "身份证号"),
        ("成员信息", 4, "身份证号"),
    } <= places
    assert not ID_PATTERN.search(json.dumps(errors, ensure_ascii=False))


def test_one_person_cannot_join_a_second_household(tree: object, tmp_path: Path) -> None:
    result_of(good_file(tmp_path / "a.xlsx"))
    other = make_id("130126", date(1980, 1, 1), 21, female=False)
    path = workbook(
        tmp_path / "b.xlsx",
        [household_row("H2", 村代码="130126100202", 户主身份证号=other)],
        [member_row("H2", "王五", other, "户主"), member_row("H2", "刘桂兰", WIFE, "配偶")],
    )
    errors = result_of(path)["errors"]
    assert ("成员信息", 3, "身份证号") in {(e["sheet"], e["row"], e["column"]) for e in errors}
    assert "H1" in json.dumps(errors, ensure_ascii=False)


def test_it_reads_the_national_systems_export(tree: object, tmp_path: Path) -> None:
    headers = {
        "户信息": [
            "户编号",
            "行政区划代码",
            "户主证件号码",
            "贫困户属性",
            "致贫原因1",
            "致贫原因2",
            "人口类型",
            "首次识别时间",
            "脱贫状态",
        ],
        "成员信息": ["户编号", "姓名", "证件号码", "与户主关系", "健康状况", "劳动技能"],
        "收入信息": ["户编号", "年度"],
    }
    path = workbook(
        tmp_path / "national.xlsx",
        [["H1", "130126100201", HEAD, "低保脱贫户", "因病", "因残", "建档立卡户", "2014年12月", ""]],
        [
            ["H1", "张大勇", HEAD, "户主", "患有大病,残疾", "丧失劳动力"],
            ["H1", "刘桂兰", WIFE, "配偶", "健康", "普通劳动力"],
        ],
        headers=headers,
    )
    result = result_of(path)
    assert result["ok"], result["errors"]
    household = Household.objects.get(number="H1")
    assert (household.category, household.status, household.identification_year) == (
        "dibao",
        "exited_policy",
        2014,
    )
    assert household.other_cause_1 == "disability"


def test_the_command_exits_1_and_prints_json_with_the_errors(
    tree: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workbook(
        tmp_path / "bad.xlsx", [household_row(村代码="1")], [member_row("H1", "张大勇", HEAD, "户主")]
    )
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import", "registry", str(path), "--json")
    printed = json.loads(capsys.readouterr().out)
    assert printed["ok"] is False and printed["errors"][0]["column"] == "村代码"


@pytest.mark.parametrize("kind", ["exe", "bomb", "xml_bomb"])
def test_hostile_files_are_refused_with_a_clear_message(
    tree: object, tmp_path: Path, settings: Any, kind: str
) -> None:
    path = tmp_path / "evil.xlsx"
    if kind == "exe":
        path.write_bytes(b"MZ\x90\x00" + b"\0" * 200)
        match = "不是 Excel"
    elif kind == "bomb":
        settings.TUOPIN_XLSX_MAX_UNCOMPRESSED = 1024 * 1024
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/worksheets/sheet1.xml", b" " * (4 * 1024 * 1024))
        match = "压缩炸弹"
    else:
        good_file(path)
        laughs = (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(
                f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">' for i in range(1, 9)
            )
            + "]>"
        )
        rewritten = tmp_path / "laughs.xlsx"
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename == "xl/sharedStrings.xml":
                    data = laughs.encode() + data.split(b"?>", 1)[1]
                target.writestr(item, data)
        path = rewritten
        match = "XML炸弹"
    with pytest.raises(CommandError, match=match):
        call_command("import", "registry", str(path))
    assert Household.objects.count() == 0


def test_the_export_round_trips_through_the_import(tree: object, tmp_path: Path, own: Any) -> None:
    result_of(good_file(tmp_path / "a.xlsx"))
    full, masked = tmp_path / "full.xlsx", tmp_path / "masked.xlsx"
    call_command(
        "export",
        "registry",
        "--area",
        "130126",
        "--username",
        "lingshou",
        "--reveal",
        "--reason",
        "年度核对",
        "-o",
        str(full),
    )
    call_command(
        "export",
        "registry",
        "--area",
        "130126",
        "--username",
        "lingshou",
        "--reason",
        "报表",
        "-o",
        str(masked),
    )
    again = result_of(full)
    assert (again["created"], again["updated"]) == (0, 0), again
    masked_text = json.dumps(
        CalamineWorkbook.from_path(str(masked)).get_sheet_by_name("成员信息").to_python(), ensure_ascii=False
    )
    assert not ID_PATTERN.search(masked_text)
    assert AuditEvent.objects.filter(action="registry.export", details__reason="年度核对").exists()


def test_export_escapes_formula_cells(tree: object, tmp_path: Path, own: Any) -> None:
    evil = workbook(
        tmp_path / "e.xlsx",
        [household_row()],
        [member_row("H1", '=HYPERLINK("http://x")', HEAD, "户主"), member_row("H1", "刘桂兰", WIFE, "配偶")],
    )
    assert result_of(evil)["ok"]
    out = tmp_path / "out.xlsx"
    call_command(
        "export", "registry", "--area", "130126", "--username", "lingshou", "--reason", "核对", "-o", str(out)
    )
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("成员信息").to_python()
    assert rows[1][1] == '\'=HYPERLINK("http://x")'
