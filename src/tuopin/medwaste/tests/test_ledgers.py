"""The medical-waste ledgers: templates, imports of places and handovers (all or nothing, every problem located),
identical re-imports, CSV files as scales write them, and the scope of imports and exports."""

from __future__ import annotations

import json
import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from python_calamine import CalamineWorkbook

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import client_for, write_workbook
from tuopin.core.models import Job
from tuopin.ledgers.framework import LEDGERS, ledger_export, ledger_import
from tuopin.medwaste.ledgers import HANDOVER_COLUMNS
from tuopin.medwaste.models import Disposer, Facility, Handover, PlaceKind, TransferPoint
from tuopin.medwaste.services import handover_reverse
from tuopin.medwaste.tests.conftest import Network

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
HEADERS = [column.header for column in HANDOVER_COLUMNS]


def handover(number: str, giver: str, receiver: str, **cells: Any) -> list[Any]:
    row: dict[str, Any] = {
        "冲正联单编号": "",
        "冲正原因": "",
        "联单编号": number,
        "交接时间": "2019-03-01 08:30",
        "交出方代码": giver,
        "接收方代码": receiver,
        "类别": "感染性",
        "重量(千克)": "12.5",
        "包数": "3",
        "交接人": "王医生",
        "接收人": "李师傅",
        "车辆": "冀A12345",
        "处置方式": "",
        "最终去向": "",
        **cells,
    }
    return [row[header] for header in HEADERS]


def to_disposer(number: str, giver: str, **cells: Any) -> list[Any]:
    return handover(number, giver, "D-SJZ", 处置方式="高温蒸汽", 最终去向="石家庄处置中心", **cells)


def book(path: Path, sheet: str, headers: list[str], rows: list[list[Any]]) -> Path:
    return write_workbook(path, {sheet: [headers, *rows]})


def handovers_book(path: Path, rows: list[list[Any]]) -> Path:
    return book(path, "交接记录", HEADERS, rows)


