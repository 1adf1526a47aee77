"""THE rule for text people type or import: no control characters and no invisible characters that reorder or hide
text: a name with U+202E shows reversed, one with U+200B looks like another person's, NUL breaks PostgreSQL.

Refused everywhere: the C0 and C1 controls and DEL, the zero-width and directional marks U+200B–U+200F, the bidi
embeddings and overrides U+202A–U+202E, the bidi isolates U+2066–U+2069, the Arabic letter mark U+061C, the byte
order mark U+FEFF and the line and paragraph separators U+2028, U+2029. Multi-line text (a description, a note) may
hold line breaks (LF, and the CR of a browser's CRLF); single-line text (a name, a number, a reason) may not, nor a
tab anywhere.

The same character set serves the forms (`text_refuse_controls`, `text_refuse_controls_multiline` as validators),
the imports (`text_refused_character` for a cell's problem) and the API (`SINGLE_LINE_PATTERN` for a schema).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_FORMAT = r"\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"
_SINGLE_LINE = r"\x00-\x1f\x7f-\x9f" + _FORMAT
_MULTI_LINE = r"\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f" + _FORMAT  # LF (0a) and CR (0d) allowed

# One pattern for a whole value, in the syntax both Python's re and pydantic's (Rust) regex read.
SINGLE_LINE_PATTERN = rf"^[^{_SINGLE_LINE}]*$"
_REFUSED = {False: re.compile(f"[{_SINGLE_LINE}]"), True: re.compile(f"[{_MULTI_LINE}]")}

MESSAGE = _("不能包含控制字符、零宽字符或文字方向控制字符（%(character)s）。")


def text_refused_character(value: str, *, multiline: bool = False) -> str | None:
    """The first refused character of `value` as its code point (e.g. "U+202E"), or None when the text is acceptable."""
    found = _REFUSED[multiline].search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def text_problem(value: str, *, multiline: bool = False) -> str:
    """The message for a refused text (an import's problem), or "" when the text is acceptable."""
    character = text_refused_character(value, multiline=multiline)
    return "" if character is None else str(MESSAGE % {"character": character})


def text_visible(value: str) -> str:
    """`value` with every refused character shown as its code point (e.g. "<U+202E>"), safe for a problem report."""
    return _REFUSED[False].sub(lambda found: f"<U+{ord(found.group()):04X}>", value)


def text_refuse_controls(value: str, *, multiline: bool = False) -> None:
    """Raise ValidationError (code "control_character") when `value` holds a refused character."""
    character = text_refused_character(value, multiline=multiline)
    if character is not None:
        raise ValidationError(MESSAGE, code="control_character", params={"character": character})


def text_refuse_controls_multiline(value: str) -> None:
    """`text_refuse_controls` for multi-line text (line breaks allowed), as a one-argument validator."""
    text_refuse_controls(value, multiline=True)
