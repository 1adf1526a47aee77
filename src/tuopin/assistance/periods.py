"""Reporting periods and duty periods: a year (2019), a half (2019H2), a quarter (2019Q3), a month (2019-07) or an
ISO week (2019W27). Pure functions, no database.

Years, halves, quarters and months nest: each lies wholly inside exactly one period of every longer kind. ISO weeks
do not (2020W01 runs from 2019-12-30 to 2020-01-05), so a week belongs to the period that holds its Thursday: the
rule ISO 8601 uses for the week's year, carried over to halves, quarters and months. The weeks of a year are then
exactly its ISO weeks, and the weeks of its four quarters add up to the year's. A visit still counts for a week on
any of the week's own seven days, including those in the neighbouring year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

# Duty frequencies, longest first; the code is the period kind a duty is judged by.
FREQUENCIES = (
    ("year", _("每年")),
    ("half", _("每半年")),
    ("quarter", _("每季度")),
    ("month", _("每月")),
    ("week", _("每周")),
)
KINDS = tuple(code for code, _label in FREQUENCIES)
ORDER = {kind: n for n, kind in enumerate(KINDS)}
WEEK_SLACK = timedelta(days=6)  # a week of a period may reach this far past the period's own days

PATTERNS = {
    "year": re.compile(r"(\d{4})"),
    "half": re.compile(r"(\d{4})H([12])"),
    "quarter": re.compile(r"(\d{4})Q([1-4])"),
    "month": re.compile(r"(\d{4})-(\d{2})"),
    "week": re.compile(r"(\d{4})W(\d{2})"),
}


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # the last day, inclusive
    kind: str
    label: str

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def anchor(self) -> date:
        """The day that decides which longer period this one belongs to: a week's Thursday, else its first day."""
        return self.start + timedelta(days=3) if self.kind == "week" else self.start


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _months(year: int, first: int, count: int, kind: str, label: str) -> Period:
    return Period(date(year, first, 1), _month_end(year, first + count - 1), kind, label)


def year(y: int) -> Period:
    return _months(y, 1, 12, "year", f"{y:04d}")


def half(y: int, n: int) -> Period:
    return _months(y, 6 * n - 5, 6, "half", f"{y:04d}H{n}")


def quarter(y: int, n: int) -> Period:
    return _months(y, 3 * n - 2, 3, "quarter", f"{y:04d}Q{n}")


def month(y: int, m: int) -> Period:
    return _months(y, m, 1, "month", f"{y:04d}-{m:02d}")


def week(y: int, n: int) -> Period:
    start = date.fromisocalendar(y, n, 1)
    return Period(start, start + timedelta(days=6), "week", f"{y:04d}W{n:02d}")


def parse(text: str) -> Period:
    """The period a label names; ValueError with a readable message otherwise."""
    text = text.strip().upper()
    for kind, pattern in PATTERNS.items():
        match = pattern.fullmatch(text)
        if not match:
            continue
        y, *rest = (int(part) for part in match.groups())
        try:
            if kind == "year":
                return year(y)
            if kind == "half":
                return half(y, rest[0])
            if kind == "quarter":
                return quarter(y, rest[0])
            if kind == "month":
                return month(y, rest[0])
            return week(y, rest[0])
        except ValueError:
            break
    raise ValueError(f"not a period: {text!r} (use 2019, 2019H2, 2019Q3, 2019-07 or 2019W27)")


def containing(kind: str, day: date) -> Period:
    """The period of `kind` holding `day` (for a week: the ISO week of the day)."""
    if kind == "year":
        return year(day.year)
    if kind == "half":
        return half(day.year, 1 if day.month <= 6 else 2)
    if kind == "quarter":
        return quarter(day.year, (day.month - 1) // 3 + 1)
    if kind == "month":
        return month(day.year, day.month)
    iso = day.isocalendar()
    return week(iso.year, iso.week)


def within(outer: Period, kind: str) -> list[Period]:
    """The periods of `kind` that belong to `outer` (none when `kind` is longer than `outer`)."""
    if ORDER[kind] < ORDER[outer.kind]:
        return []
    found: list[Period] = []
    current = containing(kind, outer.start)
    while current.start <= outer.end:
        if outer.holds(current.anchor):
            found.append(current)
        current = containing(kind, current.end + timedelta(days=1))
    return found
