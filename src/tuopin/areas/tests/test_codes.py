"""The levels and code lengths of tuopin.areas.codes (no database)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tuopin.areas import codes
from tuopin.areas.codes import (
    LENGTH_OF_LEVEL,
    LENGTHS,
    LEVEL_OF_LENGTH,
    LEVELS,
    ancestor_codes,
    child_length,
    child_level,
    code_at,
    level_of,
    parent_code,
)

VILLAGE = "130126100201"


def test_the_five_levels_and_their_lengths() -> None:
    assert LEVELS == ("province", "city", "county", "township", "village")
    assert LENGTHS == (2, 4, 6, 9, 12)
    assert LENGTH_OF_LEVEL == {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
    assert {length: LENGTH_OF_LEVEL[level] for length, level in LEVEL_OF_LENGTH.items()} == {
        n: n for n in LENGTHS
    }


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("13", "province"),
        ("1301", "city"),
        ("130126", "county"),
        ("130126100", "township"),
        (VILLAGE, "village"),
    ],
)
def test_level_of_is_the_length(code: str, level: str) -> None:
    assert level_of(code) == level


@pytest.mark.parametrize("code", ["", "1", "13012", "1301261", "1301261002011"])
def test_level_of_refuses_other_lengths(code: str) -> None:
    with pytest.raises(ValueError, match="not a division code"):
        level_of(code)


def test_parent_code_is_the_prefix_one_level_up() -> None:
    assert [parent_code(code) for code in ("13", "1301", "130126", "130126100", VILLAGE)] == [
        None,
        "13",
        "1301",
        "130126",
        "130126100",
    ]
    with pytest.raises(ValueError, match="not a division code"):
        parent_code("13012")


def test_child_length_is_the_next_level() -> None:
    assert [child_length(code) for code in ("", "13", "1301", "130126", "130126100", VILLAGE)] == [
        2,
        4,
        6,
        9,
        12,
        None,
    ]
    assert [child_length(n) for n in (0, 2, 4, 6, 9, 12)] == [2, 4, 6, 9, 12, None]
    assert child_length("13012") == child_length(5) == 6  # between two levels: the next one


def test_child_level_names_the_next_level() -> None:
    assert [child_level(code) for code in ("", "13", "130126100", VILLAGE)] == [
        "province",
        "city",
        "village",
        None,
    ]


def test_ancestor_codes_are_the_prefixes_above_top_first() -> None:
    assert ancestor_codes(VILLAGE) == ["13", "1301", "130126", "130126100"]
    assert ancestor_codes("130126") == ["13", "1301"]
    assert ancestor_codes("13") == ancestor_codes("") == []


def test_it_imports_nothing_but_djangos_q_for_the_prefix_filter() -> None:
    tree = ast.parse(Path(codes.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "django.db.models"}
    assert "from django.db.models import Q\n" in Path(codes.__file__).read_text(encoding="utf-8")


def test_code_at_is_the_prefix_of_the_level() -> None:
    assert [code_at(VILLAGE, level) for level in LEVELS] == ["13", "1301", "130126", "130126100", VILLAGE]
    assert code_at("1301", "county") == "1301"  # no longer than the code
    assert code_at("", "province") == ""
