"""The column kinds datetime, decimal and boolean, and CSV input (UTF-8 with or without a BOM, GB18030), read with
the same header match and the same located problems as a workbook."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from tuopin.accounts.models import User
from tuopin.core.excel import ImportFailed, open_workbook, read_sheet
from tuopin.core.uploads import UploadRejected
from tuopin.ledgers.framework import (
    LEDGERS,
    Ledger,
    LedgerColumn,
    LedgerRow,
    SheetProblems,
    ledger_import,
    ledger_write,
)

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
SEEN: list[LedgerRow] = []


def _apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    problems = SheetProblems("称重", KINDS.columns)
    for row in rows:
        if row.values["kg"] > 100:
            problems.add(row, "kg", row.values["kg"], "太重")
    problems.raise_found()
    SEEN.extend(rows)
    return len(rows)


KINDS = Ledger(
    name="kinds_test",
    sheet="称重",
    label="称重",
    apply=_apply,
    columns=(
        LedgerColumn("时间", "at", "datetime", required=True, aliases=("time",)),
        LedgerColumn("重量", "kg", "decimal", required=True, positive=True),
        LedgerColumn("容量", "capacity", "decimal"),
        LedgerColumn("计量", "metered", "boolean"),
        LedgerColumn("差额", "difference", "decimal", signed=True, places=1),
    ),
)


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    LEDGERS[KINDS.name] = KINDS
    SEEN.clear()
    yield
    LEDGERS.pop(KINDS.name, None)


def _csv(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_it_reads_dates_and_times_in_every_spelling_as_local_time(tmp_path: Path) -> None:
    text = "时间,重量\n2019-03-01 08:30,1\n2019/3/1 8:30,2\n2019年3月1日 8:30,3\n2019-03-01T08:30:15,4\n"
    result = ledger_import(KINDS.name, _csv(tmp_path / "scale.csv", text, "utf-8"), actor=None)
    assert result.ok, result.errors
    expected = datetime(2019, 3, 1, 8, 30, tzinfo=SHANGHAI)
    assert [row.values["at"] for row in SEEN] == [expected, expected, expected, expected.replace(second=15)]
    assert SEEN[0].values["at"].utcoffset().total_seconds() == 8 * 3600


def test_it_reads_an_excel_datetime_cell(tmp_path: Path) -> None:
    path = tmp_path / "scale.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("称重")
    sheet.write_row(0, 0, ["时间", "重量"])
    local = datetime(2019, 3, 1, 8, 30, tzinfo=SHANGHAI).replace(tzinfo=None)  # as Excel holds it
    sheet.write_datetime(1, 0, local, book.add_format({"num_format": "yyyy-mm-dd hh:mm"}))
    sheet.write_number(1, 1, 12.5)
    book.close()
    result = ledger_import(KINDS.name, path, actor=None)
    assert result.ok, result.errors
    assert SEEN[0].values == {"at": datetime(2019, 3, 1, 8, 30, tzinfo=SHANGHAI), "kg": Decimal("12.5")}


def test_it_locates_every_bad_cell_of_a_csv_file_under_the_files_name(tmp_path: Path) -> None:
    text = "time,重量,容量,计量\n2019-02-30 08:00,0,-1,也许\n2019-03-01,1.2345,abc,是\n2019-03-01 8:00,2,1.5,否\n"
    result = ledger_import(KINDS.name, _csv(tmp_path / "scale.csv", text, "utf-8"), actor=None)
    assert not result.ok
    found = {(e["sheet"], e["row"], e["column"], e["value"]) for e in result.errors}
    assert found == {
        ("scale", 2, "时间", "2019-02-30 08:00"),
        ("scale", 2, "重量", "0"),
        ("scale", 2, "容量", "-1"),
        ("scale", 2, "计量", "也许"),
        ("scale", 3, "时间", "2019-03-01"),
        ("scale", 3, "重量", "1.2345"),
        ("scale", 3, "容量", "abc"),
    }
    assert result.created == 0


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_it_reads_csv_in_the_encodings_scales_write(tmp_path: Path, encoding: str) -> None:
    text = "时间,重量,容量,计量\r\n2019-03-01 08:30,12.500,0,是\r\n2019-03-01 09:00,3,,否\r\n"
    result = ledger_import(KINDS.name, _csv(tmp_path / "磅秤.csv", text, encoding), actor=None)
    assert result.ok, result.errors
    assert [(row.values["kg"], row.values.get("metered")) for row in SEEN] == [
        (Decimal("12.500"), True),
        (Decimal("3"), False),
    ]
    assert SEEN[0].values["capacity"] == Decimal("0")


def test_a_csv_file_with_semicolons_and_a_named_upload_keeps_its_name(tmp_path: Path) -> None:
    path = _csv(tmp_path / "0b7e.csv", "时间;重量\n2019-03-01 08:30;x\n", "utf-8")
    result = ledger_import(KINDS.name, path, actor=None, filename="三月.csv")
    assert [(e["sheet"], e["column"]) for e in result.errors] == [("三月", "重量")]


def test_it_refuses_a_csv_file_that_is_not_text(tmp_path: Path) -> None:
    with pytest.raises(UploadRejected):
        open_workbook(_csv(tmp_path / "x.csv", "a\x00b", "utf-8"), allow_csv=True)
    path = tmp_path / "y.csv"
    path.write_bytes(b"\xff\xfe\xfa\x00")
    with pytest.raises(UploadRejected):
        open_workbook(path, allow_csv=True)
    with pytest.raises(UploadRejected):  # other imports keep to workbooks
        open_workbook(_csv(tmp_path / "z.csv", "a,b\n", "utf-8"))


def test_a_csv_file_without_a_required_column_names_it(tmp_path: Path) -> None:
    book = open_workbook(_csv(tmp_path / "x.csv", "重量\n1\n", "utf-8"), allow_csv=True)
    with pytest.raises(ImportFailed) as failed:
        read_sheet(book, sheet=None, columns={"时间": (), "重量": ()}, required=("时间",))
    assert [p.column for p in failed.value.problems] == ["时间"]


def test_the_export_writes_local_times_and_yes_or_no_and_imports_again(tmp_path: Path) -> None:
    moment = datetime(2019, 3, 1, 0, 30, tzinfo=SHANGHAI).astimezone(zoneinfo.ZoneInfo("UTC"))
    rows: list[dict[str, Any]] = [{"at": moment, "kg": Decimal("1.250"), "metered": True}]
    path = tmp_path / "out.xlsx"
    ledger_write(KINDS, path, rows)
    result = ledger_import(KINDS.name, path, actor=None)
    assert result.ok, result.errors
    assert SEEN[0].values == {"at": moment, "kg": Decimal("1.25"), "metered": True}


def test_the_problems_apply_finds_name_the_csv_files_sheet(tmp_path: Path) -> None:
    path = _csv(tmp_path / "x.csv", "时间,重量\n2019-03-01 08:30,101\n2019-03-01 08:30,x\n", "utf-8")
    result = ledger_import(KINDS.name, path, actor=None, filename="磅秤.csv")
    assert [(e["sheet"], e["row"], e["column"]) for e in result.errors] == [
        ("磅秤", 2, "重量"),
        ("磅秤", 3, "重量"),
    ]


def test_a_signed_decimal_takes_negative_numbers_and_its_places(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "x.csv", "时间,重量,差额\n2019-03-01 08:30,1,-2.5\n2019-03-01 08:30,1,-2.55\n", "utf-8"
    )
    result = ledger_import(KINDS.name, path, actor=None)
    assert [(e["row"], e["column"], e["message"]) for e in result.errors] == [(3, "差额", "最多1位小数。")]
