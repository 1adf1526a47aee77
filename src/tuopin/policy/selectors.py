"""Reading policy profiles: the value of each key for a year and a province, and where it comes from.

Policy values are not personal data and not area-scoped: every signed-in user may read every profile (the rules that
decide about their households use them, and officials must be able to cite them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from tuopin.policy.keys import KEYS, typed
from tuopin.policy.models import PolicyChange, PolicyValue


@dataclass(frozen=True)
class Setting:
    key: str
    value: str
    since: int  # the year of the row in force
    province: str  # "" when the national value is in force
    source: str
    note: str
    version: int
    pk: int

    @property
    def typed(self) -> Any:
        return typed(self.key, self.value)

    def as_dict(self) -> dict[str, Any]:
        value = self.typed
        if KEYS[self.key].kind == "monthday":
            value = self.value
        elif not isinstance(value, int):
            value = int(value) if value == value.to_integral_value() else float(value)
        return {
            "value": value,
            "since": self.since,
            "origin": self.province or "national",
            "source": self.source,
            "note": self.note,
        }


class Profile(dict[str, Setting]):
    """The settings in force for one year and province, by key; `profile["poverty_line"].typed` is the value."""

    def __init__(self, year: int, province: str, settings: dict[str, Setting]) -> None:
        super().__init__(settings)
        self.year, self.province = year, province

    def value(self, key: str) -> Any:
        """The typed value, or None when the profile has none for this year."""
        setting = self.get(key)
        return setting.typed if setting else None

    def snapshot(self) -> dict[str, Any]:
        """What a run stores so that it can say which values it used."""
        return {
            "year": self.year,
            "province": self.province,
            "values": {key: setting.as_dict() for key, setting in sorted(self.items())},
        }


def policy_for(year: int, province: str = "") -> Profile:
    """The profile in force in `year`: per key, the province's latest value of `year` or before, else the nation's."""
    rows = PolicyValue.objects.filter(
        Q(province="") | Q(province=province) if province else Q(province=""), year__lte=year
    ).order_by("key", "year")
    best: dict[str, PolicyValue] = {}
    for row in rows:
        held = best.get(row.key)
        if held is None or (row.province, row.year) >= (held.province, held.year):
            best[row.key] = row
    return Profile(year, province, {key: _setting(row) for key, row in best.items() if key in KEYS})


def _setting(row: PolicyValue) -> Setting:
    return Setting(row.key, row.value, row.year, row.province, row.source, row.note, row.version, row.pk)


def values_of(key: str, province: str = "") -> QuerySet[PolicyValue]:
    """Every row of `key` in the national profile and (if given) the province's, by year."""
    return PolicyValue.objects.filter(key=key, province__in={"", province}).order_by("year", "province")


def changes_of(key: str, province: str = "", *, limit: int | None = None) -> QuerySet[PolicyChange]:
    """The changes of `key` in the national profile and the province's, newest first (the last `limit`)."""
    changes = PolicyChange.objects.filter(
        policy_value__key=key, policy_value__province__in={"", province}
    ).select_related("policy_value")
    return changes[:limit] if limit is not None else changes
