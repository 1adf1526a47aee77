"""The multidimensional specifications measured on the registry (data/specs.json): which indicators, their labels,
which check of the exit rule (tuopin.assessment.rules.household_exit) each one counts as a deprivation, and which
policy keys hold each indicator's weight and the poverty cutoff k.

A specification says nothing of values: the weights and k are versioned policy data with their sources (policy
keys of the group 多维贫困测量, seeded from policy/data/profiles.json), read for the year measured. An indicator is
deprived when its check fails (`<rule>_ok` is false), so the index counts exactly what the exit rule checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext, gettext_noop

from tuopin.assessment.rules import RULES
from tuopin.policy.keys import KEYS

DATA = Path(__file__).resolve().parent / "data" / "specs.json"
DEFAULT = "guarantees"

# The labels of data/specs.json are msgids: marked here so that `make messages` extracts them.
LABELS = (
    gettext_noop("两不愁三保障"),
    gettext_noop("收入"),
    gettext_noop("义务教育"),
    gettext_noop("基本医疗"),
    gettext_noop("住房安全"),
    gettext_noop("饮水安全"),
)


class UnknownSpec(KeyError):
    """No specification of this name; `known` lists the names there are."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name, self.known = name, known

    def __str__(self) -> str:
        return f"unknown specification {self.name!r} (known: {', '.join(self.known)})"


@dataclass(frozen=True)
class Indicator:
    name: str
    msgid: str
    rule: str  # a check of the exit rule: deprived when `<rule>_ok` is false
    weight_key: str

    @property
    def label(self) -> str:
        return gettext(self.msgid)

    @property
    def check(self) -> str:
        return f"{self.rule}_ok"


@dataclass(frozen=True)
class Spec:
    name: str
    msgid: str
    k_key: str
    indicators: tuple[Indicator, ...]

    @property
    def label(self) -> str:
        return gettext(self.msgid)

    @property
    def policy_keys(self) -> tuple[str, ...]:
        return (*(indicator.weight_key for indicator in self.indicators), self.k_key)


@cache
def specs() -> dict[str, Spec]:
    """Every shipped specification by name, checked: each rule is one of the exit rule's checks, each key a policy key
    of the right kind (weights decimal or ratio, k a ratio), indicator names unique."""
    found = {}
    for name, raw in json.loads(DATA.read_text(encoding="utf-8")).items():
        indicators = tuple(
            Indicator(item["name"], item["label"], item["rule"], item["weight"]) for item in raw["indicators"]
        )
        spec = Spec(name, raw["label"], raw["k"], indicators)
        _check(spec)
        found[name] = spec
    return found


def _check(spec: Spec) -> None:
    names = [indicator.name for indicator in spec.indicators]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"specification {spec.name}: indicators must be named once each")
    for indicator in spec.indicators:
        if indicator.rule not in RULES:
            raise ValueError(f"specification {spec.name}: {indicator.rule!r} is not a check of the exit rule")
        key = KEYS.get(indicator.weight_key)
        if key is None or key.kind not in {"decimal", "ratio"}:
            raise ValueError(
                f"specification {spec.name}: {indicator.weight_key!r} is not a weight's policy key"
            )
    k = KEYS.get(spec.k_key)
    if k is None or k.kind != "ratio":
        raise ValueError(f"specification {spec.name}: {spec.k_key!r} is not a ratio's policy key")


def spec_named(name: str) -> Spec:
    """The specification of this name; UnknownSpec (listing the known ones) for any other."""
    known = specs()
    if name not in known:
        raise UnknownSpec(name, sorted(known))
    return known[name]
