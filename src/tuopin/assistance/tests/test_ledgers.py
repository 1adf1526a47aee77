"""The assistance sheets through the ledger framework: clean files go in whole (and a second time add nothing),
every problem of a bad file is listed at once and nothing is written, rows outside the importer's scope are
refused, the exports are scoped."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from tuopin.accounts.models import User
from tuopin.assistance.models import Duty, FundEntry, Loan, Pairing, PairingEnd, Project, Visit
from tuopin.assistance.tests.conftest import OTHER_VILLAGE, OWN_VILLAGE, Ledger
from tuopin.conftest import write_workbook
from tuopin.ledgers.framework import ledger_export, ledger_import

pytestmark = pytest.mark.django_db


def workbook(path: Path, sheet: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    return write_workbook(path, {sheet: [headers, *rows]})


DUTY_HEADERS = ["责任人", "职务", "单位", "对象类型", "对象代码", "频次", "每期次数", "起始日期", "终止日期"]
VISIT_HEADERS = ["走访人", "职务", "单位", "走访日期", "对象类型", "对象代码", "事由", "发现问题"]


def test_duties_and_visits_go_in_whole_and_a_second_import_adds_nothing(
    ledger: Ledger, tmp_path: Path
) -> None:
    duties = workbook(
        tmp_path / "duties.xlsx",
        "走访职责",
        DUTY_HEADERS,
        [
            ["部领导", "副部长", "环境保护部", "县", "130126", "每年", None, "2017-01-01", None],
            ["扶贫办", "", "环境保护部", "县", "130126", "每季度", 2, "2017-01-01", "2018-12-31"],
            ["赵帮扶", "科员", "", "户", "H001", "每月", 1, "2017-01-01", None],
        ],
    )
    result = ledger_import("duties", duties, actor=None)
    assert (result.ok, result.rows, result.created) == (True, 3, 3)
    duty = Duty.objects.get(who="扶贫办")
    assert (duty.frequency, duty.per_period, duty.valid_to, duty.area_id) == (
        "quarter",
        2,
        date(2018, 12, 31),
        "130126",
    )
    assert Duty.objects.get(who="赵帮扶").area_id == OWN_VILLAGE
    assert ledger_import("duties", duties, actor=None).created == 0 and Duty.objects.count() == 5
    visits = workbook(
        tmp_path / "visits.xlsx",
        "走访记录",
        VISIT_HEADERS,
        [["部领导", "副部长", "环境保护部", "2017-06-02", "村", OWN_VILLAGE, "调研", "道路未硬化"]],
    )
    assert ledger_import("visits", visits, actor=None).created == 1
    assert Visit.objects.get(who="部领导").findings == "道路未硬化"


def test_every_problem_of_a_bad_sheet_is_listed_and_nothing_is_written(
    ledger: Ledger, tmp_path: Path
) -> None:
    duties = workbook(
        tmp_path / "duties.xlsx",
        "走访职责",
        DUTY_HEADERS,
        [
            ["部领导", "", "", "省", "130126", "每年", None, "2017-01-01", None],
            ["扶贫办", "", "", "县", "999999", "每两年", 0, "2017-13-01", None],
            ["赵帮扶", "", "", "户", "H999", "每月", 1, "2017-01-01", "2016-01-01"],
            ["钱帮扶", "", "", "村", OWN_VILLAGE, "每月", 0, "2017-01-01", None],
        ],
    )
    out = StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import", "ledger", "duties", str(duties), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["ok"] is False and result["created"] == 0 and result["rows"] == 4
    found = {(e["row"], e["column"]) for e in result["errors"]}
    assert {(2, "对象类型"), (3, "频次"), (3, "起始日期"), (4, "对象代码"), (5, "每期次数")} <= found
    assert set(result["errors"][0]) == {"sheet", "row", "column", "value", "message"}
    assert Duty.objects.count() == 2  # the fixture's two


def test_an_import_refuses_rows_outside_the_importers_scope(
    ledger: Ledger, tmp_path: Path, own: User
) -> None:
    visits = workbook(
        tmp_path / "visits.xlsx",
        "走访记录",
        VISIT_HEADERS,
        [
            ["周一", "", "", "2018-03-02", "村", OWN_VILLAGE, "走访", ""],
            ["周二", "", "", "2018-03-02", "村", OTHER_VILLAGE, "走访", ""],
        ],
    )
    result = ledger_import("visits", visits, actor=own)
    assert not result.ok and [(e["row"], e["value"]) for e in result.errors] == [(3, "")]
    assert not Visit.objects.filter(who__in=["周一", "周二"]).exists()


def test_a_unit_user_imports_only_its_own_units_rows(ledger: Ledger, tmp_path: Path, unit_user: User) -> None:
    visits = workbook(
        tmp_path / "visits.xlsx",
        "走访记录",
        VISIT_HEADERS,
        [
            ["孙司长", "司长", "规划财务司", "2018-03-02", "村", OWN_VILLAGE, "走访", ""],
            ["李司长", "司长", "大气环境管理司", "2018-03-02", "村", OTHER_VILLAGE, "走访", ""],
        ],
    )
    result = ledger_import("visits", visits, actor=unit_user)
    assert not result.ok and [e["row"] for e in result.errors] == [3]
    (tmp_path / "mine.xlsx").unlink(missing_ok=True)
    mine = workbook(
        tmp_path / "mine.xlsx",
        "走访记录",
        VISIT_HEADERS,
        [["孙司长", "司长", "规划财务司", "2018-03-02", "村", OTHER_VILLAGE, "回访", ""]],
    )
    assert ledger_import("visits", mine, actor=unit_user).created == 1
    exported = tmp_path / "export.xlsx"
    ledger_export("visits", exported, user=unit_user, reason="走访核对")
    rows = CalamineWorkbook.from_path(str(exported)).get_sheet_by_name("走访记录").to_python()
    assert {row[0] for row in rows[1:]} == {"孙司长"}


def test_pairings_projects_funds_and_loans_go_in(ledger: Ledger, tmp_path: Path) -> None:
    pairings = workbook(
        tmp_path / "p.xlsx",
        "结对帮扶",
        [
            "结对类型",
            "帮扶单位",
            "扶贫工作小组",
            "帮扶人",
            "职务",
            "联系电话",
            "帮扶县代码",
            "户编号",
            "受援区划代码",
            "起始日期",
            "终止日期",
            "结对原因",
        ],
        [
            [
                "帮扶单位—村（定点帮扶）",
                "水生态环境司",
                "第1工作小组",
                "",
                "",
                "",
                "",
                "",
                OTHER_VILLAGE,
                "2017-11-15",
                None,
                "新增结对深度贫困村",
            ],
            [
                "县—县（对口帮扶）",
                "三河市",
                "",
                "",
                "",
                "",
                "130126",
                "",
                "130722",
                "2017-07-27",
                None,
                "对口帮扶",
            ],
            [
                "帮扶责任人—户",
                "",
                "",
                "孙帮扶",
                "乡干部",
                "13712345678",
                "",
                "H001",
                "",
                "2017-01-01",
                "2017-12-31",
                "年度调整",
            ],
        ],
    )
    result = ledger_import("pairings", pairings, actor=None)
    assert result.ok and result.created == 3, result.errors
    water = Pairing.objects.get(unit__name="水生态环境司")
    assert (
        water.group is not None and water.group.name == "第1工作小组" and water.unit.parent == ledger.ministry
    )  # type: ignore[union-attr]
    assert PairingEnd.objects.get(pairing__helper_name="孙帮扶").valid_to == date(2017, 12, 31)
    projects = workbook(
        tmp_path / "pr.xlsx",
        "帮扶项目",
        [
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
        ],
        [
            [
                2017,
                "第1工作小组",
                "规划财务司",
                OWN_VILLAGE,
                "有机蔬菜大棚",
                "建大棚10座",
                "合作社",
                "贫困户12户",
                200000,
                "户均增收3000元",
                "验收通过",
                "",
            ]
        ],
    )
    assert ledger_import("projects", projects, actor=None).created == 1
    project = Project.objects.get(name="有机蔬菜大棚")
    assert project.acceptances.get().result == "accepted"
    funds = workbook(
        tmp_path / "f.xlsx",
        "资金台账",
        ["年度", "结对帮扶村", "项目名称", "资金来源", "资金级别", "类型", "日期", "金额", "说明"],
        [
            [
                2017,
                OWN_VILLAGE,
                "有机蔬菜大棚",
                "部机关自筹",
                "帮扶单位自筹",
                "拨付（下达）",
                "2017-04-01",
                200000,
                "",
            ],
            [2017, OWN_VILLAGE, "没有的项目", "部机关自筹", "帮扶单位自筹", "支出", "2017-05-01", 1, ""],
        ],
    )
    result = ledger_import("funds", funds, actor=None)
    assert not result.ok and [(e["row"], e["column"]) for e in result.errors] == [(3, "项目名称")]
    assert not FundEntry.objects.filter(project=project).exists()
    loans = workbook(
        tmp_path / "l.xlsx",
        "扶贫小额信贷",
        [
            "户编号",
            "借款人",
            "放贷机构",
            "贷款金额",
            "期限（月）",
            "放款日期",
            "用途",
            "还款日期",
            "归还本金",
        ],
        [
            ["H001", "王建国", "信用社", 50000, 36, "2018-04-01", "养牛", "2019-04-01", 20000],
            ["H001", "王建国", "信用社", 60000, 36, "2018-05-01", "", None, None],
            ["H404", "某人", "信用社", 1000, 12, "2018-05-01", "", None, None],
        ],
    )
    result = ledger_import("loans", loans, actor=None)
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, "贷款金额"), (4, "户编号")]
    assert Loan.objects.count() == 2  # the fixture's
