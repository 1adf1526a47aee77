"""`tuopin measures fgt|mpi` on files: the JSON contracts, and every kind of bad file refused with nothing on stdout."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tuopin.measures.files import PROBLEM_CAP

AF2011_CSV = """id,income,schooling,nutrition,health,village,w
1,0,0,0,0,x,1
2,0,1,0,1,x,1
3,1,1,1,1,y,2
4,0,1,0,0,y,0
"""
WEIGHTS = "income=0.25,schooling=0.25,nutrition=0.25,health=0.25"


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("measures", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def refused(*args: str) -> str:
    """The refusal's message; asserts that nothing was printed on stdout."""
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("measures", *args, "--json", stdout=out)
    assert out.getvalue() == ""
    return str(error.value)


def fgt_args(path: Path, *extra: str) -> tuple[str, ...]:
    return ("fgt", "--input", str(path), "--line", "100", *extra)


def mpi_args(path: Path, *extra: str, weights: str = WEIGHTS, k: str = "0.5") -> tuple[str, ...]:
    return ("mpi", "--input", str(path), "--weights", weights, "--k", k, *extra)


def test_it_prints_the_fgt_contract(tmp_path: Path) -> None:
    # z = 100, y = (100, 50, 200), w = (1, 2, 1): P0 = 3/4, P1 = 1/4, P2 = 1/8 (test_fgt.test_it_weights_persons).
    path = write(tmp_path, "id,income,w\n1,100,1\n2,50,2\n3,200,1\n")
    assert run(*fgt_args(path, "--weight-column", "w")) == {"n": 3, "P0": 0.75, "P1": 0.25, "P2": 0.125}
    assert list(run(*fgt_args(path))) == ["n", "P0", "P1", "P2"]


def test_it_prints_the_mpi_contract_with_groups(tmp_path: Path) -> None:
    # Alkire & Foster (2011)'s example with sample weights (1, 1, 2, 0) by village: test_af.test_it_decomposes_….
    path = write(tmp_path, AF2011_CSV)
    data = run(*mpi_args(path, "--group-column", "village", "--weight-column", "w"))
    assert data == {
        "n": 4,
        "H": 0.75,  # (1 + 2) / 4
        "A": pytest.approx(5 / 6),  # (1·1/2 + 2·1) / 3
        "M0": 0.625,
        "censored_headcounts": {"income": 0.5, "schooling": 0.75, "nutrition": 0.5, "health": 0.75},
        "contributions": {"income": 0.2, "schooling": 0.3, "nutrition": 0.2, "health": 0.3},
        "groups": {
            "x": {"H": 0.5, "A": 0.5, "M0": 0.25, "population_share": 0.5, "contribution": 0.2},
            "y": {"H": 1.0, "A": 1.0, "M0": 1.0, "population_share": 0.5, "contribution": 0.8},
        },
    }


def test_it_prints_empty_groups_without_a_group_column(tmp_path: Path) -> None:
    # The columns village and w are not indicators: name them, or drop them, to measure without them.
    path = write(tmp_path, "\n".join(line.rsplit(",", 2)[0] for line in AF2011_CSV.splitlines()) + "\n")
    data = run(*mpi_args(path))
    assert (data["H"], data["A"], data["M0"], data["groups"]) == (0.5, 0.75, 0.375, {})
    assert list(data) == ["n", "H", "A", "M0", "censored_headcounts", "contributions", "groups"]
    assert list(data["contributions"]) == ["income", "schooling", "nutrition", "health"]


def test_it_defines_contributions_as_zero_when_nobody_is_poor(tmp_path: Path) -> None:
    path = write(tmp_path, "id,a,b\n1,0,0\n2,1,0\n")
    data = run(*mpi_args(path, weights="a=1,b=1", k="1"))
    assert (data["M0"], data["contributions"]) == (0.0, {"a": 0.0, "b": 0.0})


def test_it_reads_gbk_and_a_bom(tmp_path: Path) -> None:
    text = "id,income,权重\n户一,100,1\n户二,50,3\n"
    for encoding in ("gbk", "utf-8-sig"):
        path = write(tmp_path, text, encoding, f"{encoding}.csv")
        assert run(*fgt_args(path, "--weight-column", "权重"))["P0"] == 1.0


def test_it_reads_the_text_cli_output(tmp_path: Path) -> None:
    out = StringIO()
    call_command("measures", *fgt_args(write(tmp_path, "id,income\n1,50\n2,150\n")), stdout=out)
    assert "P0 0.5000" in out.getvalue()


