"""Chinese resident ID numbers (GB 11643-1999): validation, derived facts, masking. Stdlib only, besides
tuopin.core.idmask (THE ID mask, re-exported here)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from operator import mul

from tuopin.core.idmask import mask_id as mask_id  # THE ID mask, re-exported for the registry's callers

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"\d{17}[\dXx]")
EARLIEST_BIRTH = date(1900, 1, 1)


class IdNumberError(ValueError):
    """What is wrong with an ID number, in a few words for an import error list."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    region: str
    birth_date: date
    sex: str  # "M" or "F"


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 over the first 17 digits."""
    if len(first17) != len(WEIGHTS):
        raise ValueError("17 digits expected")
    return CHECK_CHARS[sum(map(mul, map(int, first17), WEIGHTS)) % 11]


def parse_id(
    raw: str, *, region_known: Callable[[str], bool] | None = None, today: date | None = None
) -> IdNumber:
    value = "".join(raw.split()).upper()
    if len(value) == 15 and value.isdigit():
        raise IdNumberError("15位旧身份证号，请使用18位号码")
    if len(value) != 18:
        raise IdNumberError("长度应为18位")
    if not ID_PATTERN.fullmatch(value):
        raise IdNumberError("含有非法字符")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as error:
        raise IdNumberError("出生日期无效") from error
    if not EARLIEST_BIRTH <= birth <= (today or date.today()):  # noqa: DTZ011 - a calendar date, not a moment
        raise IdNumberError("出生日期无效")
    if check_digit(value[:17]) != value[17]:
        raise IdNumberError("校验位错误")
    if region_known is not None and not region_known(value[:6]):
        raise IdNumberError("行政区划代码不存在")
    return IdNumber(value=value, region=value[:6], birth_date=birth, sex="M" if int(value[16]) % 2 else "F")


def make_id(region: str, birth: date, serial: int, *, female: bool) -> str:
    """A valid ID number (for tests and the demo generator); serial 0..99 picks the sequence digits."""
    sex_digit = (serial % 5) * 2 + (0 if female else 1)
    first17 = f"{region}{birth:%Y%m%d}{serial % 100:02d}{sex_digit}"
    return first17 + check_digit(first17)


def mask_phone(value: str) -> str:
    """138****1234 for a mobile number; other numbers keep their last four digits."""
    value = value.strip()
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return f"{value[:3]}****{value[-4:]}"
    return "*" * max(len(value) - 4, 0) + value[-4:]
