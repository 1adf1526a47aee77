"""Shared fixtures: a small division tree and the three personas every scoped page is tested with."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.test import Client

from tuopin.accounts.middleware import SIGNED_IN_AT_SESSION_KEY
from tuopin.accounts.models import User
from tuopin.accounts.services import UserFields, user_create
from tuopin.areas.codes import code_at, level_of, parent_code
from tuopin.areas.models import Area
from tuopin.registry.idnumbers import make_id
from tuopin.registry.models import Household
from tuopin.registry.services import MemberData, household_register

PASSWORD = "correct-horse-battery-staple"

# 2 cities x 2 counties x (1 township x 2 villages), with real Hebei codes and names.
TREE = {
    "13": "河北省",
    "1301": "石家庄市",
    "130126": "灵寿县",
    "130126100": "灵寿镇",
    "130126100201": "城东村",
    "130126100202": "城西村",
    "130127": "高邑县",
    "130127100": "高邑镇",
    "130127100201": "东关村",
    "130127100202": "西关村",
    "1307": "张家口市",
    "130722": "张北县",
    "130722100": "张北镇",
    "130722100201": "北村",
    "130722100202": "南村",
    "130724": "沽源县",
    "130724100": "平定堡镇",
    "130724100201": "东村",
    "130724100202": "西村",
}


@pytest.fixture
def tree(db: None) -> dict[str, Area]:
    areas = {}
    for code, name in TREE.items():
        areas[code] = Area.objects.create(
            code=code, name=name, level=level_of(code), parent_id=parent_code(code)
        )
    return areas


MakeUser = Callable[..., User]


@pytest.fixture
def make_user(tree: dict[str, Area]) -> MakeUser:
    def make(username: str, role: str, *areas: str, manage: bool = False) -> User:
        fields = UserFields(role=role, area_codes=list(areas), can_manage_users=manage, full_name=username)
        return user_create(actor=None, username=username, password=PASSWORD, fields=fields)

    return make


@pytest.fixture
def own(make_user: MakeUser) -> User:
    """A county office user of 灵寿县 (130126)."""
    return make_user("lingshou", "county", "130126", manage=True)


@pytest.fixture
def neighbour(make_user: MakeUser) -> User:
    """A county office user of the neighbouring 高邑县 (130127)."""
    return make_user("gaoyi", "county", "130127", manage=True)


@pytest.fixture
def inspector(make_user: MakeUser) -> User:
    return make_user("inspector", "inspector", "130126")


def write_workbook(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    """A real .xlsx with one sheet per entry, the first row its headers: text cells as text (so "0012" stays),
    numbers and dates as themselves, None left blank."""
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        page = book.add_worksheet(name)
        for number, row in enumerate(rows):
            for column, value in enumerate(row):
                if isinstance(value, str):
                    page.write_string(number, column, value)
                elif value is not None:
                    page.write(number, column, value)
    book.close()
    return path


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SIGNED_IN_AT_SESSION_KEY] = time.time()
    session.save()
    return client


RegisterHousehold = Callable[..., Household]


@pytest.fixture
def register(tree: dict[str, Area]) -> RegisterHousehold:
    """Register a household of three (head, spouse, school-age child) in a village, as the command line would."""
    serial = iter(range(1, 99))

    def make(number: str, village: str = "130126100201", head: str = "王建国", **values: object) -> Household:
        county = code_at(village, "county")
        members = [
            MemberData(
                head,
                make_id(county, date(1970, 3, 5), next(serial), female=False),
                "head",
                {"labour": "normal", "medical_insurance": True},
            ),
            MemberData(
                "李秀英",
                make_id(county, date(1972, 8, 9), next(serial), female=True),
                "spouse",
                {"health": "chronic", "medical_insurance": True},
            ),
            MemberData(
                "王小明",
                make_id(county, date(2010, 9, 1), next(serial), female=False),
                "son",
                {"school_status": "primary", "medical_insurance": True},
            ),
        ]
        fields = {
            "category": "general",
            "population_type": "registered",
            "main_cause": "illness",
            "identification_year": 2014,
            "status": "poor",
            "housing_safety": "B",
            **values,
        }
        return household_register(
            actor=None,
            number=number,
            village_code=village,
            values=fields,
            members=members,
            reason="建档立卡",
            phone="13812345678",
        )

    return make
