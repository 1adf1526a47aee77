"""GB 11643-1999 ID numbers (SECURITY.md E1): property tests and the error messages an import shows."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuopin.registry.idnumbers import IdNumberError, check_digit, make_id, mask_id, mask_phone, parse_id

TODAY = date(2026, 11, 25)
regions = st.sampled_from(["130126", "130127", "131022", "110101", "440305"])
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
serials = st.integers(min_value=0, max_value=99)


@given(regions, births, serials, st.booleans())
def test_it_accepts_every_well_formed_number_and_derives_birth_and_sex(
    region: str, birth: date, serial: int, female: bool
) -> None:
    parsed = parse_id(make_id(region, birth, serial, female=female), today=TODAY)
    assert (parsed.region, parsed.birth_date, parsed.sex) == (region, birth, "F" if female else "M")


@given(regions, births, serials, st.booleans(), st.integers(min_value=0, max_value=16), st.integers(1, 9))
def test_any_single_digit_change_is_refused(
    region: str, birth: date, serial: int, female: bool, position: int, shift: int
) -> None:
    valid = make_id(region, birth, serial, female=female)
    digit = str((int(valid[position]) + shift) % 10)
    changed = valid[:position] + digit + valid[position + 1 :]
    with pytest.raises(IdNumberError):
        parse_id(changed, today=TODAY)


def test_the_check_digit_of_a_known_number() -> None:
    assert check_digit("11010519491231002") == "X"


def test_lower_case_x_is_stored_upper_case() -> None:
    assert parse_id("11010519491231002x").value == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1101051949123100", "长度应为18位"),
        ("110105194912310", "15位"),
        ("11010519491231A02X", "非法字符"),
        ("110105194902300023", "出生日期无效"),
        ("110105189901010020", "出生日期无效"),
        ("110105194912310021", "校验位错误"),
    ],
)
def test_it_says_what_is_wrong(raw: str, message: str) -> None:
    with pytest.raises(IdNumberError, match=message):
        parse_id(raw, today=TODAY)


def test_a_birth_date_in_the_future_is_refused() -> None:
    with pytest.raises(IdNumberError, match="出生日期"):
        parse_id(make_id("130126", date(2027, 1, 1), 1, female=True), today=TODAY)


def test_an_unknown_region_is_refused_when_regions_are_checked() -> None:
    number = make_id("139999", date(1990, 1, 1), 3, female=False)
    assert parse_id(number, today=TODAY).region == "139999"
    with pytest.raises(IdNumberError, match="行政区划"):
        parse_id(number, region_known=lambda code: code != "139999", today=TODAY)


def test_masks() -> None:
    assert mask_id("13012619800101123X") == "130126********123X"
    assert mask_id("") == ""
    assert mask_id("12345") == "****2345"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0311-8888123") == "********8123"