def csv_file(path: Path, rows: list[list[Any]], encoding: str) -> Path:
    lines = [",".join(HEADERS), *(",".join(str(cell) for cell in row) for row in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.mark.parametrize(
    "name", ["medwaste_facilities", "medwaste_points", "medwaste_disposers", "medwaste_handovers"]
)
def test_the_templates_export_with_chinese_headers(tmp_path: Path, name: str) -> None:
    path = tmp_path / "t.xlsx"
    call_command("export", "template", "--ledger", name, "-o", str(path))
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(LEDGERS[name].sheet).to_python()
    assert sheet[0] == [column.header for column in LEDGERS[name].columns]


def test_it_imports_places_and_updates_them_by_code(tree: object, own: User, tmp_path: Path) -> None:
    points = book(
        tmp_path / "p.xlsx",
        "周转点",
        ["周转点代码", "周转点名称", "区域代码", "贮存能力(千克)", "计量设施", "视频监控"],
        [["P1", "灵寿镇周转点", "130126100", 300, "是", "否"]],
    )
    assert ledger_import("medwaste_points", points, actor=own).created == 1
    facilities = book(
        tmp_path / "f.xlsx",
        "医疗机构",
        ["机构代码", "机构名称", "类型", "区域代码", "所属周转点代码", "日均产废量(千克)"],
        [
            ["F1", "城东村卫生室", "村卫生室", "130126100201", "P1", "0.35"],
            ["F2", "灵寿镇卫生院", "乡镇卫生院", "130126100", None, 12],
        ],
    )
    result = ledger_import("medwaste_facilities", facilities, actor=own)
    assert result.ok and result.created == 2, result.errors
    disposers = book(
        tmp_path / "d.xlsx",
        "处置单位",
        ["处置单位代码", "名称", "区域代码", "日处置能力(吨)", "服务区域代码"],
        [["D1", "灵寿县处置站", "130126", "1.5", "130126；1301"]],
    )
    assert ledger_import("medwaste_disposers", disposers, actor=own).ok
    clinic = Facility.objects.get(code="F1")
    assert (clinic.point and clinic.point.code, clinic.kind, clinic.daily_kg) == (
        "P1",
        "village_clinic",
        Decimal("0.35"),
    )
    point = TransferPoint.objects.get(code="P1")
    assert (point.metering, point.video, point.capacity_kg) == (True, False, Decimal("300"))
    assert sorted(Disposer.objects.get(code="D1").serves.values_list("code", flat=True)) == ["1301", "130126"]
    assert (
        ledger_import("medwaste_facilities", facilities, actor=own).created == 0
    )  # identical: nothing changes
    moved = book(
        tmp_path / "f2.xlsx",
        "医疗机构",
        ["机构代码", "机构名称", "类型", "区域代码", "日均产废量(千克)"],
        [["F1", "城东村卫生室", "村卫生室", "130126100202", "0.35"]],
    )
    assert ledger_import("medwaste_facilities", moved, actor=own).created == 1
    assert Facility.objects.get(code="F1").area_id == "130126100202"


def test_a_messy_places_file_reports_every_problem_and_writes_nothing(
    network: Network, own: User, tmp_path: Path
) -> None:
    points = book(
        tmp_path / "p.xlsx",
        "周转点",
        ["周转点代码", "周转点名称", "区域代码", "贮存能力(千克)", "计量设施", "视频监控"],
        [
            ["P2", "城东村周转点", "130126100201", 300, "是", "否"],  # a village, not a township
            ["P3", "灵寿镇二号点", "130126100", -1, "也许", "否"],
            ["P-GY", "冒用高邑代码", "130126100", 100, "是", "是"],  # a code of the neighbour's point
            ["P4", "高邑镇点", "130127100", 100, "是", "是"],  # outside the scope
        ],
    )
    result = ledger_import("medwaste_points", points, actor=own)
    assert {(e["row"], e["column"], e["value"]) for e in result.errors} == {
        (2, "区域代码", "130126100201"),
        (3, "贮存能力(千克)", "-1"),
        (3, "计量设施", "也许"),
        (4, "周转点代码", "P-GY"),
        (5, "区域代码", "130127100"),
    }
    facilities = book(
        tmp_path / "f.xlsx",
        "医疗机构",
        ["机构代码", "机构名称", "类型", "区域代码", "所属周转点代码", "日均产废量(千克)"],
        [
            ["F9", "县医院", "医院", "130126", None, 40],  # a county: only township or village
            ["F8", "卫生室", "诊所", "130126100201", "P-GY", 1],  # the neighbour's point reads as unknown
            ["F8", "卫生室", "诊所", "130126100201", None, 1],
            ["F7", "卫生所", "卫生所", "130126100201", None, 1],  # no such kind
        ],
    )
    result = ledger_import("medwaste_facilities", facilities, actor=own)
    assert {(e["row"], e["column"], e["value"], e["message"]) for e in result.errors} == {
        (2, "区域代码", "130126", "医疗机构的区域应为乡镇或村。"),
        (3, "所属周转点代码", "P-GY", "没有这个周转点代码。"),
        (4, "机构代码", "F8", "与第3行重复。"),
        (5, "类型", "卫生所", "不是可选值。"),
    }
    disposers = book(
        tmp_path / "d.xlsx",
        "处置单位",
        ["处置单位代码", "名称", "区域代码", "日处置能力(吨)", "服务区域代码"],
        [["D2", "处置站", "130126", "1", "130126、130126100、999999"]],
    )
    result = ledger_import("medwaste_disposers", disposers, actor=own)
    assert {(e["column"], e["value"]) for e in result.errors} == {
        ("服务区域代码", "130126100"),
        ("服务区域代码", "999999"),
    }
    assert (
        TransferPoint.objects.count() == 2 and Facility.objects.count() == 3 and Disposer.objects.count() == 1
    )


def test_a_good_handovers_file_imports_with_the_kinds_inferred(
    network: Network, own: User, tmp_path: Path
) -> None:
    path = handovers_book(
        tmp_path / "h.xlsx",
        [
            handover("LD-1", "F-CD", "P-LS"),
            to_disposer("LD-2", "F-LSH"),
            to_disposer("LD-3", "P-LS", 交接时间="2019/3/2 9:05", 重量="12.5"),
        ],
    )
    result = ledger_import("medwaste_handovers", path, actor=own)
    assert result.ok and result.created == 3, result.errors
    kinds = list(Handover.objects.order_by("number").values_list("giver_kind", "receiver_kind", "area_id"))
    assert kinds == [
        (PlaceKind.FACILITY, PlaceKind.POINT, "130126100201"),
        (PlaceKind.FACILITY, PlaceKind.DISPOSER, "130126100"),
        (PlaceKind.POINT, PlaceKind.DISPOSER, "130126100"),
    ]
    first = Handover.objects.get(number="LD-1")
    assert first.at == datetime(2019, 3, 1, 8, 30, tzinfo=SHANGHAI)
    assert (first.kg, first.packages, first.recorded_by) == (Decimal("12.5"), 3, own)
    again = ledger_import("medwaste_handovers", path, actor=own)
    assert again.ok and again.created == 0
    assert Handover.objects.count() == 3
    assert AuditEvent.objects.filter(action="ledger.import", object_id="medwaste_handovers").count() == 2


def test_a_messy_handovers_file_reports_every_problem_at_once_and_writes_nothing(
    network: Network, own: User, tmp_path: Path
) -> None:
    handovers_book(tmp_path / "first.xlsx", [handover("LD-1", "F-CD", "P-LS")])
    assert ledger_import("medwaste_handovers", tmp_path / "first.xlsx", actor=own).ok
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    path = handovers_book(
        tmp_path / "h.xlsx",
        [
            handover("LD-2", "F-CD", "F-LSH"),  # two facilities
            handover("LD-3", "P-LS", "P-GY"),  # point to point (and the neighbour's point reads as unknown)
            handover("LD-4", "D-SJZ", "P-LS"),  # a disposer gives
            handover("LD-5", "F-XX", "P-LS"),  # unknown code
            handover("LD-6", "F-DG", "P-GY"),  # the neighbour's clinic: unknown to this user
            handover("LD-7", "F-CD", "P-LS", 交接时间=future),
            handover("LD-1", "F-CD", "P-LS", **{"重量(千克)": "13"}),  # a recorded number, other content
            handover("LD-8", "F-LSH", "D-SJZ"),  # to a disposer without method and destination
            handover("LD-9", "F-CD", "P-LS", **{"重量(千克)": "0"}),
            handover("LD-10", "F-CD", "P-LS", 类别="放射性"),
            handover("LD-11", "F-CD", "P-LS"),  # a good row: not written either
        ],
    )
    result = ledger_import("medwaste_handovers", path, actor=own)
    assert not result.ok and result.created == 0
    found = {(e["sheet"], e["row"], e["column"], e["value"]) for e in result.errors}
    assert found == {
        ("交接记录", 2, "接收方代码", "F-LSH"),
        ("交接记录", 3, "接收方代码", "P-GY"),
        ("交接记录", 4, "交出方代码", "D-SJZ"),
        ("交接记录", 5, "交出方代码", "F-XX"),
        ("交接记录", 6, "交出方代码", "F-DG"),
        ("交接记录", 7, "交接时间", future),
        ("交接记录", 8, "联单编号", "LD-1"),
        ("交接记录", 9, "处置方式", ""),
        ("交接记录", 9, "最终去向", ""),
        ("交接记录", 10, "重量(千克)", "0"),
        ("交接记录", 11, "类别", "放射性"),
    }
    messages = {e["row"]: e["message"] for e in result.errors}
    assert "医疗机构→周转点" in messages[2] and messages[5] == messages[6] == "没有这个交出方代码。"
    assert Handover.objects.count() == 1
    refusal = (
        AuditEvent.objects.filter(action="ledger.import", result="denied").last() or AuditEvent.objects.last()
    )
    assert refusal is not None


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_csv_file_of_a_weighing_scale_imports(
    network: Network, own: User, tmp_path: Path, encoding: str
) -> None:
    path = csv_file(
        tmp_path / "磅秤导出.csv",
        [handover("LD-1", "F-CD", "P-LS"), to_disposer("LD-2", "P-LS", 交接时间="2019年3月2日 9:05")],
        encoding,
    )
    result = ledger_import("medwaste_handovers", path, actor=own)
    assert result.ok and result.created == 2, result.errors
    assert Handover.objects.get(number="LD-2").at == datetime(2019, 3, 2, 9, 5, tzinfo=SHANGHAI)
    bad = csv_file(tmp_path / "坏.csv", [handover("LD-3", "F-CD", "F-LSH")], encoding)
    errors = ledger_import("medwaste_handovers", bad, actor=own).errors
    assert [(e["sheet"], e["row"], e["column"]) for e in errors] == [("坏", 2, "接收方代码")]


def test_a_county_user_cannot_import_a_neighbours_handover_and_exports_only_its_own(
    network: Network, own: User, neighbour: User, tmp_path: Path
) -> None:
    mine = handovers_book(tmp_path / "mine.xlsx", [handover("LD-1", "F-CD", "P-LS")])
    theirs = handovers_book(tmp_path / "theirs.xlsx", [handover("LD-2", "F-DG", "P-GY")])
    assert ledger_import("medwaste_handovers", mine, actor=own).ok
    refused = ledger_import("medwaste_handovers", theirs, actor=own)
    assert [e["message"] for e in refused.errors] == ["没有这个交出方代码。"]
    assert ledger_import("medwaste_handovers", theirs, actor=neighbour).ok
    out = tmp_path / "out.xlsx"
    assert ledger_export("medwaste_handovers", out, user=own, reason="季度报送") == 1
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("交接记录").to_python()
    assert [row[0] for row in rows[1:]] == ["LD-1"]
    points = tmp_path / "points.xlsx"
    assert ledger_export("medwaste_points", points, user=own, reason="核对") == 1
    assert ledger_export("medwaste_facilities", points, user=neighbour, reason="核对") == 1
    assert ledger_export("medwaste_disposers", points, user=own, reason="核对") == 0  # the city's unit


def test_an_exported_handovers_file_imports_again_unchanged(
    network: Network, own: User, tmp_path: Path
) -> None:
    path = handovers_book(
        tmp_path / "h.xlsx", [handover("LD-1", "F-CD", "P-LS"), to_disposer("LD-2", "P-LS")]
    )
    assert ledger_import("medwaste_handovers", path, actor=own).created == 2
    handover_reverse(actor=own, handover=Handover.objects.get(number="LD-2"), reason="称重错误")
    out = tmp_path / "out.xlsx"
    ledger_export("medwaste_handovers", out, user=own, reason="备份")
    again = ledger_import("medwaste_handovers", out, actor=own)
    assert again.ok and again.created == 0, again.errors


def test_an_update_of_a_place_changes_nothing_of_past_handovers(
    network: Network, own: User, tmp_path: Path
) -> None:
    assert ledger_import(
        "medwaste_handovers",
        handovers_book(tmp_path / "h.xlsx", [handover("LD-1", "F-CD", "P-LS")]),
        actor=own,
    ).ok
    moved = book(
        tmp_path / "f.xlsx",
        "医疗机构",
        ["机构代码", "机构名称", "类型", "区域代码", "日均产废量(千克)"],
        [["F-CD", "城东村卫生室", "村卫生室", "130126100202", "0.4"]],
    )
    assert ledger_import("medwaste_facilities", moved, actor=own).created == 1
    assert Handover.objects.get(number="LD-1").area_id == "130126100201"


def test_the_upload_page_takes_a_csv_file_and_names_its_problems_by_the_files_name(
    network: Network, own: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(own)
    path = csv_file(
        tmp_path / "三月磅单.csv",
        [handover("LD-1", "F-CD", "P-LS"), handover("LD-2", "F-CD", "F-LSH")],
        "gb18030",
    )
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        response = client.post("/ledgers/medwaste_handovers/import/", {"file": handle})
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == "failed"
    assert [(e["sheet"], e["row"], e["column"]) for e in job.result["errors"]] == [
        ("三月磅单", 3, "接收方代码")
    ]
    assert not Handover.objects.exists() and not Path(job.params["path"]).exists()
    good = csv_file(tmp_path / "好.csv", [handover("LD-1", "F-CD", "P-LS")], "utf-8-sig")
    with django_capture_on_commit_callbacks(execute=True), good.open("rb") as handle:
        client.post("/ledgers/medwaste_handovers/import/", {"file": handle})
    assert Job.objects.exclude(pk=job.pk).get().status == "done" and Handover.objects.count() == 1


def test_the_import_command_takes_a_csv_file(
    network: Network, own: User, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = csv_file(tmp_path / "scale.csv", [handover("LD-1", "F-CD", "P-LS")], "utf-8-sig")
    call_command("import", "ledger", "medwaste_handovers", str(path), "--json", "--username", own.username)
    assert json.loads(capsys.readouterr().out)["created"] == 1


def test_an_import_creates_no_reversing_entry(network: Network, own: User, tmp_path: Path) -> None:
    path = handovers_book(
        tmp_path / "h.xlsx",
        [
            handover(
                "LD-1", "F-CD", "P-LS", **{"重量(千克)": "-12.5", "冲正联单编号": "LD-0", "冲正原因": "错"}
            ),
            handover("LD-2", "F-CD", "P-LS", **{"重量(千克)": "-1"}),
            handover("LD-3", "F-CD", "P-LS", 冲正原因="错"),
        ],
    )
    result = ledger_import("medwaste_handovers", path, actor=own)
    assert {(e["row"], e["column"]) for e in result.errors} == {
        (2, "冲正联单编号"),
        (3, "重量(千克)"),
        (4, "冲正原因"),
    }
    assert not Handover.objects.exists()
