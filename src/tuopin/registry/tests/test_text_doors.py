"""Text with control, zero-width or bidi characters is refused at every door of the registry (the import, the pages,
the API), and a workbook without data rows is refused, not taken as an import of nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.test import Client

from tuopin.accounts.models import User
from tuopin.accounts.services import token_create
from tuopin.conftest import client_for
from tuopin.registry.idnumbers import make_id
from tuopin.registry.importers import import_registry
from tuopin.registry.models import Household, Member
from tuopin.registry.tests.conftest import RegisterHousehold
from tuopin.registry.tests.test_import import HEAD, _headers, household_row, member_row, workbook
from tuopin.registry.workbook import HOUSEHOLD_COLUMNS, INCOME_COLUMNS, MEMBER_COLUMNS

pytestmark = pytest.mark.django_db

REVERSED = "王\u202e国建"  # shows as 王建国 reversed: a right-to-left override
HIDDEN = "王\u200b建国"  # a zero-width space: looks like 王建国
REFUSED = "不能包含控制字符、零宽字符或文字方向控制字符（%s）。"


def _api(user: User, method: str, path: str, body: dict[str, Any]) -> Any:
    token = token_create(user=user, name="test")
    return getattr(Client(), method)(
        f"/api/v1{path}",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_the_import_refuses_such_text_naming_sheet_row_and_column(tree: object, tmp_path: Path) -> None:
    number = "130126100201001"
    path = workbook(
        tmp_path / "bidi.xlsx",
        [household_row(number, "130126\x00100201")],
        [member_row(number, REVERSED, HEAD, "户主")],
    )
    result = import_registry(path).as_dict()
    assert not result["ok"]
    assert [(e["sheet"], e["row"], e["column"], e["value"], e["message"]) for e in result["errors"]] == [
        ("户信息", 2, "村代码", "130126<U+0000>100201", REFUSED % "U+0000"),
        ("成员信息", 2, "姓名", "王<U+202E>国建", REFUSED % "U+202E"),
    ]
    assert not Household.objects.exists() and not Member.objects.exists()


def test_the_import_never_echoes_a_full_id_number_with_such_a_character(tree: object, tmp_path: Path) -> None:
    number = "130126100201001"
    path = workbook(
        tmp_path / "id.xlsx",
        [household_row(number)],
        [member_row(number, "张大勇", HEAD[:6] + "\u200b" + HEAD[6:], "户主")],
    )
    (error,) = [e for e in import_registry(path).as_dict()["errors"] if e["column"] == "身份证号"]
    assert (
        error["message"] == REFUSED % "U+200B"
        and HEAD not in error["value"]
        and HEAD[6:] not in error["value"]
    )


def test_the_member_page_refuses_such_a_name(register: RegisterHousehold, own: User) -> None:
    register("H001")
    baby = make_id("130126", date(2024, 5, 1), 41, female=True)
    form = {
        "id_number": baby,
        "relation": "daughter",
        "ethnicity": "01",
        "health": "healthy",
        "reason": "新生儿",
    }
    client = client_for(own)
    for name, character in ((REVERSED, "U+202E"), (HIDDEN, "U+200B"), ("王\t小花", "U+0009")):
        response = client.post("/registry/households/H001/members/new/", {**form, "name": name})
        assert response.status_code == 400 and REFUSED % character in response.content.decode()
    assert Member.objects.filter(household__number="H001").count() == 3
    added = client.post("/registry/households/H001/members/new/", {**form, "name": "王小花"})
    assert added.status_code == 302 and Member.objects.filter(name="王小花").exists()


def test_the_page_refuses_such_a_reason(register: RegisterHousehold, own: User) -> None:
    household = register("H001")
    response = client_for(own).post(
        "/registry/households/H001/edit/",
        {"version": household.version, "category": "dibao", "reason": "更正\u2066"},
    )
    assert response.status_code == 400 and REFUSED % "U+2066" in response.content.decode()
    household.refresh_from_db()
    assert household.category == "general" and household.version == 1


def test_the_api_refuses_such_text_in_a_member_and_a_household(
    register: RegisterHousehold, own: User
) -> None:
    register("H001")
    baby = make_id("130126", date(2024, 5, 1), 41, female=True)
    for name in (REVERSED, HIDDEN, "王\x00小花", "王小花\n", "\ufeff王小花", "王\u061c小花"):
        member = _api(
            own,
            "post",
            "/households/H001/members?reason=新生儿",
            {"name": name, "id_number": baby, "relation": "daughter"},
        )
        assert member.status_code == 422, name
    assert (
        _api(
            own,
            "post",
            "/households/H001/members?reason=新生\u202a儿",
            {"name": "王小花", "id_number": baby, "relation": "daughter"},
        ).status_code
        == 422
    )
    head = make_id("130126", date(1975, 1, 2), 31, female=False)
    household = {
        "number": "130126100201\u200b001",
        "village": "130126100201",
        "population_type": "registered",
        "reason": "新识别",
        "members": [{"name": "孙立", "id_number": head, "relation": "head"}],
    }
    assert _api(own, "post", "/households", household).status_code == 422
    assert Member.objects.filter(household__number="H001").count() == 3 and Household.objects.count() == 1
    added = _api(
        own,
        "post",
        "/households/H001/members?reason=新生儿",
        {"name": "王小花", "id_number": baby, "relation": "daughter"},
    )
    assert added.status_code == 201


def _blank_rows(path: Path, count: int) -> Path:
    """The template's three sheets with their headers and `count` rows that hold only blanks."""
    book = xlsxwriter.Workbook(str(path))
    for name, columns in (
        ("户信息", HOUSEHOLD_COLUMNS),
        ("成员信息", MEMBER_COLUMNS),
        ("收入信息", INCOME_COLUMNS),
    ):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, _headers(columns))
        for row in range(1, count + 1):
            sheet.write_string(row, 0, " ")
    book.close()
    return path


def test_a_workbook_without_data_rows_is_refused(tree: object, own: User, tmp_path: Path) -> None:
    for path in (workbook(tmp_path / "headers.xlsx", [], []), _blank_rows(tmp_path / "blank.xlsx", 5000)):
        result = import_registry(path, actor=own).as_dict()
        assert result["ok"] is False and result["households"] == 0
        assert result["errors"] == [
            {"sheet": "户信息", "row": 0, "column": "", "value": "", "message": "工作表没有数据行。"}
        ]
        assert import_registry(path, actor=own, dry_run=True).ok is False
    assert not Household.objects.exists()
