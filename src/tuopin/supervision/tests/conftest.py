"""Fixtures of the supervision tests: the offices of 灵寿县 at three levels and an item factory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import count
from typing import Any

import pytest

from tuopin.accounts.models import User
from tuopin.conftest import MakeUser
from tuopin.supervision.models import Item
from tuopin.supervision.services import ItemData, item_create

TOWNSHIP = "130126100"
VILLAGE = "130126100201"


@pytest.fixture
def township(make_user: MakeUser) -> User:
    """The township office of 灵寿镇 (130126100): works its villages' items."""
    return make_user("lingshouzhen", "township", TOWNSHIP)


@pytest.fixture
def city(make_user: MakeUser) -> User:
    """The city office of 石家庄市 (1301): verifies its counties' items."""
    return make_user("shijiazhuang", "city", "1301")


MakeItem = Callable[..., Item]


@pytest.fixture
def make_item(tree: object) -> MakeItem:
    serial = count(1)

    def make(area: str = VILLAGE, deadline: date = date(2019, 9, 30), **values: Any) -> Item:
        fields: dict[str, Any] = {
            "number": f"ZG-{next(serial):03d}",
            "source": "national",
            "category": "idle_funds",
            "area_code": area,
            "description": "扶贫资金闲置",
            "unit": "灵寿镇政府",
            "person": "张三",
            "found_on": date(2019, 6, 1),
            "deadline": deadline,
            **values,
        }
        return item_create(actor=None, data=ItemData(**fields))

    return make
