"""Chinese resident ID numbers (GB 11643-1999): validation, derived facts, masking. Stdlib only, besides
tuopin.core.idmask (THE ID mask, re-exported here).

THE one definition of what a valid ID number is: `parse_id` checks one number in Python (the pages, the registry
import); `id_checks_sql` is the same checks, in the same order, with the same problem codes, written for DuckDB from
the same constants (the department-data import checks millions at once). A test holds the two to the same verdict
on every number of a corpus."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from operator import mul

from tuopin.core.idmask import mask_id as mask_id  # THE ID mask, re-exported for the registry's callers

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
OLD_PATTERN_TEXT = "[0-9]{15}"  # the 15-digit numbers issued before 1999
PATTERN_TEXT = "[0-9]{17}[0-9X]"  # ASCII digits only (Python's \d would take other scripts' digits)
VALID_PATTERN = re.compile(PATTERN_TEXT)
OLD_PATTERN = re.compile(OLD_PATTERN_TEXT)
ID_PATTERN = re.compile(r"\d{17}[\dXx]")  # what looks like an ID number in text (to mask it, to search by it)
EARLIEST_BIRTH = date(1900, 1, 1)


def gettext_noop(message: str) -> str:
    """Marks a message for translation (makemessages finds it by this name) without importing Django."""
    return message


# The problems, in the order the checks run: code → the message an import's error list shows (translated where
# shown).
ID_PROBLEMS: dict[str, str] = {
    "id15": gettext_noop("15位旧身份证号，请使用18位号码"),
    "id_length": gettext_noop("长度应为18位"),
    "id_chars": gettext_noop("含有非法字符"),
    "id_birth": gettext_noop("出生日期无效"),
    "id_check": gettext_noop("校验位错误"),
    "id_region": gettext_noop("行政区划代码不存在"),
}


class IdNumberError(ValueError):
    """What is wrong with an ID number, in a few words for an import error list; `code` is its key in ID_PROBLEMS."""

    def __init__(self, code: str) -> None:
        super().__init__(ID_PROBLEMS[code])
        self.code = code


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
    if OLD_PATTERN.fullmatch(value):
        raise IdNumberError("id15")
    if len(value) != 18:
        raise IdNumberError("id_length")
    if not VALID_PATTERN.fullmatch(value):
        raise IdNumberError("id_chars")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as error:
        raise IdNumberError("id_birth") from error
    if not EARLIEST_BIRTH <= birth <= (today or date.today()):  # noqa: DTZ011 - a calendar date, not a moment
        raise IdNumberError("id_birth")
    if check_digit(value[:17]) != value[17]:
        raise IdNumberError("id_check")
    if region_known is not None and not region_known(value[:6]):
        raise IdNumberError("id_region")
    return IdNumber(value=value, region=value[:6], birth_date=birth, sex="M" if int(value[16]) % 2 else "F")


def id_checks_sql(norm: str, *, today: date) -> str:
    """The checks of `parse_id` as the WHEN clauses of a DuckDB CASE: each gives its ID_PROBLEMS code, the first
    that fails wins, and a number that passes them all falls through (the caller's CASE ends with its own ELSE or
    NULL). `norm` is an SQL expression holding the number upper-cased without blanks, as parse_id normalises it;
    it and `today` are the caller's, never a user's value. The region check needs the division table, so the caller
    runs it on the numbers that pass (code "id_region")."""
    total = " + ".join(f"(ascii(substr({norm}, {p + 1}, 1)) - 48) * {w}" for p, w in enumerate(WEIGHTS))
    birth = f"try_strptime(substr({norm}, 7, 8), '%Y%m%d')"
    return f"""
            WHEN regexp_full_match({norm}, '{OLD_PATTERN_TEXT}') THEN 'id15'
            WHEN length({norm}) <> 18 THEN 'id_length'
            WHEN NOT regexp_full_match({norm}, '{PATTERN_TEXT}') THEN 'id_chars'
            WHEN {birth} IS NULL OR CAST({birth} AS DATE)
                 NOT BETWEEN DATE '{EARLIEST_BIRTH.isoformat()}' AND DATE '{today.isoformat()}' THEN 'id_birth'
            WHEN substr('{CHECK_CHARS}', (({total}) % 11)::INTEGER + 1, 1) <> substr({norm}, 18, 1) THEN 'id_check'"""


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
