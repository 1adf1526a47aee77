"""Identification and exit procedures: every step by its own office, the notice period from the policy and never
shorter, objections, proposals checked against the rules, the effect only at the announcement, lists all or
nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tuopin.accounts.models import User
from tuopin.administration.policy_services import policy_set
from tuopin.areas.models import Area, AreaYear
from tuopin.assessment.services import evaluation_record
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold
from tuopin.core.errors import StaleEdit
from tuopin.procedures.flows import Kind, State
from tuopin.procedures.models import Procedure, Step
from tuopin.procedures.services import (
    Proposal,
    notice_start,
    objection_record,
    objection_resolve,
    procedure_act,
    procedure_propose,
    procedure_withdraw,
    procedures_act,
    procedures_propose,
)
from tuopin.registry.models import Change, Household, Income
from tuopin.registry.services import household_update

pytestmark = pytest.mark.django_db
YEAR = 2019
VILLAGE = "130126100201"


@pytest.fixture
def offices(make_user: MakeUser, own: User) -> dict[str, User]:
    return {
        "village": make_user("cundong", "village", VILLAGE),
        "township": make_user("lingshouzhen", "township", "130126100"),
        "county": own,
        "city": make_user("shijiazhuang", "city", "1301"),
        "province": make_user("hebei", "province", "13"),
    }


def _ready(register: RegisterHousehold, number: str = "H001", net: str = "12000", **values: Any) -> Household:
    """A registered poor household of three that meets every exit check of 2019 (line 3,218)."""
    household = register(number, **{"water_safe": True, **values})
    Income.objects.create(
        household=household, year=YEAR, wage=Decimal(net), business=0, property_income=0, transfer=0, costs=0
    )
    return household


def _act(procedure: Procedure, actor: User | None, on: date, **data: Any) -> Procedure:
    procedure.refresh_from_db()
    note = data.pop("note", "")
    return procedure_act(
        actor=actor, procedure=procedure, version=procedure.version, on=on, data=data, note=note
    )


def _notice(procedure: Procedure, actor: User | None, on: date) -> Procedure:
    procedure.refresh_from_db()
    return notice_start(actor=actor, procedure=procedure, version=procedure.version, on=on)


def _exit_until_notice(household: Household, offices: dict[str, User]) -> Procedure:
    village = offices["village"]
    procedure = procedure_propose(
        actor=village, on=date(2019, 11, 1), proposal=Proposal(Kind.HOUSEHOLD_EXIT, YEAR, household=household)
    )
    _act(procedure, village, date(2019, 11, 3), attendance=25, votes_for=23, votes_against=1)
    _act(procedure, village, date(2019, 11, 4), agreed=True, signed_by="王建国")
    return _notice(procedure, village, date(2019, 11, 5))


def test_a_household_exits_step_by_step_and_only_the_announcement_changes_its_status(
    register: RegisterHousehold, offices: dict[str, User]
) -> None:
    household = _ready(register)
    procedure = _exit_until_notice(household, offices)
    assert procedure.notice_ends_on == date(2019, 11, 12)  # 7 days from the national profile
    _act(procedure, offices["village"], date(2019, 11, 12))
    _act(procedure, offices["township"], date(2019, 11, 14), approve=True)
    _act(procedure, offices["county"], date(2019, 11, 20), approve=True)
    household.refresh_from_db()
    assert (household.status, household.exit_year) == (
        "poor",
        None,
    )  # nothing changes before the announcement
    _act(procedure, offices["county"], date(2019, 11, 25), document="灵扶贫〔2019〕12号")
    procedure.refresh_from_db()
    household.refresh_from_db()
    assert procedure.state == State.ANNOUNCED and procedure.closed_on == date(2019, 11, 25)
    assert (household.status, household.exit_year) == ("exited_policy", 2019)
    assert [s.code for s in procedure.steps.all()] == [
        "appraisal",
        "consent",
        "village_notice",
        "township_review",
        "county_review",
        "county_announcement",
    ]
    assert [s.actor for s in procedure.steps.all()] == [
        "cundong",
        "cundong",
        "cundong",
        "lingshouzhen",
        "lingshou",
        "lingshou",
    ]
    change = Change.objects.get(household=household, action="status")
    assert change.fields == {"status": ["poor", "exited_policy"], "exit_year": [None, 2019]}
    assert "灵扶贫〔2019〕12号" in change.reason and change.actor == "lingshou"
    assert AuditEvent.objects.filter(action="procedure.act", object_id=str(procedure.pk)).count() == 6
    assert procedure.evidence["may_exit"] is True  # the decision it was proposed on is kept


def test_the_notice_cannot_be_closed_before_its_days_are_up(
    register: RegisterHousehold, offices: dict[str, User]
) -> None:
    procedure = _exit_until_notice(_ready(register), offices)
    with pytest.raises(ValidationError, match="不能提前结束"):
        _act(procedure, offices["village"], date(2019, 11, 11))
    _act(procedure, offices["village"], date(2019, 11, 12))
    assert procedure.current is not None and procedure.current.code == "township_review"


def test_the_notice_period_is_the_policy_value_of_the_province(
    register: RegisterHousehold, offices: dict[str, User]
) -> None:
    policy_set(actor=None, key="notice_days", year=2019, value="10", province="13", source="省定公示期")
    procedure = _exit_until_notice(_ready(register), offices)
    assert procedure.notice_ends_on == date(2019, 11, 15)
    with pytest.raises(ValidationError):
        _act(procedure, offices["village"], date(2019, 11, 14))


def test_each_step_is_done_by_its_own_office_in_scope(
    register: RegisterHousehold, offices: dict[str, User], make_user: MakeUser, neighbour: User
) -> None:
    household = _ready(register)
    for outsider in (offices["township"], offices["county"], make_user("xicun", "village", "130126100202")):
        with pytest.raises(PermissionDenied):
            procedure_propose(
                actor=outsider,
                on=date(2019, 11, 1),
                proposal=Proposal(Kind.HOUSEHOLD_EXIT, YEAR, household=household),
            )
    assert not Procedure.objects.exists()
    procedure = _exit_until_notice(household, offices)
    _act(procedure, offices["village"], date(2019, 11, 12))
    for wrong in (offices["village"], offices["county"], neighbour):
        with pytest.raises(PermissionDenied):
            _act(procedure, wrong, date(2019, 11, 14), approve=True)
    denied = AuditEvent.objects.filter(action="procedure.act", result="denied", object_id=str(procedure.pk))
    assert denied.count() == 3
    procedure.refresh_from_db()
    assert procedure.current is not None and procedure.current.code == "township_review"


def test_an_objection_holds_the_notice_and_an_upheld_one_rejects(
    register: RegisterHousehold, offices: dict[str, User]
) -> None:
    household = _ready(register)
    procedure = _exit_until_notice(household, offices)
    village = offices["village"]
    with pytest.raises(ValidationError, match="日期"):  # not before the notice began
        objection_record(actor=village, procedure=procedure, raised_on=date(2019, 11, 4), content="收入不实")
    objection = objection_record(
        actor=village,
        procedure=procedure,
        raised_on=date(2019, 11, 7),
        raised_by="村民张三",
        content="该户有家庭成员在外务工收入未如实申报",
    )
    with pytest.raises(ValidationError, match="异议尚未核实"):
        _act(procedure, village, date(2019, 11, 12))
    procedure.refresh_from_db()
    objection_resolve(
        actor=village,
        objection=objection,
        version=procedure.version,
        resolved_on=date(2019, 11, 9),
        upheld=True,
        resolution="经核实，该户收入核算有误，需重新核算",
    )
    procedure.refresh_from_db()
    household.refresh_from_db()
    assert procedure.state == State.REJECTED and "异议成立" in procedure.outcome
    assert household.status == "poor"
    with pytest.raises(ValidationError, match="已办结"):
        _act(procedure, village, date(2019, 11, 12))


def test_a_dismissed_objection_lets_the_notice_close(
    register: RegisterHousehold, offices: dict[str, User]
) -> None:
    procedure = _exit_until_notice(_ready(register), offices)
    village = offices["village"]
    objection = objection_record(
        actor=village, procedure=procedure, raised_on=date(2019, 11, 6), content="有疑问"
    )
    procedure.refresh_from_db()
    objection_resolve(
        actor=village,
        objection=objection,
        version=procedure.version,
        resolved_on=date(2019, 11, 8),
        upheld=False,
        resolution="经入户核实，收入属实",
    )
    _act(procedure, village, date(2019, 11, 12))
    step = Step.objects.get(procedure=procedure, code="village_notice")
    assert step.passed and step.data == {"started_on": "2019-11-05", "ends_on": "2019-11-12", "objections": 1}


def test_a_proposal_must_meet_the_rule_of_the_year(
    register: RegisterHousehold, offices: dict[str, User]
) -> None:
    poor = _ready(register, "H001", net="9654.00")  # exactly the line × 3: not above it
    with pytest.raises(ValidationError, match=r"不符合退出条件.*人均纯收入 3218\.00 元"):
        procedure_propose(
            actor=offices["village"],
            on=date(2019, 11, 1),
            proposal=Proposal(Kind.HOUSEHOLD_EXIT, YEAR, household=poor),
        )
    unsafe = _ready(register, "H002", housing_safety="D")
    with pytest.raises(ValidationError, match="住房安全等级 D"):
        procedure_propose(
            actor=offices["village"],
            on=date(2019, 11, 1),
            proposal=Proposal(Kind.HOUSEHOLD_EXIT, YEAR, household=unsafe),
        )
    assert not Procedure.objects.exists()


def test_one_open_procedure_per_household(register: RegisterHousehold, offices: dict[str, User]) -> None:
    household = _ready(register)
    procedure_propose(
        actor=offices["village"],
        on=date(2019, 11, 1),
        proposal=Proposal(Kind.HOUSEHOLD_EXIT, YEAR, household=household),
    )
    with pytest.raises(ValidationError, match="已有办理中的程序"):
        procedure_propose(
            actor=offices["village"], proposal=Proposal(Kind.HOUSEHOLD_EXIT, YEAR, household=household)
        )
    assert Procedure.objects.count() == 1


def test_a_failed_appraisal_or_refused_consent_ends_the_procedure(
    register: RegisterHousehold, offices: dict[str, User]
) -> None:
    village = offices["village"]
    first = procedure_propose(
        actor=village,
        on=date(2019, 11, 1),
        proposal=Proposal(Kind.HOUSEHOLD_EXIT, YEAR, household=_ready(register, "H001")),
    )
    with pytest.raises(ValidationError, match="不能超过参会人数"):
        _act(first, village, date(2019, 11, 3), attendance=20, votes_for=15, votes_against=6)
    _act(
        first, village, date(2019, 11, 3), attendance=20, votes_for=10, votes_against=8
    )  # 10 of 20: no majority
    first.refresh_from_db()
    assert first.state == State.REJECTED and "半数" in first.outcome
    second = procedure_propose(
        actor=village,
        on=date(2019, 11, 1),
        proposal=Proposal(Kind.HOUSEHOLD_EXIT, YEAR, household=_ready(register, "H002")),
    )
    _act(second, village, date(2019, 11, 3), attendance=20, votes_for=18, votes_against=0)
    _act(second, village, date(2019, 11, 4), agreed=False)
    second.refresh_from_db()
    assert second.state == State.REJECTED and second.outcome == "农户不认可退出。"


def test_a_review_that_rejects_needs_an_opinion(
    register: RegisterHousehold, offices: dict[str, User]
) -> None:
    procedure = _exit_until_notice(_ready(register), offices)
    _act(procedure, offices["village"], date(2019, 11, 12))
    with pytest.raises(ValidationError):
        _act(procedure, offices["township"], date(2019, 11, 13), approve=False)
    _act(procedure, offices["township"], date(2019, 11, 13), approve=False, note="抽查发现收入核算不完整")
    procedure.refresh_from_db()
    assert procedure.state == State.REJECTED and procedure.outcome == "抽查发现收入核算不完整"


def test_dates_run_forward_and_never_into_the_future(
    register: RegisterHousehold, offices: dict[str, User]
) -> None:
    procedure = procedure_propose(
        actor=offices["village"],
        on=date(2019, 11, 1),
        proposal=Proposal(Kind.HOUSEHOLD_EXIT, YEAR, household=_ready(register)),
    )
    with pytest.raises(ValidationError, match="早于上一步骤"):
        _act(procedure, offices["village"], date(2019, 10, 30), attendance=10, votes_for=9, votes_against=0)
    with pytest.raises(ValidationError, match="晚于今天"):
        _act(procedure, offices["village"], date(2099, 1, 1), attendance=10, votes_for=9, votes_against=0)


def test_a_stale_step_is_refused(register: RegisterHousehold, offices: dict[str, User]) -> None:
    procedure = procedure_propose(
        actor=offices["village"],
        on=date(2019, 11, 1),
        proposal=Proposal(Kind.HOUSEHOLD_EXIT, YEAR, household=_ready(register)),
    )
    seen = procedure.version
    procedure_act(
        actor=offices["village"],
        procedure=procedure,
        version=seen,
        on=date(2019, 11, 3),
        data={"attendance": 10, "votes_for": 9, "votes_against": 0},
    )
    again = Procedure.objects.get(pk=procedure.pk)
    again.position = 0  # a second tab still showing the appraisal
    with pytest.raises(StaleEdit):
        procedure_act(
            actor=offices["village"],
            procedure=again,
            version=seen,
            on=date(2019, 11, 3),
            data={"attendance": 10, "votes_for": 9, "votes_against": 0},
        )
    assert Step.objects.filter(procedure=procedure).count() == 1


def test_status_fields_change_only_through_procedures(register: RegisterHousehold) -> None:
    household = register("H001")
    with pytest.raises(ValidationError, match="识别和退出程序"):
        household_update(
            actor=None,
            household=household,
            version=household.version,
            values={"status": "exited_policy", "exit_year": 2019},
            reason="直接改",
        )
    household.refresh_from_db()
    assert household.status == "poor" and not Change.objects.filter(action="update").exists()


def test_the_proposer_may_withdraw(register: RegisterHousehold, offices: dict[str, User]) -> None:
    procedure = procedure_propose(
        actor=offices["village"],
        on=date(2019, 11, 1),
        proposal=Proposal(Kind.HOUSEHOLD_EXIT, YEAR, household=_ready(register)),
    )
    with pytest.raises(PermissionDenied):
        procedure_withdraw(
            actor=offices["county"], procedure=procedure, version=procedure.version, reason="x"
        )
    procedure_withdraw(
        actor=offices["village"], procedure=procedure, version=procedure.version, reason="收入数据待复核"
    )
    procedure.refresh_from_db()
    assert procedure.state == State.WITHDRAWN and procedure.outcome == "收入数据待复核"


def test_an_applicant_is_identified_through_two_notices(
    register: RegisterHousehold, offices: dict[str, User]
) -> None:
    applicant = _ready(
        register, "H001", net="6000", population_type="ordinary", status="", identification_year=None
    )
    well_off = _ready(
        register, "H002", net="30000", population_type="ordinary", status="", identification_year=None
    )
    village, township, county = offices["village"], offices["township"], offices["county"]
    with pytest.raises(ValidationError, match="不符合识别条件"):
        procedure_propose(
            actor=village,
            on=date(2019, 11, 1),
            proposal=Proposal(Kind.HOUSEHOLD_IDENTIFICATION, YEAR, household=well_off),
        )
    procedure = procedure_propose(
        actor=village,
        on=date(2019, 12, 1),
        proposal=Proposal(Kind.HOUSEHOLD_IDENTIFICATION, YEAR, household=applicant),
    )
    _act(procedure, village, date(2019, 12, 2), attendance=30, votes_for=28, votes_against=0)
    _notice(procedure, village, date(2019, 12, 3))
    _act(procedure, village, date(2019, 12, 10))
    _act(procedure, township, date(2019, 12, 11), approve=True)
    with pytest.raises(PermissionDenied):  # the second notice is the township's
        _notice(procedure, village, date(2019, 12, 12))
    _notice(procedure, township, date(2019, 12, 12))
    _act(procedure, township, date(2019, 12, 19))
    _act(procedure, county, date(2019, 12, 20), approve=True)
    _act(procedure, county, date(2019, 12, 25), document="灵扶贫〔2019〕20号")
    applicant.refresh_from_db()
    assert (applicant.population_type, applicant.status, applicant.identification_year) == (
        "registered",
        "poor",
        2019,
    )


def test_a_village_list_is_proposed_and_advanced_all_or_nothing(
    register: RegisterHousehold, offices: dict[str, User]
) -> None:
    ready = [_ready(register, f"H00{n}") for n in (1, 2, 3)]
    failing = _ready(register, "H009", net="3000")
    village = offices["village"]
    with pytest.raises(ValidationError) as refused:
        procedures_propose(actor=village, kind=Kind.HOUSEHOLD_EXIT, year=YEAR, households=[*ready, failing])
    assert list(refused.value.message_dict) == ["H009"]
    assert not Procedure.objects.exists()  # nothing kept
    proposed = procedures_propose(
        actor=village, kind=Kind.HOUSEHOLD_EXIT, year=YEAR, households=ready, on=date(2019, 11, 1)
    )
    pairs = [(p, p.version) for p in proposed]
    procedures_act(
        actor=village,
        procedures=pairs,
        on=date(2019, 11, 3),
        data={"attendance": 40, "votes_for": 35, "votes_against": 2},
    )
    assert Step.objects.filter(code="appraisal", passed=True).count() == 3
    stale = [(p, p.version - 1) for p in Procedure.objects.all()]  # the versions before the appraisal
    with pytest.raises(ValidationError):
        procedures_act(
            actor=village, procedures=stale, on=date(2019, 11, 4), data={"agreed": True, "signed_by": "户主"}
        )
    assert not Step.objects.filter(code="consent").exists()
    with pytest.raises(PermissionDenied):
        procedures_act(
            actor=offices["township"],
            on=date(2019, 11, 4),
            data={"agreed": True, "signed_by": "户主"},
            procedures=[(p, p.version) for p in Procedure.objects.all()],
        )


@pytest.fixture
def village_ready(register: RegisterHousehold, tree: dict[str, Area]) -> None:
    _ready(register, "H001")
    AreaYear.objects.create(area=tree[VILLAGE], year=YEAR, rural_population=400)
    AreaYear.objects.create(area=tree["130126"], year=YEAR, rural_population=100_000)


def test_a_village_exits_when_its_incidence_is_below_the_threshold(
    village_ready: None, register: RegisterHousehold, offices: dict[str, User]
) -> None:
    township, county = offices["township"], offices["county"]
    procedure = procedure_propose(
        actor=township, on=date(2019, 11, 1), proposal=Proposal(Kind.VILLAGE_EXIT, YEAR, area_code=VILLAGE)
    )
    assert procedure.evidence["incidence"] == 0.0 and procedure.evidence["may_exit"] is True
    _notice(procedure, township, date(2019, 11, 2))
    _act(procedure, township, date(2019, 11, 9))
    _act(procedure, county, date(2019, 11, 10), approve=True)
    _act(procedure, county, date(2019, 11, 11), document="灵政〔2019〕5号")
    procedure.refresh_from_db()
    assert procedure.state == State.ANNOUNCED
    other = "130126100202"  # 9 poor persons of 300: 3%
    for n in range(3):
        _ready(register, f"X{n}", village=other, net="3000")
    AreaYear.objects.create(area=Area.objects.get(code=other), year=YEAR, rural_population=300)
    with pytest.raises(ValidationError, match=r"不符合退出条件.*3\.00%"):
        procedure_propose(
            actor=township, on=date(2019, 11, 1), proposal=Proposal(Kind.VILLAGE_EXIT, YEAR, area_code=other)
        )


def test_a_county_needs_its_special_evaluation_at_the_province_check(
    village_ready: None, offices: dict[str, User]
) -> None:
    county, city, province = offices["county"], offices["city"], offices["province"]
    procedure = procedure_propose(
        actor=county, on=date(2019, 11, 1), proposal=Proposal(Kind.COUNTY_EXIT, YEAR, area_code="130126")
    )
    _act(procedure, city, date(2019, 11, 5), approve=True)
    with pytest.raises(ValidationError, match="待专项评估"):
        _act(procedure, province, date(2019, 11, 20), approve=True)
    evaluation_record(
        actor=None,
        county="130126",
        year=YEAR,
        evaluated_on=date(2019, 11, 15),
        evaluator="第三方",
        counts={
            "sampled_exited": 1000,
            "wrong_exits": 5,
            "sampled_unregistered": 500,
            "missed": 3,
            "surveyed_households": 300,
            "approving_households": 290,
        },
    )
    _act(procedure, province, date(2019, 11, 20), approve=True)
    _notice(procedure, province, date(2019, 11, 21))
    _act(procedure, province, date(2019, 11, 28))
    _act(procedure, province, date(2019, 12, 1), document="冀政字〔2019〕30号")
    procedure.refresh_from_db()
    assert procedure.state == State.ANNOUNCED
    check = Step.objects.get(procedure=procedure, code="province_evaluation")
    assert check.data["may_exit"] is True and check.data["incidence"] == 0.0
