"""How an ID number is masked for display (130126********123X): THE one definition of the rule.

`mask_id` is the Python form (re-exported by tuopin.registry.idnumbers); `mask_id_text` masks every ID-shaped run in
a text with it (the audit log's details, file names, problem lists); `mask_id_sql` is the DuckDB form the feed importer writes into its Parquet files, built from the
same constants, so the two cannot drift. Stdlib only; imports nothing of Tuopin, so every app may import it."""

from __future__ import annotations

import re

ID_LENGTH = 18
KEEP_HEAD = 6  # the region code
KEEP_TAIL = 4  # the last three sequence digits and the check character
HIDDEN = ID_LENGTH - KEEP_HEAD - KEEP_TAIL
MASK = "*"
MIN_HIDDEN_OTHER = 4  # a value that is not 18 characters long: at least this many stars before its last four


def mask_id(value: str) -> str:
    """130126********123X. Anything else keeps only its last four characters."""
    value = value.strip()
    if not value:
        return ""
    if len(value) == ID_LENGTH:
        return f"{value[:KEEP_HEAD]}{MASK * HIDDEN}{value[-KEEP_TAIL:]}"
    return MASK * max(len(value) - KEEP_TAIL, MIN_HIDDEN_OTHER) + value[-KEEP_TAIL:]


# An ID number inside other text: 17 digits and a digit or X, not part of a longer run of digits.
ID_IN_TEXT = re.compile(rf"(?<!\d)\d{{{ID_LENGTH - 1}}}[\dXx](?![\dXx])")


def mask_id_text(text: str) -> str:
    """`text` with anything shaped like an ID number in it masked: file names, free text, audit details."""
    return ID_IN_TEXT.sub(lambda found: mask_id(found.group()), text)


def mask_id_sql(column: str) -> str:
    """The DuckDB expression masking `column`, an SQL expression holding a checked 18-character ID number (the
    same result as `mask_id` on it). `column` is SQL text the caller writes, never a user's value."""
    return f"left({column}, {KEEP_HEAD}) || '{MASK * HIDDEN}' || right({column}, {KEEP_TAIL})"
