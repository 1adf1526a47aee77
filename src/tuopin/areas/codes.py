"""Area codes: THE one definition of the five levels of China's administrative divisions (NBS codes).

A code's length is its level: province 2 digits, city 4, county 6, township 9, village 12. A code's prefix of a
shorter level length is its ancestor's code, so the parent is the prefix one level up and the children are the
codes of the next length that start with the code. Everything that reasons about levels by the length of a code
(the division loader, the rules' SQL, dashboards, offices by level) reads it here.

No model and nothing else of Tuopin (Django's Q for the prefix filter only), so the build script, the Ibis rules,
the loader and the scope share it.
"""

from __future__ import annotations

from django.db.models import Q

LEVELS = ("province", "city", "county", "township", "village")
LENGTHS = (2, 4, 6, 9, 12)
LENGTH_OF_LEVEL: dict[str, int] = dict(zip(LEVELS, LENGTHS, strict=True))
LEVEL_OF_LENGTH: dict[int, str] = dict(zip(LENGTHS, LEVELS, strict=True))


def level_of(code: str) -> str:
    """The level of a division code, by its length; ValueError for anything of another length."""
    level = LEVEL_OF_LENGTH.get(len(code))
    if level is None:
        raise ValueError(f"not a division code (2, 4, 6, 9 or 12 digits): {code!r}")
    return level


def parent_code(code: str) -> str | None:
    """The code one level up (the prefix), None for a province; ValueError for what is not a division code."""
    index = LENGTHS.index(LENGTH_OF_LEVEL[level_of(code)])
    return code[: LENGTHS[index - 1]] if index else None


def child_length(code_or_length: str | int) -> int | None:
    """The length of the codes one level below a code (or below a code of this length): 2 below the root ("" or 0),
    None below a village. A length between two levels gives the next level's."""
    length = code_or_length if isinstance(code_or_length, int) else len(code_or_length)
    return next((n for n in LENGTHS if n > length), None)


def child_level(code: str) -> str | None:
    """The level one below a code ("province" below the root ""), None below a village."""
    length = child_length(code)
    return LEVEL_OF_LENGTH[length] if length is not None else None


def ancestor_codes(code: str) -> list[str]:
    """The codes above `code`, top first: its prefixes of every level length shorter than it (not the code)."""
    return [code[:n] for n in LENGTHS if n < len(code)]


def code_at(code: str, level: str) -> str:
    """The code of the `level` area that holds `code`: its prefix of that level's length (the code itself, when it is
    no longer; a village's province is `code_at(village, "province")`)."""
    return code[: LENGTH_OF_LEVEL[level]]


def area_q(field: str, code: str) -> Q:
    """A filter matching rows whose `field` (an area code) is `code` or a code below it: the range from the code to
    the code padded with 9s to a village's length, which every database answers from the column's index."""
    return Q(**{f"{field}__gte": code, f"{field}__lte": code.ljust(LENGTHS[-1], "9")})
