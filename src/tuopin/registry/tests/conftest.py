from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from tuopin.areas.models import Area
from tuopin.registry.idnumbers import make_id
from tuopin.registry.models import Household
from tuopin.registry.services import MemberData, household_register

RegisterHousehold = Callable[..., Household]


@pytest.fixture
def register(tree: dict[str, Area]) -> RegisterHousehold:
    """Register a household of three (head, spouse, school-age child) in a village, as the command line would."""
    serial = iter(range(1, 99))

    def make(number: str, village: str = "130126100201", head: str = "王建国", **values: object) -> Household:
        county = village[:6]
        members = [
            MemberData(head, make_id(county, date(1970, 3, 5), next(serial), female=False), "head",
                       {"labour": "normal", "medical_insurance": True}),
            MemberData("李秀英", make_id(county, date(1972, 8, 9), next(serial), female=True), "spouse",
                       {"health": "chronic", "medical_insurance": True}),
            MemberData("王小明", make_id(county, date(2010, 9, 1), next(serial), female=False), "son",
                       {"school_status": "primary", "medical_insurance": True}),
        ]  # fmt: skip
        fields = {"category": "general", "population_type": "registered", "main_cause": "illness",
                  "identification_year": 2014, "status": "poor", "housing_safety": "B", **values}  # fmt: skip
        return household_register(actor=None, number=number, village_code=village, values=fields, members=members,
                                  reason="建档立卡", phone="13812345678")  # fmt: skip

    return make
