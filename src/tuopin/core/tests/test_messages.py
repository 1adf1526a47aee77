"""Every UI string has its English translation, and the compiled catalogue matches the source."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import tuopin

LOCALE = Path(tuopin.__file__).parent / "locale" / "en" / "LC_MESSAGES"


def _entries(po: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for block in po.split("\n\n"):
        if "#, fuzzy" in block and 'msgid ""\nmsgstr ""' not in block:
            entries["FUZZY:" + block[:60]] = ""
        msgid = "".join(re.findall(r'^(?:msgid|msgid_plural)? ?"(.*)"$', block.split("msgstr")[0], re.M))
        msgstr = "".join(re.findall(r'^(?:msgstr(?:\[\d\])?)? ?"(.*)"$', block.split("msgstr", 1)[-1], re.M))
        if msgid:
            entries[msgid] = msgstr
    return entries


def test_every_string_has_an_english_translation() -> None:
    entries = _entries((LOCALE / "django.po").read_text())
    assert entries, "empty catalogue"
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []


def test_the_compiled_catalogue_is_up_to_date() -> None:
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    entries = _entries((LOCALE / "django.po").read_text())
    for msgid, msgstr in entries.items():
        if "%" in msgid or "\\" in msgid or "{" in msgid:
            continue  # plural and escaped forms; compared by msgfmt in `make messages`
        assert catalogue.gettext(msgid) == msgstr, msgid
