"""Monitoring cases: opened with a signed authorisation, no elimination without a measure or for a household without
labour capacity, eliminated only through the procedure, reopened when the risk returns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from tuopin.accounts.models import User
from tuopin.administration.policy_services import policy_set
from tuopin.conftest import MakeUser, RegisterHousehold
from tuopin.monitoring.cases import Verification, case_open, elimination_check, measure_record
from tuopin.monitoring.models import Alert, AlertStatus, Case, CaseState
from tuopin.monitoring.services import screening_run
from tuopin.procedures.flows import Kind, State
from tuopin.procedures.services import Proposal, notice_start, procedure_act, procedure_propose
from tuopin.registry.models import Change, Household, Income, Member

pytestmark = pytest.mark.django_db
VILLAGE = "130126100201"
VISIT = Verification(date(2024, 7, 1), "驻村工作队 王五", True, "户主住院，家庭收入骤减")


@pytest.fixture
def offices(make_user: MakeUser, own: User) -> dict[str, User]:
    return {
        "village": make_user("cundong", "village", VILLAGE),
        "township": make_user("lingshouzhen", "township", "130126100"),
        "county": own,
    }


@pytest.fixture
def alert(register: RegisterHousehold, tmp_path: Path) -> Any:
    with override_settings(DATA_DIR=tmp_path):
        policy_set(
            actor=None, key="monitoring_line", year=2024, value="7000", province="13", source="冀2024监测线"
        )
        household = register(
            "H001", population_type="ordinary", status="", identification_year=None, water_safe=True
        )
        Income.objects.create(
            household=household,
            year=2023,
            wage=Decimal("9000"),
            business=0,
            property_income=0,
            transfer=0,
            costs=0,
        )
        screening_run(actor=None, as_of=date(2024, 6, 28))
        yield Alert.objects.get()


def test_a_case_needs_the_signed_authorisation_and_the_village_in_scope(
    alert: Alert, offices: dict[str, User], neighbour: User
) -> None:
    household = alert.household
    assert household is not None
    unsigned = Verification(date(2024, 7, 1), "王五", False, "户主住院")
    with pytest.raises(ValidationError, match="数据授权"):
        case_open(
            actor=offices["village"],
            household=household,
            type="sudden",
            risk_types=["illness"],
            verification=unsigned,
            alert=alert,
        )
    with pytest.raises(PermissionDenied):
        case_open(
            actor=neighbour, household=household, type="sudden", risk_types=["illness"], verification=VISIT
        )
    case = case_open(
        actor=offices["village"],
        household=household,
        type="sudden",
        risk_types=["illness"],
        verification=VISIT,
        alert=alert,
    )
    alert.refresh_from_db()
    household.refresh_from_db()
    assert alert.status == AlertStatus.CASE and alert.case == case and alert.concluded_on == date(2024, 7, 1)
    assert household.population_type == "monitored"
    assert Change.objects.get(household=household, action="status").fields == {
        "population_type": ["ordinary", "monitored"]
    }


def test_no_elimination_without_a_measure_or_without_labour(alert: Alert, offices: dict[str, User]) -> None:
    household = alert.household
    assert household is not None
    case = case_open(
        actor=offices["village"],
        household=household,
        type="sudden",
        risk_types=["illness"],
        verification=VISIT,
    )
    Income.objects.create(
        household=household,
        year=2024,
        wage=Decimal("30000"),
        business=0,
        property_income=0,
        transfer=0,
        costs=0,
    )
    failing = {c["check"] for c in elimination_check(case, date(2025, 2, 1))["checks"] if not c["ok"]}
    assert failing == {"measure"}
    measure_record(
        actor=offices["village"],
        case=case,
        on=date(2024, 8, 1),
        text="申请临时救助 3000 元",
        amount=Decimal("3000"),
    )
    assert elimination_check(case, date(2025, 2, 1))["ok"]
    assert {c["check"] for c in elimination_check(case, date(2024, 12, 31))["checks"] if not c["ok"]} == {
        "months"
    }
    Member.objects.filter(household=household).update(labour="lost")
    failing = {c["check"] for c in elimination_check(case, date(2025, 2, 1))["checks"] if not c["ok"]}
    assert failing == {"labour"}


def test_the_risk_is_eliminated_through_the_procedure_and_the_case_reopens(
    alert: Alert, offices: dict[str, User], tmp_path: Path
) -> None:
    household = alert.household
    assert household is not None
    village, township, county = offices["village"], offices["township"], offices["county"]
    case = case_open(
        actor=village, household=household, type="sudden", risk_types=["illness"], verification=VISIT
    )
    with pytest.raises(ValidationError, match="不符合风险消除条件"):
        procedure_propose(
            actor=village,
            on=date(2025, 2, 1),
            proposal=Proposal(Kind.RISK_ELIMINATION, 2025, household=household),
        )
    measure_record(actor=village, case=case, on=date(2024, 8, 1), text="安排公益岗位")
    Income.objects.create(
        household=household,
        year=2024,
        wage=Decimal("30000"),
        business=0,
        property_income=0,
        transfer=0,
        costs=0,
    )
    procedure = procedure_propose(
        actor=village,
        on=date(2025, 2, 1),
        proposal=Proposal(Kind.RISK_ELIMINATION, 2025, household=household),
    )
    procedure_act(
        actor=village,
        procedure=procedure,
        version=procedure.version,
        on=date(2025, 2, 3),
        data={"attendance": 20, "votes_for": 19, "votes_against": 0},
    )
    notice_start(actor=village, procedure=procedure, version=procedure.version, on=date(2025, 2, 5))
    assert procedure.notice_ends_on == date(2025, 2, 10)  # monitoring_notice_days: 5
    procedure_act(actor=village, procedure=procedure, version=procedure.version, on=date(2025, 2, 10))
    procedure_act(
        actor=township,
        procedure=procedure,
        version=procedure.version,
        on=date(2025, 2, 11),
        data={"approve": True},
    )
    procedure_act(
        actor=county,
        procedure=procedure,
        version=procedure.version,
        on=date(2025, 2, 12),
        data={"document": "灵防返贫〔2025〕3号"},
    )
    case.refresh_from_db()
    assert procedure.state == State.ANNOUNCED
    assert case.state == CaseState.ELIMINATED and case.eliminated_on == date(2025, 2, 12)
    assert Household.objects.get(pk=household.pk).population_type == "monitored"  # still watched, risk closed
    again = case_open(
        actor=village,
        household=household,
        type="unstable",
        risk_types=["disaster"],
        verification=Verification(date(2025, 8, 1), "王五", True, "洪灾房屋受损"),
    )
    assert again.pk == case.pk and again.state == CaseState.MONITORING and again.reopened == 1
    assert [e.kind for e in again.events.all()] == ["opened", "measure", "eliminated", "reopened"]
    assert Case.objects.count() == 1
