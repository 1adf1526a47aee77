"""Vocabularies as every import reads them: a stable code, a Chinese label (the official wording), its English
translation, and the other spellings that files bring for the same value (shorter forms, the national system's
codes, the wording of a feedback letter), kept in one table next to the choices they belong to.

An app defines a vocabulary as Django choices and registers its other spellings once (`vocabulary_aliases`); the
registry import, the ledger framework (a `LedgerColumn(..., vocabulary=Choices)`) and the Excel templates' drop-down
lists all read a vocabulary through `lookup` and its `choices`, so a spelling accepted in one is accepted in all."""

from __future__ import annotations

from django.db import models

ALIASES: dict[type[models.Choices], dict[str, object]] = {}
_TABLES: dict[type[models.Choices], dict[str, object]] = {}


def vocabulary_aliases(choices: type[models.Choices], spellings: dict[str, object]) -> None:
    """Register other spellings of a vocabulary's values (each mapped to the stored value)."""
    values = set(choices.values)
    unknown = [spelling for spelling, value in spellings.items() if value not in values]
    if unknown:
        raise ValueError(f"{choices.__name__}: aliases for values it does not have: {unknown}")
    ALIASES.setdefault(choices, {}).update(spellings)
    _TABLES.pop(choices, None)


def choice_value(choices: type[models.Choices], text: str) -> object | None:
    """The stored value a cell or field spells, or None when it is none of the vocabulary's."""
    table = _TABLES.get(choices)
    if table is None:
        table = _TABLES[choices] = lookup(choices)
    return table.get(_key(text))


def lookup(choices: type[models.Choices]) -> dict[str, object]:
    """Every accepted spelling of a vocabulary's values, lower-cased, mapped to the stored value: the code, the
    Chinese and English labels and the registered aliases."""
    from django.utils import translation

    table: dict[str, object] = {}
    for alias, value in ALIASES.get(choices, {}).items():
        table[_key(alias)] = value
    for value, label in choices.choices:  # the code and the labels win over an alias spelled the same
        table[_key(str(value))] = value
        with translation.override("zh-hans"):
            table[_key(str(label))] = value
        with translation.override("en"):
            table[_key(str(label))] = value
    return table


def _key(text: str) -> str:
    """Spellings compare without case, surrounding space, or the difference of full- and half-width brackets."""
    return text.strip().lower().replace("（", "(").replace("）", ")")
