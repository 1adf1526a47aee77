"""The Excel reader against hostile workbooks (issue 22, finding 1): a sheet whose cells span the whole grid is
refused before any grid is built, and no sparse, huge or malformed sheet ever brings a process down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuopin.core.excel import check_extent, column_letters, column_number, open_workbook, read_sheet
from tuopin.core.tests.hostile import far_cell_workbook, header_row, hostile_workbook, sheet_xml, text_cell
from tuopin.core.uploads import UploadRejected


def read_each(*paths: Path) -> list[dict[str, object]]:
    """Read the files in a child process with 2 GiB of address space, as an import would; a crash fails here."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tuopin.settings_test"}
    done = subprocess.run(
        [sys.executable, "-m", "tuopin.core.tests.read_each", *map(str, paths)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"the reader's process died ({done.returncode}): {done.stderr[-2000:]}"
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_it_refuses_a_6_kb_workbook_whose_one_cell_sits_at_xfd1048576(tmp_path: Path) -> None:
    path = far_cell_workbook(tmp_path / "sparse.xlsx")
    assert path.stat().st_size < 6 * 1024
    with pytest.raises(UploadRejected) as refused:
        open_workbook(path)
    message = str(refused.value)
    assert "工作表“户”" in message
    assert "A1:XFD1048576" in message
    assert "1048576 行 × 16384 列" in message
    [outcome] = read_each(path)
    assert "A1:XFD1048576" in str(outcome["refused"])


def test_it_refuses_the_same_workbook_written_by_xlsxwriter(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "far.xlsx"))
    sheet = book.add_worksheet("户")
    sheet.write_row(0, 0, ["户编号", "姓名"])
    sheet.write(1048575, 16383, "x")
    book.close()
    with pytest.raises(UploadRejected):
        open_workbook(tmp_path / "far.xlsx")


def test_a_formatted_blank_cell_far_away_is_not_data(tmp_path: Path) -> None:
    """Excel writes styled empty cells as <c r=".." s=".."/>; the reader skips them, so must the check."""
    book = xlsxwriter.Workbook(str(tmp_path / "blank.xlsx"))
    sheet = book.add_worksheet("户")
    sheet.write_row(0, 0, ["户编号", "姓名"])
    sheet.write_row(1, 0, ["130126001001001", "张三"])
    sheet.write_blank(1048575, 16383, None, book.add_format({"bold": True}))
    book.close()
    name, rows = read_sheet(
        tmp_path / "blank.xlsx", sheet=None, columns={"户编号": (), "姓名": ()}, required=()
    )
    assert (name, len(rows), rows[0].cells["姓名"]) == ("户", 1, "张三")


def test_a_sheet_just_under_the_limit_reads_and_one_cell_more_is_refused(tmp_path: Path) -> None:
    rows = header_row("编号") + f'<row r="100">{text_cell("J100", "x")}</row>'
    path = hostile_workbook(tmp_path / "edge.xlsx", sheet_xml(rows))
    with override_settings(TUOPIN_XLSX_MAX_CELLS=1000):
        check_extent(path)  # A1:J100 is exactly 1000 cells
    with override_settings(TUOPIN_XLSX_MAX_CELLS=999), pytest.raises(UploadRejected):
        check_extent(path)


@pytest.mark.parametrize(
    "rows",
    [
        # references not first among the attributes
        '<row r="1"><c t="inlineStr" r="A1"><is><t>a</t></is></c></row>'
        '<row r="1048576"><c t="inlineStr" r="XFD1048576"><is><t>x</t></is></c></row>',
        # no references at all: the reader counts rows and columns itself
        '<row r="1"><c t="inlineStr"><is><t>a</t></is></c></row>'
        '<row r="1048576">' + '<c t="n"><v>1</v></c>' * 16384 + "</row>",
        # a cell whose reference disagrees with its row
        f'<row r="1">{text_cell("A1", "a")}{text_cell("XFD1048576", "x")}</row>',
        # whitespace and a reference past the grid's end
        '<row r="1"><c\n r = "A1"><v>1</v></c><c r="ZZZZ99999999"><v>2</v></c></row>',
    ],
    ids=["attribute-order", "no-references", "ref-outside-its-row", "odd-syntax"],
)
def test_it_refuses_far_cells_written_in_any_legal_way(tmp_path: Path, rows: str) -> None:
    path = hostile_workbook(tmp_path / "odd.xlsx", sheet_xml(rows))
    with pytest.raises(UploadRejected):
        check_extent(path)


def test_it_refuses_far_cells_under_a_namespace_prefix(tmp_path: Path) -> None:
    rows = '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="XFD1048576"><x:v>2</x:v></x:c></x:row>'
    path = hostile_workbook(tmp_path / "prefixed.xlsx", sheet_xml(rows, prefix="x"))
    with pytest.raises(UploadRejected):
        check_extent(path)


def test_column_letters_and_numbers_agree() -> None:
    assert [column_number(column_letters(n)) for n in (1, 26, 27, 702, 703, 16384)] == [
        1,
        26,
        27,
        702,
        703,
        16384,
    ]
    assert column_letters(16384) == "XFD"


CELL_SYNTAX = st.sampled_from(["ref-first", "ref-last", "no-ref", "prefixed-row", "self-closing", "broken"])


@st.composite
def hostile_sheets(draw: st.DrawFn) -> str:
    """A worksheet with a header and a few cells anywhere in (and past) the grid, written in assorted ways."""
    parts = [header_row("编号", "名称")]
    for _ in range(draw(st.integers(0, 6))):
        row = draw(st.one_of(st.integers(1, 200), st.integers(1, 1_048_576), st.integers(1_048_577, 10**9)))
        column = draw(st.one_of(st.integers(1, 30), st.integers(1, 16_384), st.integers(16_385, 10**6)))
        ref = f"{column_letters(column)}{row}"
        syntax = draw(CELL_SYNTAX)
        cell = {
            "ref-first": f'<c r="{ref}"><v>1</v></c>',
            "ref-last": f'<c t="n" r="{ref}"><v>1</v></c>',
            "no-ref": "<c><v>1</v></c>" * draw(st.integers(1, 3)),
            "prefixed-row": f'<c r="{ref}" t="inlineStr"><is><t>值</t></is></c>',
            "self-closing": f'<c r="{ref}" s="1"/>',
            "broken": draw(
                st.sampled_from([f'<c r="{ref}"><v>1</v>', f'<c r="{ref}"', "<row><c", "</c></row>"])
            ),
        }[syntax]
        parts.append(f'<row r="{row}">{cell}</row>' if syntax != "broken" else cell)
    return sheet_xml(
        "".join(parts), dimension=draw(st.sampled_from(["A1", "A1:XFD1048576", "B2:A1", "ZZZZ0"]))
    )


@settings(
    max_examples=int(os.environ.get("TUOPIN_FUZZ_EXAMPLES", "10")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sheets=st.lists(hostile_sheets(), min_size=10, max_size=10))
def test_no_hostile_sheet_brings_the_reader_down(tmp_path: Path, sheets: list[str]) -> None:
    """Fuzz: sparse, huge-dimension and malformed sheets are each read or refused, in a process that survives."""
    folder = Path(tmp_path) / f"fuzz-{os.urandom(4).hex()}"
    folder.mkdir()
    paths = [hostile_workbook(folder / f"{index}.xlsx", sheet) for index, sheet in enumerate(sheets)]
    outcomes = read_each(*paths)
    assert [outcome["file"] for outcome in outcomes] == [str(path) for path in paths]
    assert all(("rows" in outcome) != ("refused" in outcome) for outcome in outcomes)
