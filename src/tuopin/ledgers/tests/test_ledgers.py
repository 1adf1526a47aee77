"""The ledger framework with a tiny test ledger: every problem at once, all rows or none, dry runs, scope, the
commands' JSON, the template and the export."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from tuopin.accounts.models import User
from tuopin.accounts.scope import scope_q
from tuopin.audit.models import AuditEvent
from tuopin.audit.services import audit_record
from tuopin.conftest import client_for, write_workbook
from tuopin.core.excel import ImportFailed, Problem
from tuopin.core.models import Job
from tuopin.ledgers.framework import (
    LEDGERS,
    Ledger,
    LedgerColumn,
    LedgerRow,
    ledger_import,
    ledger_read,
    ledger_register,
)

HEADERS = ["编号", "区域代码", "日期", "数量", "金额", "比例", "状态", "说明"]
STATES = (("open", "待办"), ("done", "办结"))
ENTRY = "test.entry"


def _apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    """Writes one audit row per entry (a real table, append-only); refuses numbers starting with X and duplicates."""
    problems = []
    seen: set[str] = set()
    for row in rows:
        number = row.values["number"]
        if number.startswith("X") or number in seen:
            problems.append(Problem("测试台账", row.number, "编号", number, "编号重复或不允许。"))
        seen.add(number)
        audit_record(
            action=ENTRY,
            actor=actor,
            object_type="entry",
            object_id=number,
            area=row.values["area"],
            details={k: str(v) for k, v in row.values.items()},
        )
    if problems:
        raise ImportFailed(problems)
    return len(rows)


def _export(user: User) -> Iterator[dict[str, Any]]:
    for event in AuditEvent.objects.filter(scope_q(user, "area"), action=ENTRY).order_by("seq"):
        yield {
            **event.details,
            "area": event.area,
            "count": int(event.details["count"]),
            "amount": Decimal(event.details["amount"]),
            "when": date.fromisoformat(event.details["when"]),
        }


TEST_LEDGER = Ledger(
    name="test",
    sheet="测试台账",
    label="测试台账",
    columns=(
        LedgerColumn("编号", "number", required=True, aliases=("number",)),
        LedgerColumn("区域代码", "area", "area", required=True),
        LedgerColumn("日期", "when", "date", required=True),
        LedgerColumn("数量", "count", "integer", required=True),
        LedgerColumn("金额", "amount", "money", required=True),
        LedgerColumn("比例", "ratio", "ratio"),
        LedgerColumn("状态", "state", "choice", required=True, choices=STATES),
        LedgerColumn("说明", "note"),
    ),
    apply=_apply,
    export=_export,
)


@pytest.fixture(autouse=True)
def test_ledger() -> Iterator[Ledger]:
    ledger_register(TEST_LEDGER)
    yield TEST_LEDGER
    LEDGERS.pop("test", None)


def sheet(path: Path, rows: list[list[Any]], *, headers: list[str] = HEADERS, name: str = "测试台账") -> Path:
    return write_workbook(path, {name: [headers, *rows]})


GOOD = ["Z-1", "130126100201", "2019-07-01", 3, "1,200.5", "85%", "待办", "=1+1"]


def entries() -> int:
    return AuditEvent.objects.filter(action=ENTRY).count()


def test_it_imports_a_good_file_converting_every_kind(tree: object, own: User, tmp_path: Path) -> None:
    path = sheet(tmp_path / "a.xlsx", [GOOD, ["Z-2", "130126100202", "2019/7/2", "4", 0, 0.5, "done", ""]])
    result = ledger_import("test", path, actor=own)
    assert result.as_dict() == {
        "ledger": "test",
        "ok": True,
        "rows": 2,
        "created": 2,
        "dry_run": False,
        "errors": [],
    }
    first = AuditEvent.objects.get(action=ENTRY, object_id="Z-1").details
    assert first == {
        "number": "Z-1",
        "area": "130126100201",
        "when": "2019-07-01",
        "count": "3",
        "amount": "1200.50",
        "ratio": "0.85",
        "state": "open",
        "note": "=1+1",
    }
    assert AuditEvent.objects.get(action=ENTRY, object_id="Z-2").details["state"] == "done"
    assert AuditEvent.objects.filter(action="ledger.import", result="ok", object_id="test").count() == 1


def test_it_reports_every_problem_at_once_and_writes_nothing(tree: object, own: User, tmp_path: Path) -> None:
    rows = [
        GOOD,
        ["Z-2", "130127100201", "昨天", 1.5, -3, "120%", "未知", ""],  # neighbour's area and five bad cells
        # blank number, no such day (the area of a row with bad cells is not looked up)
        ["", "999999999999", "2019-02-30", 1, 1, "", "待办", ""],
        ["X-9", "130126100201", "2019-07-01", 1, 1, "", "待办", ""],  # refused by the ledger's apply
        ["Z-1", "130126100202", "2019-07-01", 1, 1, "", "办结", ""],  # a duplicate, refused by apply
    ]
    result = ledger_import("test", sheet(tmp_path / "bad.xlsx", rows), actor=own)
    assert not result.ok and result.rows == 5 and result.created == 0
    found = [(e["sheet"], e["row"], e["column"], e["value"]) for e in result.as_dict()["errors"]]
    assert found == [
        ("测试台账", 3, "日期", "昨天"),
        ("测试台账", 3, "数量", "1.5"),
        ("测试台账", 3, "金额", "-3"),
        ("测试台账", 3, "比例", "120%"),
        ("测试台账", 3, "状态", "未知"),
        ("测试台账", 4, "编号", ""),
        ("测试台账", 4, "日期", "2019-02-30"),
        ("测试台账", 5, "编号", "X-9"),
        ("测试台账", 6, "编号", "Z-1"),
    ]
    assert all(e["message"] for e in result.errors)
    assert entries() == 0
    assert AuditEvent.objects.filter(action="ledger.import", result="refused").count() == 1


def test_an_area_outside_the_users_scope_or_unknown_is_refused(
    tree: object, own: User, tmp_path: Path
) -> None:
    rows = [
        GOOD,
        ["Z-2", "130127100201", "2019-07-01", 1, 1, "", "待办", ""],
        ["Z-3", "130126100209", "2019-07-01", 1, 1, "", "待办", ""],
    ]
    result = ledger_import("test", sheet(tmp_path / "a.xlsx", rows), actor=own)
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in result.errors] == [
        (3, "区域代码", "130127100201", "不在您的管辖范围内。"),
        (4, "区域代码", "130126100209", "没有这个区划代码。"),
    ]
    assert entries() == 0


def test_the_system_imports_any_existing_area(tree: object, tmp_path: Path) -> None:
    rows = [GOOD, ["Z-2", "130127100201", "2019-07-01", 1, 1, "", "待办", ""]]
    assert ledger_import("test", sheet(tmp_path / "a.xlsx", rows), actor=None).ok
    assert entries() == 2


def test_a_dry_run_checks_and_writes_nothing(tree: object, own: User, tmp_path: Path) -> None:
    result = ledger_import("test", sheet(tmp_path / "a.xlsx", [GOOD]), actor=own, dry_run=True)
    assert result.as_dict() == {
        "ledger": "test",
        "ok": True,
        "rows": 1,
        "created": 1,
        "dry_run": True,
        "errors": [],
    }
    assert entries() == 0
    assert not AuditEvent.objects.filter(action="ledger.import").exists()


def test_a_missing_required_column_is_one_problem_per_column(tree: object, own: User, tmp_path: Path) -> None:
    path = sheet(tmp_path / "a.xlsx", [["Z-1", "x"]], headers=["number", "备注"])
    result = ledger_import("test", path, actor=own)
    assert [e["column"] for e in result.errors] == ["区域代码", "日期", "数量", "金额", "状态"]


def test_the_import_command_prints_the_json_shape(
    tree: object, own: User, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = sheet(tmp_path / "a.xlsx", [GOOD])
    call_command("import", "ledger", "test", str(good), "--json", "--username", own.username)
    assert json.loads(capsys.readouterr().out) == {
        "ledger": "test",
        "ok": True,
        "rows": 1,
        "created": 1,
        "dry_run": False,
        "errors": [],
    }
    bad = sheet(tmp_path / "b.xlsx", [["Z-9", "130127100201", "2019-07-01", 1, 1, "", "待办", ""]])
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import", "ledger", "test", str(bad), "--json", "--username", own.username)
    data = json.loads(capsys.readouterr().out)
    assert (
        data["ok"] is False
        and data["created"] == 0
        and data["errors"]
        == [
            {
                "sheet": "测试台账",
                "row": 2,
                "column": "区域代码",
                "value": "130127100201",
                "message": "不在您的管辖范围内。",
            }
        ]
    )
    assert entries() == 1


def test_an_unknown_ledger_is_a_clear_error_listing_the_names(tree: object, tmp_path: Path) -> None:
    path = sheet(tmp_path / "a.xlsx", [GOOD])
    with pytest.raises(CommandError, match=r"no ledger 'nope'; one of: .*test"):
        call_command("import", "ledger", "nope", str(path))
    with pytest.raises(CommandError, match=r"no ledger 'nope'"):
        call_command("export", "template", "--ledger", "nope", "-o", str(tmp_path / "t.xlsx"))


def test_a_renamed_executable_is_refused_as_a_whole(tree: object, tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(CommandError, match="不是 Excel"):
        call_command("import", "ledger", "test", str(path))


def test_the_template_has_chinese_headers_a_drop_down_and_imports_once_filled(
    tree: object, own: User, tmp_path: Path
) -> None:
    template = tmp_path / "t.xlsx"
    call_command("export", "template", "--ledger", "test", "-o", str(template))
    book = CalamineWorkbook.from_path(str(template))
    assert book.sheet_names[0] == "测试台账"
    header = book.get_sheet_by_name("测试台账").to_python()[0]
    assert header == HEADERS
    with zipfile.ZipFile(template) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "dataValidation" in sheet_xml and "选项" in sheet_xml
    assert [row[0] for row in book.get_sheet_by_name("选项").to_python()] == ["状态", "待办", "办结"]
    filled = sheet(tmp_path / "filled.xlsx", [GOOD], headers=[str(h) for h in header])
    assert ledger_import("test", filled, actor=own).ok


def test_the_export_writes_what_the_user_sees_and_imports_again(
    tree: object, own: User, neighbour: User, tmp_path: Path
) -> None:
    rows = [GOOD, ["Z-2", "130127100201", "2019-07-02", 1, 1, "", "待办", ""]]
    assert ledger_import("test", sheet(tmp_path / "a.xlsx", rows), actor=None).ok
    out = tmp_path / "out.xlsx"
    with pytest.raises(CommandError, match="reason"):
        call_command("export", "ledger", "test", str(out), "--username", own.username, "--reason", " ")
    call_command("export", "ledger", "test", str(out), "--username", own.username, "--reason", "年度对账")
    data = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("测试台账").to_python()
    assert len(data) == 2 and data[1][0] == "Z-1" and data[1][6] == "待办" and data[1][7] == "'=1+1"
    event = AuditEvent.objects.get(action="ledger.export", actor=own.username)
    assert event.details == {"rows": 1, "reason": "年度对账"}
    # the exported file is a valid import of the same ledger
    result = ledger_import("test", out, actor=own, dry_run=True)
    assert result.ok and result.rows == 1
    _count, rows, _problems = ledger_read(LEDGERS["test"], out, actor=own)
    # the export's escaping apostrophe comes off: the text as recorded
    assert rows[0].values["note"] == "=1+1"


def _upload(user: User, path: Path, capture: Any, **extra: str) -> Any:
    client = client_for(user)
    with capture(execute=True), path.open("rb") as handle:
        response = client.post("/ledgers/test/import/", {"file": handle, **extra})
    return client, response


def test_the_upload_page_runs_a_job_and_lists_every_problem(
    tree: object, own: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(own)
    page = client.get("/ledgers/test/import/")
    assert page.status_code == 200 and "测试台账" in page.content.decode()
    rows = [GOOD, ["Z-2", "130127100201", "昨天", 1, 1, "", "待办", ""]]
    client, response = _upload(own, sheet(tmp_path / "bad.xlsx", rows), django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == "failed" and len(job.result["errors"]) == 1
    shown = client.get(response["Location"]).content.decode()
    assert "昨天" in shown and "未写入任何数据" in shown and "/ledgers/test/import/" in shown
    assert entries() == 0
    _client, response = _upload(
        own, sheet(tmp_path / "good.xlsx", [GOOD]), django_capture_on_commit_callbacks
    )
    job = Job.objects.exclude(pk=job.pk).get()
    assert job.status == "done" and job.result["created"] == 1 and entries() == 1
    assert "导入完成" in client.get(response["Location"]).content.decode()
    assert not Path(job.params["path"]).exists()


def test_an_inspector_may_download_but_not_upload(
    tree: object, own: User, inspector: User, tmp_path: Path
) -> None:
    assert ledger_import("test", sheet(tmp_path / "a.xlsx", [GOOD]), actor=own).ok
    client = client_for(inspector)
    assert client.get("/ledgers/test/import/").status_code == 403
    template = client.get("/ledgers/test/template.xlsx")
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    form = client.get("/ledgers/test/export/")  # the reason first: the ledgers hold personal data
    assert form.status_code == 200 and 'data-testid="ledger-export"' in form.content.decode()
    assert client.post("/ledgers/test/export/", {"reason": ""}).status_code == 400
    assert not AuditEvent.objects.filter(action="ledger.export").exists()
    export = client.post("/ledgers/test/export/", {"reason": "督查抽查"})
    assert export["Content-Type"].startswith("application/vnd.openxml")
    (tmp_path / "e.xlsx").write_bytes(export.content)
    data = CalamineWorkbook.from_path(str(tmp_path / "e.xlsx")).get_sheet_by_name("测试台账").to_python()
    assert [row[0] for row in data] == ["编号", "Z-1"]
    assert client.get("/ledgers/nope/template.xlsx").status_code == 404


def test_the_export_page_shows_a_neighbour_nothing_of_ours(
    tree: object, own: User, neighbour: User, tmp_path: Path
) -> None:
    assert ledger_import("test", sheet(tmp_path / "a.xlsx", [GOOD]), actor=own).ok
    export = client_for(neighbour).post("/ledgers/test/export/", {"reason": "核对"})
    (tmp_path / "e.xlsx").write_bytes(export.content)
    data = CalamineWorkbook.from_path(str(tmp_path / "e.xlsx")).get_sheet_by_name("测试台账").to_python()
    assert data == [HEADERS]
