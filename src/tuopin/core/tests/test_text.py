"""THE text rule (tuopin.core.text) and two of its doors kept in core: the apps' base form and the ledger import (the
registry's doors: registry/tests/test_text_doors.py). A ledger file without data rows is refused too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import ValidationError

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.core.forms import TextCheckedForm
from tuopin.core.text import (
    SINGLE_LINE_PATTERN,
    text_problem,
    text_refuse_controls,
    text_refuse_controls_multiline,
    text_refused_character,
    text_visible,
)
from tuopin.ledgers.framework import LEDGERS, Ledger, ledger_import, ledger_register
from tuopin.ledgers.tests.test_ledgers import ENTRY, GOOD, HEADERS, TEST_LEDGER, sheet

REFUSED_EVERYWHERE = [
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9f",
    "\u061c",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u2028",
    "\u2029",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\ufeff",
    "\t",
]
ACCEPTED = [
    "王建国",
    "阿依古丽·吐尔逊",
    "O'Brien-Smith",
    "130126100201001",
    "住房 60㎡（砖混）",
    "١٢٣ عربي",
    "😀",
]


@pytest.mark.parametrize("character", REFUSED_EVERYWHERE)
def test_it_refuses_control_zero_width_and_bidi_characters_in_any_text(character: str) -> None:
    value = f"王{character}建国"
    expected = f"U+{ord(character):04X}"
    assert text_refused_character(value) == text_refused_character(value, multiline=True) == expected
    for check in (text_refuse_controls, text_refuse_controls_multiline):
        with pytest.raises(ValidationError) as refused:
            check(value)
        assert refused.value.code == "control_character"
        assert refused.value.messages == [f"不能包含控制字符、零宽字符或文字方向控制字符（{expected}）。"]
    assert text_problem(value) == refused.value.messages[0]
    assert text_visible(value) == f"王<{expected}>建国"


@pytest.mark.parametrize("value", ACCEPTED)
def test_it_accepts_ordinary_text_of_any_script(value: str) -> None:
    assert text_refused_character(value) is None and text_problem(value) == ""
    text_refuse_controls(value)
    assert text_visible(value) == value


def test_line_breaks_are_text_only_where_text_has_lines() -> None:
    note = "第一行\r\n第二行\n第三行"
    text_refuse_controls_multiline(note)
    assert text_refused_character(note) == "U+000D"
    assert text_refused_character("一行\n") == "U+000A"


def test_the_api_pattern_is_the_same_rule() -> None:
    import re

    pattern = re.compile(SINGLE_LINE_PATTERN)
    for character in [*REFUSED_EVERYWHERE, "\n", "\r"]:
        assert not pattern.match(f"王{character}建国")
    assert all(pattern.match(value) for value in ACCEPTED)


class NoteForm(TextCheckedForm):
    name = forms.CharField(max_length=60)
    note = forms.CharField(widget=forms.Textarea, required=False)
    count = forms.IntegerField(required=False)


def test_the_base_form_refuses_such_text_in_every_text_field() -> None:
    refused = NoteForm({"name": "王\u202e建国", "note": "说明\u200b"})
    assert not refused.is_valid()
    assert refused.errors == {
        "name": ["不能包含控制字符、零宽字符或文字方向控制字符（U+202E）。"],
        "note": ["不能包含控制字符、零宽字符或文字方向控制字符（U+200B）。"],
    }
    assert not NoteForm({"name": "王\n建国"}).is_valid()  # one line
    taken = NoteForm({"name": "王建国", "note": "第一行\r\n第二行", "count": "3"})
    assert taken.is_valid(), taken.errors
    assert taken.cleaned_data["note"] == "第一行\r\n第二行"
    declared, used = NoteForm.base_fields["name"].validators, NoteForm().fields["name"].validators
    assert declared == used[:-1]  # added to the form's copy of the field, never to the class's


@pytest.fixture
def test_ledger() -> Iterator[Ledger]:
    ledger_register(TEST_LEDGER)
    yield TEST_LEDGER
    LEDGERS.pop("test", None)


@pytest.mark.django_db
def test_the_ledger_import_refuses_such_text_naming_sheet_row_and_column(
    tree: object, own: User, tmp_path: Path, test_ledger: Ledger
) -> None:
    rows = [
        GOOD,
        ["Z-\u200b2", "130126100201", "2019-07-01", 1, 1, "", "待办", "两行\n说明"],  # a text cell has lines
        ["Z-3", "130126100201", "2019-07-01", 1, 1, "", "待办", "说明\u202e"],
        ["Z-4", "130126\u2066100201", "2019-07-01", 1, 1, "", "待\x00办", ""],
    ]
    result = ledger_import("test", sheet(tmp_path / "bidi.xlsx", rows), actor=own)
    assert not result.ok and result.created == 0
    assert [(e["sheet"], e["row"], e["column"], e["value"], e["message"][-9:]) for e in result.errors] == [
        ("测试台账", 3, "编号", "Z-<U+200B>2", "（U+200B）。"),
        ("测试台账", 4, "说明", "说明<U+202E>", "（U+202E）。"),
        ("测试台账", 5, "区域代码", "130126<U+2066>100201", "（U+2066）。"),
        ("测试台账", 5, "状态", "待<U+0000>办", "（U+0000）。"),
    ]
    assert not AuditEvent.objects.filter(action=ENTRY).exists()


@pytest.mark.django_db
def test_a_ledger_file_without_data_rows_is_refused(
    tree: object, own: User, tmp_path: Path, test_ledger: Ledger
) -> None:
    blank = [[" "] + [None] * (len(HEADERS) - 1) for _ in range(3000)]
    for path in (sheet(tmp_path / "headers.xlsx", []), sheet(tmp_path / "blank.xlsx", blank)):
        for dry_run in (False, True):
            result = ledger_import("test", path, actor=own, dry_run=dry_run)
            assert result.as_dict() == {
                "ledger": "test",
                "ok": False,
                "rows": 0,
                "created": 0,
                "dry_run": dry_run,
                "errors": [
                    {
                        "sheet": "测试台账",
                        "row": 0,
                        "column": "",
                        "value": "",
                        "message": "工作表没有数据行。",
                    }
                ],
            }
    assert AuditEvent.objects.filter(action="ledger.import", result="refused").count() >= 2


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_form_of_the_apps_checks_its_text() -> None:
    """A form written on django's Form directly would take NUL, bidi overrides and zero-width characters."""
    import importlib
    import pkgutil

    from django import forms

    import tuopin
    from tuopin.core.forms import TextCheckedForm

    for module in pkgutil.walk_packages(tuopin.__path__, "tuopin."):
        if (
            ".tests" not in module.name
            and ".migrations" not in module.name
            and "management" not in module.name
        ):
            importlib.import_module(module.name)
    ours = [
        form
        for form in _subclasses(forms.BaseForm)
        if form.__module__.startswith("tuopin.") and ".tests" not in form.__module__
    ]
    assert len(ours) > 40
    unchecked = sorted(
        f"{form.__module__}.{form.__name__}" for form in ours if not issubclass(form, TextCheckedForm)
    )
    assert unchecked == []
