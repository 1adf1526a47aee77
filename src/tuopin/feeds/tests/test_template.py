"""The template of each feed: its Chinese headers, drop-down lists, and a filled template imports."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import CommandError, call_command
from python_calamine import CalamineWorkbook

from tuopin.feeds.services import feed_import
from tuopin.feeds.sources import SOURCES
from tuopin.feeds.tests.factories import person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tree", "data_dir")]


@pytest.mark.parametrize("source", list(SOURCES))
def test_the_template_has_the_sources_headers_and_its_options(source: str, tmp_path: Path) -> None:
    path = tmp_path / f"{source}.xlsx"
    call_command("export", "template", "--feed", source, "-o", str(path))
    workbook = CalamineWorkbook.from_path(str(path))
    assert workbook.sheet_names[1] == "选项"
    sheet = workbook.get_sheet_by_index(0).to_python()
    assert sheet == [[column.header for column in SOURCES[source].columns]]
    options = workbook.get_sheet_by_name("选项").to_python()
    enumerations = [column for column in SOURCES[source].columns if column.choices]
    assert (options[0] if options else []) == [column.header for column in enumerations]
    for index, column in enumerate(enumerations):
        assert [row[index] for row in options[1 : len(column.choices) + 1]] == [
            c.label for c in column.choices
        ]


def test_a_filled_template_imports(tmp_path: Path) -> None:
    path = tmp_path / "housing.xlsx"
    call_command("export", "template", "--feed", "housing", "-o", str(path))
    headers = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[0]
    filled = tmp_path / "filled.xlsx"
    workbook = xlsxwriter.Workbook(str(filled))
    sheet = workbook.add_worksheet()
    for index, (header, value) in enumerate(zip(headers, [person(1), "2024-05-06", "D"], strict=True)):
        sheet.write_string(0, index, header)
        sheet.write_string(1, index, value)
    workbook.close()
    report = feed_import(actor=None, source="housing", path=filled)
    assert (report.rows, report.accepted) == (1, 1)


def test_an_unknown_feed_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no feed"):
        call_command("export", "template", "--feed", "weather", "-o", str(tmp_path / "x.xlsx"))
