"""Yearly attributes from Excel: all or nothing, every problem reported, history in the audit log."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError

from tuopin.areas.models import AreaYear
from tuopin.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
HEADER = ["代码", "年度", "农村人口", "贫困县", "贫困村", "西部地区"]


def _xlsx(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("区划年度属性")
    for r, row in enumerate([header, *rows]):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    workbook.close()
    return path


def _run(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    call_command("areas", "attributes", str(path), "--json")
    return dict(json.loads(capsys.readouterr().out))


def test_it_imports_yearly_attributes(
    tree: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _xlsx(
        tmp_path / "a.xlsx",
        [["130126", 2019, 250000, "是", None, "否"], ["130126100201", 2019, 812, None, "是", None]],
    )
    assert _run(path, capsys) == {"ok": True, "created": 2, "updated": 0, "unchanged": 0}
    county = AreaYear.objects.get(area_id="130126", year=2019)
    assert (county.rural_population, county.poor_county, county.poor_village, county.western) == (
        250000,
        True,
        None,
        False,
    )
    assert AreaYear.objects.get(area_id="130126100201").poor_village is True


def test_a_blank_cell_leaves_the_value_unchanged(
    tree: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(_xlsx(tmp_path / "a.xlsx", [["130126", 2019, 250000, "是", None, "否"]]), capsys)
    result = _run(_xlsx(tmp_path / "b.xlsx", [["130126", 2019, 251000, None, None, None]]), capsys)
    assert result["updated"] == 1
    county = AreaYear.objects.get(area_id="130126", year=2019)
    assert (county.rural_population, county.poor_county, county.western) == (251000, True, False)
    event = AuditEvent.objects.filter(action="areas.attributes").order_by("-seq").first()
    assert event is not None
    assert event.details["changes"] == [
        {
            "area": "130126",
            "year": 2019,
            "old": {"rural_population": 250000},
            "new": {"rural_population": 251000},
        }
    ]


def test_it_reports_every_problem_and_writes_nothing(
    tree: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        ["130126", 2019, 1000, "是", None, None],  # fine on its own
        ["999999", 2019, 10, None, None, None],  # unknown code
        ["130127", "去年", -5, "也许", None, None],  # bad year, population, flag
        ["130126", 2019, 1000, None, None, None],  # duplicate of row 2
    ]
    with pytest.raises(CommandError, match="problem"):
        _run(_xlsx(tmp_path / "bad.xlsx", rows), capsys)
    errors = json.loads(capsys.readouterr().out)["errors"]
    found = {(e["row"], e["column"]) for e in errors}
    assert found == {(3, "代码"), (4, "年度"), (4, "农村人口"), (4, "贫困县"), (5, "代码")}
    assert all(e["sheet"] == "区划年度属性" and e["message"] for e in errors)
    assert AreaYear.objects.count() == 0


def test_it_accepts_english_headers(tree: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = ["code", "year", "rural_population", "poor_county", "poor_village", "western"]
    _run(_xlsx(tmp_path / "en.xlsx", [["130127", 2020, 1, "否", None, None]], header), capsys)
    assert AreaYear.objects.get(area_id="130127").poor_county is False


def test_it_names_a_missing_required_column(
    tree: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CommandError, match="年度"):
        _run(_xlsx(tmp_path / "m.xlsx", [["130126"]], ["代码"]), capsys)


def test_it_refuses_a_renamed_executable(
    tree: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "evil.xlsx"
    path.write_bytes(b"\x7fELF" + b"\0" * 100)
    with pytest.raises(CommandError, match="不是 Excel"):
        _run(path, capsys)


def test_it_refuses_a_zip_bomb_without_unpacking_it(
    tree: object, tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.TUOPIN_XLSX_MAX_UNCOMPRESSED = 1024 * 1024
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    with pytest.raises(CommandError, match="压缩炸弹"):
        _run(path, capsys)


def test_it_refuses_other_file_types(
    tree: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.csv"
    path.write_text("代码,年度\n")
    with pytest.raises(CommandError, match=r"\.xlsx"):
        _run(path, capsys)
