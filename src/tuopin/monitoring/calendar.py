"""Working days for deadlines: Monday to Friday, minus the State Council's public holidays and plus its make-up
working days where the data file lists them (data/holidays.json, by year, with the notice as source)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

HOLIDAYS_FILE = Path(__file__).parent / "data" / "holidays.json"


@lru_cache(maxsize=1)
def _calendar() -> tuple[frozenset[date], frozenset[date]]:
    data = json.loads(HOLIDAYS_FILE.read_text(encoding="utf-8"))
    off = {date.fromisoformat(d) for year in data["years"] for d in year["holidays"]}
    on = {date.fromisoformat(d) for year in data["years"] for d in year["workdays"]}
    return frozenset(off), frozenset(on)


def is_working_day(day: date) -> bool:
    off, on = _calendar()
    if day in on:
        return True
    return day.weekday() < 5 and day not in off


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (the day of `start` itself does not count)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def window_start(as_of: date) -> date:
    """The day before the twelve months that end on `as_of`: a screening counts the rows dated after it."""
    try:
        return as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - 1, day=28)
