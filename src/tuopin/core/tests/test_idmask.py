"""The ID mask is written once (tuopin.core.idmask): its Python form, the audit log's masking of ID-shaped text and
the DuckDB form the feed importer writes agree. No database."""

from __future__ import annotations

import re
from datetime import date

import duckdb
from hypothesis import given
from hypothesis import strategies as st

from tuopin.audit.chain import mask_id_numbers
from tuopin.core.idmask import mask_id, mask_id_sql
from tuopin.registry.idnumbers import make_id

IDS = [
    make_id("130126", date(1980, 1, 1), 12, female=False),
    make_id("440305", date(2001, 12, 31), 7, female=True),
    "13012619800101123X",
    "110101190001010000",
]


def test_an_id_keeps_its_first_six_and_last_four_characters() -> None:
    assert mask_id("13012619800101123X") == "130126********123X"
    assert mask_id(" 13012619800101123X ") == "130126********123X"
    assert mask_id("") == mask_id("   ") == ""
    assert mask_id("12345") == "****2345"
    assert mask_id("1234567890") == "******7890"


def test_the_duckdb_form_masks_as_the_python_form() -> None:
    con = duckdb.connect()
    rows = con.execute(f"SELECT {mask_id_sql('v')} FROM unnest($1::VARCHAR[]) AS t(v)", [IDS]).fetchall()
    assert [masked for (masked,) in rows] == [mask_id(value) for value in IDS]


# The audit log's pattern and replacement as they were written before the mask had one definition.
_BEFORE = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")


@given(st.text(alphabet="0123456789Xx a-", max_size=60))
def test_the_audit_log_masks_id_shaped_text_as_before(text: str) -> None:
    assert mask_id_numbers(text) == _BEFORE.sub(r"\1********\2", text)


def test_the_audit_log_masks_each_id_in_text_with_the_one_mask() -> None:
    text = f"id {IDS[0]}, {IDS[2].lower()}; 1{IDS[1]}"
    assert mask_id_numbers({"q": text}) == {
        "q": f"id {mask_id(IDS[0])}, {mask_id(IDS[2].lower())}; 1{IDS[1]}"
    }
