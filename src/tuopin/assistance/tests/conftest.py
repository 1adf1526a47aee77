"""A small assistance ledger over the shared two-city tree: two departments of one ministry, each paired with a
village (灵寿县's 城东村 and 高邑县's 东关村), a cadre per household, projects with funds, a loan, duties and visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from tuopin.accounts.models import User
from tuopin.areas.models import Area, AreaYear
from tuopin.assistance.funds import fund_entry_record, fund_source_get, loan_record, project_record
from tuopin.assistance.models import HelpingUnit, Loan, Pairing, Project, WorkingGroup
from tuopin.assistance.services import pairing_start, plan_record, unit_create, unit_member_link
from tuopin.assistance.visits import duty_record, visit_record
from tuopin.conftest import MakeUser, RegisterHousehold

OWN_VILLAGE, OTHER_VILLAGE = "130126100201", "130127100201"


@dataclass
class Ledger:
    ministry: HelpingUnit
    planning: HelpingUnit  # paired with 城东村 (灵寿县)
    air: HelpingUnit  # paired with 东关村 (高邑县)
    pairings: dict[str, Pairing]
    projects: dict[str, Project]
    loans: dict[str, Loan]


@pytest.fixture
def ledger(tree: dict[str, Area], register: RegisterHousehold) -> Ledger:
    own, other = register("H001", village=OWN_VILLAGE), register("H002", village=OTHER_VILLAGE)
    ministry = unit_create(actor=None, name="环境保护部", kind="ministry")
    groups = [WorkingGroup.objects.create(unit=ministry, name=f"第{n}工作小组", number=n) for n in (1, 2)]
    planning = unit_create(actor=None, name="规划财务司", kind="department", parent=ministry, group=groups[0])
    air = unit_create(actor=None, name="大气环境管理司", kind="department", parent=ministry, group=groups[1])
    start = date(2017, 1, 1)
    pairings = {
        "own_unit": pairing_start(
            actor=None, kind="unit_village", area_code=OWN_VILLAGE, unit=planning, valid_from=start
        ),
        "other_unit": pairing_start(
            actor=None, kind="unit_village", area_code=OTHER_VILLAGE, unit=air, valid_from=start
        ),
        "own_cadre": pairing_start(
            actor=None,
            kind="cadre_household",
            household=own,
            helper_name="赵帮扶",
            helper_role="县扶贫办科员",
            phone="13912345678",
            valid_from=start,
        ),
        "other_cadre": pairing_start(
            actor=None, kind="cadre_household", household=other, helper_name="钱帮扶", valid_from=start
        ),
    }
    source = fund_source_get(name="中央财政环保专项资金", level="central")
    projects = {}
    for key, unit, village in (("own", planning, OWN_VILLAGE), ("other", air, OTHER_VILLAGE)):
        project = project_record(
            actor=None,
            year=2017,
            area_code=village,
            unit=unit,
            name=f"{unit.name}垃圾处理项目",
            funds=Decimal("300000"),
            content="垃圾收集点",
            implementer="县环保局",
            beneficiaries="全村",
            expected_effect="改善人居环境",
        )
        fund_entry_record(
            actor=None,
            project=project,
            source=source,
            kind="allocation",
            on=date(2017, 3, 1),
            amount=Decimal("300000"),
        )
        projects[key] = project
    loans = {
        key: loan_record(
            actor=None,
            household=h,
            borrower=f"{key}借款人",
            lender="农村信用社",
            amount=Decimal("50000"),
            term_months=36,
            issued_on=date(2017, 3, 1),
        )
        for key, h in (("own", own), ("other", other))
    }
    for who, unit, village in (("孙司长", planning, OWN_VILLAGE), ("李司长", air, OTHER_VILLAGE)):
        duty_record(
            actor=None,
            who=who,
            role="司长",
            unit_name=unit.name,
            target_type="village",
            target_code=village,
            frequency="half",
            valid_from=date(2017, 1, 1),
        )
        visit_record(
            actor=None,
            who=who,
            role="司长",
            unit_name=unit.name,
            on=date(2017, 5, 4),
            target_type="village",
            target_code=village,
            purpose=f"{unit.name}调研",
        )
    for household in (own, other):
        plan_record(
            actor=None,
            household=household,
            year=2017,
            path="发展产业",
            measures=["industry"],
            responsible="赵帮扶" if household is own else "钱帮扶",
        )
    for year in (2017, 2018):
        AreaYear.objects.create(area_id=OWN_VILLAGE, year=year, poor_village=True)
        AreaYear.objects.create(area_id=OTHER_VILLAGE, year=year, poor_village=True)
    return Ledger(ministry, planning, air, pairings, projects, loans)


@pytest.fixture
def unit_user(make_user: MakeUser, ledger: Ledger) -> User:
    """A user of 规划财务司: its area (张北县) has nothing to do with what it sees."""
    user = make_user("planning", "unit", "130722")
    unit_member_link(actor=None, user=user, unit=ledger.planning)
    return user