@pytest.mark.parametrize(
    ("text", "extra", "message"),
    [
        ("id,wage\n1,5\n", (), "column income: this column is missing"),
        ("id,income\n1,abc\n", (), "row 2, column income ('abc'): not a number"),
        ("id,income\n1,5\n2,\n", (), "row 3, column income: not a number"),
        ("id,income\n1,-5\n", (), "row 2, column income ('-5'): must not be negative"),
        ("id,income,w\n1,5,-1\n", ("--weight-column", "w"), "row 2, column w ('-1'): must not be negative"),
        ("id,income,w\n1,5,0\n", ("--weight-column", "w"), "column w: the weights sum to zero"),
        ("id,income\n1,5\n", ("--weight-column", "w"), "row 1, column w: this column is missing"),
        ("id,income\n1,5\n1,6\n", (), "row 3, column id ('1'): this id is already on row 2"),
        ("id,income\n,5\n", (), "row 2, column id: the id is blank"),
        ("id,income\n1,5,7\n", (), "row 2: expected 2 cells, found 3"),
        ("", (), "the file is empty"),
        ("id,income\n", (), "a header but no rows"),
        ("id,income,income\n1,5,5\n", (), "column income: this column appears more than once"),
    ],
)
def test_it_refuses_a_bad_income_file(
    tmp_path: Path, text: str, extra: tuple[str, ...], message: str
) -> None:
    assert message in refused(*fgt_args(write(tmp_path, text), *extra))


@pytest.mark.parametrize(
    ("text", "extra", "weights", "k", "message"),
    [
        ("id,a\n1,1\n", (), "a=1,b=1", "0.5", "row 1, column b: this column is missing"),
        ("id,a,b\n1,1,0\n", (), "a=1", "0.5", "row 1, column b: this column has no weight"),
        ("id,a\n1,2\n2,yes\n", (), "a=1", "0.5", "row 3, column a ('yes'): a deprivation must be 0 or 1"),
        ("id,a\n1,1\n", (), "a=1", "0", "--k must lie in (0, 1]"),
        ("id,a\n1,1\n", (), "a=1", "1.5", "--k must lie in (0, 1]"),
        ("id,a\n1,1\n", (), "a=-1", "0.5", "a: the weight must be a positive number"),
        ("id,a\n1,1\n", (), "a=x,b", "0.5", "'b' is not indicator=weight"),
        ("id,a\n1,1\n", (), "a=1,a=2", "0.5", "a is weighted twice"),
        ("id,a,g\n1,1,\n", ("--group-column", "g"), "a=1", "0.5", "row 2, column g: the group is blank"),
        ("id,a,w\n1,1,-2\n", ("--weight-column", "w"), "a=1", "0.5", "row 2, column w ('-2'): must not be"),
        ("id,a\n1,1\n1,0\n", (), "a=1", "0.5", "row 3, column id ('1'): this id is already on row 2"),
        ("", (), "a=1", "0.5", "the file is empty"),
    ],
)
def test_it_refuses_a_bad_deprivation_file(
    tmp_path: Path, text: str, extra: tuple[str, ...], weights: str, k: str, message: str
) -> None:
    assert message in refused(*mpi_args(write(tmp_path, text), *extra, weights=weights, k=k))


def test_it_reports_every_problem_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "id,a,b,w\n1,2,0,1\n1,1,x,-1\n")
    message = refused(*mpi_args(path, "--weight-column", "w", weights="a=1,b=1"))
    assert "(4 problem(s))" in message
    for problem in (
        "row 3, column id",
        "row 2, column a ('2')",
        "row 3, column b ('x')",
        "row 3, column w ('-1')",
    ):
        assert problem in message


def test_it_caps_the_problems_it_lists(tmp_path: Path) -> None:
    path = write(tmp_path, "id,income\n" + "".join(f"{i},bad\n" for i in range(PROBLEM_CAP + 20)))
    message = refused(*fgt_args(path))
    assert f"({PROBLEM_CAP + 20} problem(s))" in message
    assert "… and 20 more" in message
    assert message.count("not a number") == PROBLEM_CAP


def test_it_refuses_what_is_not_a_csv_file(tmp_path: Path) -> None:
    workbook = tmp_path / "book.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    assert "not CSV text" in refused(*fgt_args(workbook))
    assert "cannot read the file" in refused(*fgt_args(tmp_path / "missing.csv"))
    undecodable = tmp_path / "latin.csv"
    undecodable.write_bytes(b"id,income\n1,\xff\n")  # 0xFF starts no character in UTF-8 nor in GB18030
    assert "neither UTF-8 nor GBK" in refused(*fgt_args(undecodable))


def test_it_refuses_a_line_that_is_not_positive(tmp_path: Path) -> None:
    path = write(tmp_path, "id,income\n1,5\n")
    assert "--line must be a positive number" in refused("fgt", "--input", str(path), "--line", "0")
