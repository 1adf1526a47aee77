"""The rectification ledger in the national assessment's own words (issue 14, seed 001): its six problems are the
labels, the shorter forms stay accepted, the template's drop-down lists the official words, and a truly unknown
category is refused naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from tuopin.accounts.models import User
from tuopin.conftest import client_for, write_workbook
from tuopin.ledgers.framework import ledger_get, ledger_import, ledger_write
from tuopin.supervision.models import Category, Item

pytestmark = pytest.mark.django_db
VILLAGE = "130126100201"
HEADERS = [
    "编号",
    "问题来源",
    "问题类别",
    "区域代码",
    "问题描述",
    "责任单位",
    "责任人",
    "发现日期",
    "整改时限",
]
SEED_001 = [
    "扶贫资金闲置",
    "危房鉴定不规范",
    "健康扶贫政策落实不到位",
    "易地扶贫搬迁后续就业难",
    "扶贫产业利益联结机制不健全",
    "帮扶工作群众满意度不高",
]


def _row(number: str, category: str, source: str = "国家考核反馈") -> list[str]:
    return [
        number,
        source,
        category,
        VILLAGE,
        f"国家考核反馈：{category}",
        "县扶贫办",
        "张三",
        "2019-06-01",
        "2019-09-30",
    ]


def test_a_ledger_in_the_seeds_words_imports(tree: object, own: User, tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "反馈问题.xlsx",
        {"整改台账": [HEADERS, *[_row(f"GK-{n}", c) for n, c in enumerate(SEED_001)]]},
    )
    result = ledger_import("rectification", path, actor=own)
    assert result.ok, result.errors
    assert sorted(Item.objects.values_list("category", flat=True)) == sorted(
        ["idle_funds", "housing", "health", "relocation_jobs", "benefit_linkage", "satisfaction"]
    )
    assert [str(label) for _code, label in Category.choices][:6] == SEED_001


def test_the_shorter_forms_stay_accepted(tree: object, own: User, tmp_path: Path) -> None:
    short = [
        "资金闲置",
        "住房鉴定不规范",
        "健康扶贫",
        "搬迁后就业",
        "利益联结不紧密",
        "满意度不高",
        "群众满意度不高",
        "（危房鉴定不规范）".strip("（）"),
    ]
    path = write_workbook(
        tmp_path / "short.xlsx",
        {"整改台账": [HEADERS, *[_row(f"S-{n}", c, source="审计") for n, c in enumerate(short)]]},
    )
    result = ledger_import("rectification", path, actor=own)
    assert result.ok, result.errors
    assert Item.objects.filter(category="satisfaction").count() == 2


def test_an_unknown_category_is_refused_naming_it(tree: object, own: User, tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "bad.xlsx",
        {"整改台账": [HEADERS, _row("B-1", "扶贫资金闲置"), _row("B-2", "扶贫资金挪用")]},
    )
    result = ledger_import("rectification", path, actor=own)
    assert not result.ok and not Item.objects.exists()
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in result.errors] == [
        (3, "问题类别", "扶贫资金挪用", "不是可选值。")
    ]


def test_the_templates_drop_down_lists_the_official_words(tmp_path: Path) -> None:
    target = tmp_path / "template.xlsx"
    ledger_write(ledger_get("rectification"), target)
    book = CalamineWorkbook.from_path(str(target))
    options = [
        row
        for sheet in book.sheet_names
        if sheet != "整改台账"
        for row in book.get_sheet_by_name(sheet).to_python()
    ]
    listed = {cell for row in options for cell in row}
    assert set(SEED_001) <= listed and "资金闲置" not in listed


def test_the_pages_filter_shows_the_official_words(tree: object, own: User) -> None:
    page = client_for(own).get("/supervision/").content.decode()
    assert "帮扶工作群众满意度不高" in page
    assert Client().get("/supervision/").status_code == 302
