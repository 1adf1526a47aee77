"""The ledgers' services: append-only corrections, policy limits, coverage, plans, monitoring's catalogue measures,
idle funds on the page, the compliance command and the unit link."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from tuopin.accounts.models import User
from tuopin.assistance.funds import fund_entry_record, fund_entry_reverse, fund_source_get, loan_record
from tuopin.assistance.models import FundEntry, MeasureRecord, Pairing, PairingEnd, Plan, Visit
from tuopin.assistance.selectors import coverage_for, positions_for
from tuopin.assistance.services import measure_add, pairing_end, pairing_start, plan_record, unit_member_link
from tuopin.assistance.tests.conftest import OWN_VILLAGE, Ledger
from tuopin.assistance.visits import duty_record, visit_record
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold, client_for
from tuopin.monitoring.cases import Verification, case_open, measure_record
from tuopin.registry.models import Household, Member

pytestmark = pytest.mark.django_db
APP = Path(__file__).resolve().parents[1]


def test_no_code_path_updates_or_deletes_a_ledger_row() -> None:
    """Append-only by construction: the app's modules never save an existing row, update or delete."""
    writes = re.compile(r"\.(save|update|delete|bulk_update|update_or_create)\(")
    offenders = [
        f"{path.name}:{n}"
        for path in APP.glob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if writes.search(line)
    ]
    assert offenders == []


def test_corrections_are_new_rows(ledger: Ledger, own: User) -> None:
    household = Household.objects.get(number="H001")
    wrong = measure_add(
        actor=own, household=household, type="industry", on=date(2018, 5, 1), amount=Decimal(500)
    )
    right = measure_add(
        actor=own,
        household=household,
        type="industry",
        on=date(2018, 5, 1),
        amount=Decimal(50),
        supersedes=wrong,
    )
    with pytest.raises(ValidationError):
        measure_add(actor=own, household=household, type="industry", on=date(2018, 5, 1), supersedes=wrong)
    assert MeasureRecord.objects.count() == 2 and MeasureRecord.objects.get(pk=wrong.pk).amount == 500
    page = client_for(own).get("/assistance/households/H001/").content.decode()
    assert "50.00" in page and "500.00" not in page and right.pk
    entry = FundEntry.objects.get(project=ledger.projects["own"])
    reversal = fund_entry_reverse(actor=own, entry=entry, on=date(2018, 1, 5), note="重复录入")
    assert reversal.amount == -entry.amount and FundEntry.objects.get(pk=entry.pk).amount == entry.amount
    with pytest.raises(ValidationError):
        fund_entry_reverse(actor=own, entry=entry, on=date(2018, 1, 5), note="再次")
    pairing = ledger.pairings["own_cadre"]
    pairing_end(actor=own, pairing=pairing, valid_to=date(2019, 12, 31), reason="户已稳定脱贫")
    with pytest.raises(ValidationError):
        pairing_end(actor=own, pairing=pairing, valid_to=date(2020, 1, 31), reason="再次")
    assert PairingEnd.objects.count() == 1


def test_writes_outside_the_scope_are_refused_and_audited(ledger: Ledger, neighbour: User) -> None:
    household = Household.objects.get(number="H001")
    with pytest.raises(PermissionDenied):
        measure_add(actor=neighbour, household=household, type="industry", on=date(2018, 5, 1))
    with pytest.raises(PermissionDenied):
        visit_record(
            actor=neighbour,
            who="某人",
            on=date(2018, 5, 1),
            target_type="village",
            target_code=OWN_VILLAGE,
            purpose="走访",
        )
    assert AuditEvent.objects.filter(action="assistance.measure", result="denied").exists()
    assert AuditEvent.objects.filter(action="assistance.visit", result="denied").exists()


@pytest.mark.parametrize(
    ("amount", "months", "ok"),
    [("50000", 36, True), ("50000.01", 36, False), ("50000", 37, False), ("0", 12, False)],
)
def test_loans_keep_to_the_policy_limits(ledger: Ledger, amount: str, months: int, ok: bool) -> None:
    household = Household.objects.get(number="H001")

    def record() -> object:
        return loan_record(
            actor=None,
            household=household,
            borrower="王建国",
            lender="信用社",
            amount=Decimal(amount),
            term_months=months,
            issued_on=date(2018, 4, 1),
        )

    if ok:
        record()
    else:
        with pytest.raises(ValidationError):
            record()


def test_coverage_lists_who_lacks_a_cadre_or_a_village_post(
    ledger: Ledger, own: User, register: RegisterHousehold
) -> None:
    register("H003", village=OWN_VILLAGE)
    register("H004", village=OWN_VILLAGE, population_type="ordinary", status="")
    register("H005", village=OWN_VILLAGE, status="exited")
    result = coverage_for(own, on=date(2018, 6, 1))
    assert [h.number for h in result.households] == ["H003"] and result.households_total == 1
    assert result.villages == [
        {"code": OWN_VILLAGE, "name": "城东村", "task_force": False, "first_secretary": False}
    ]
    pairing_end(actor=own, pairing=ledger.pairings["own_cadre"], valid_to=date(2018, 5, 31), reason="调离")
    assert [h.number for h in coverage_for(own, on=date(2018, 6, 1)).households] == ["H001", "H003"]
    assert [h.number for h in coverage_for(own, on=date(2018, 5, 31)).households] == ["H003"]
    for kind, name in (("task_force", "驻村工作队长"), ("first_secretary", "吴书记")):
        pairing_start(
            actor=own, kind=kind, area_code=OWN_VILLAGE, helper_name=name, valid_from=date(2018, 1, 1)
        )
    assert coverage_for(own, on=date(2018, 6, 1)).villages == []


def test_a_monitored_household_needs_a_cadre_too(
    ledger: Ledger, own: User, register: RegisterHousehold
) -> None:
    monitored = register("H006", village=OWN_VILLAGE, population_type="ordinary", status="")
    case_open(
        actor=None,
        household=monitored,
        type="marginal",
        risk_types=["illness"],
        verification=Verification(date(2024, 7, 1), "王五", True, "户主住院"),
    )
    assert "H006" in [h.number for h in coverage_for(own, on=date(2024, 8, 1)).households]


def test_a_plan_is_grouped_by_labour_and_a_new_plan_supersedes_the_old(ledger: Ledger, own: User) -> None:
    household = Household.objects.get(number="H001")
    first = plan_record(
        actor=own,
        household=household,
        year=2018,
        path="发展养殖增收",
        measures=["industry"],
        responsible="赵帮扶",
    )
    assert first.labour_group == "with_labour"
    Member.objects.filter(household=household).update(labour="lost")  # test set-up, not an app path
    second = plan_record(
        actor=own,
        household=household,
        year=2019,
        path="资产收益和兜底",
        measures=["dibao", "dividend"],
        responsible="赵帮扶",
    )
    assert (
        second.labour_group == "weak_labour"
        and second.supersedes == first
        and second.measures == ["dibao", "dividend"]
    )
    assert list(Plan.objects.filter(successor__isnull=True, household=household)) == [second]
    with pytest.raises(ValidationError):
        plan_record(
            actor=own, household=household, year=2019, path="x", measures=["unknown"], responsible="y"
        )


def test_a_case_measure_takes_a_catalogue_type_and_lands_in_the_household_ledger(
    ledger: Ledger, own: User, register: RegisterHousehold
) -> None:
    household = register("H007", village=OWN_VILLAGE, population_type="ordinary", status="")
    case = case_open(
        actor=None,
        household=household,
        type="marginal",
        risk_types=["illness"],
        verification=Verification(date(2024, 7, 1), "王五", True, "户主住院"),
    )
    event = measure_record(
        actor=None, case=case, on=date(2024, 7, 5), type="medical", text="大病保险报销", amount=Decimal(3000)
    )
    record = MeasureRecord.objects.get(pk=event.data["record"])
    assert (record.type, record.note, record.amount, record.household) == (
        "medical",
        "大病保险报销",
        3000,
        household,
    )
    legacy = measure_record(actor=None, case=case, on=date(2024, 7, 6), text="安排公益岗位，每月 800 元")
    assert legacy.data["measure"] == "public_post"
    with pytest.raises(ValidationError):
        measure_record(actor=None, case=case, on=date(2024, 7, 6), type="no_such_measure", text="x")


def test_the_projects_page_flags_idle_funds_at_the_policy_threshold(ledger: Ledger, own: User) -> None:
    project = ledger.projects["own"]  # 300,000 allocated on 2017-03-01, nothing disbursed
    assert positions_for([project], as_of=date(2018, 2, 28))[project.pk].idle is False
    assert positions_for([project], as_of=date(2018, 3, 1))[project.pk].idle is True
    source = fund_source_get(name="中央财政环保专项资金", level="central")
    fund_entry_record(
        actor=own,
        project=project,
        source=source,
        kind="disbursement",
        on=date(2017, 9, 1),
        amount=Decimal("150000"),
    )
    assert (
        positions_for([project], as_of=date(2018, 3, 1))[project.pk].idle is False
    )  # half is not under half
    page = client_for(own).get(f"/assistance/projects/{project.pk}/").content.decode()
    assert "150000.00" in page and 'data-testid="idle"' not in page


def test_the_compliance_command_prints_the_contract(ledger: Ledger, unit_user: User) -> None:
    out = StringIO()
    call_command("visits", "compliance", "--period", "2017", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "period": "2017",
        "duties": 4,
        "met": 2,
        "missed": [
            {"who": "孙司长", "target": OWN_VILLAGE, "period": "2017H2", "required": 1, "done": 0},
            {"who": "李司长", "target": "130127100201", "period": "2017H2", "required": 1, "done": 0},
        ],
    }
    out = StringIO()
    call_command("visits", "compliance", "--period", "2017H1", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"period": "2017H1", "duties": 2, "met": 2, "missed": []}
    out = StringIO()
    call_command("visits", "compliance", "--period", "2017H2", "--username", "planning", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "period": "2017H2",
        "duties": 1,
        "met": 0,
        "missed": [{"who": "孙司长", "target": OWN_VILLAGE, "period": "2017H2", "required": 1, "done": 0}],
    }
    duty_record(
        actor=None,
        who="扶贫办",
        target_type="county",
        target_code="130126",
        frequency="quarter",
        per_period=2,
        valid_from=date(2017, 1, 1),
        valid_to=date(2017, 12, 31),
    )
    visit_record(
        actor=None,
        who="扶 贫办",
        on=date(2017, 9, 30),
        target_type="village",
        target_code=OWN_VILLAGE,
        purpose="督导",
    )
    out = StringIO()
    call_command("visits", "compliance", "--period", "2017Q3", "--area", "130126", "--json", stdout=out)
    assert json.loads(out.getvalue())["missed"] == [
        {"who": "扶贫办", "target": "130126", "period": "2017Q3", "required": 2, "done": 1}
    ]
    assert Visit.objects.filter(who="扶贫办").exists()  # names are kept without spaces


def test_a_unit_link_is_made_by_a_manager_of_the_users_scope(
    ledger: Ledger, make_user: MakeUser, own: User
) -> None:
    far = make_user("far_unit", "unit", "130722")
    near = make_user("near_unit", "unit", "130126")
    with pytest.raises(PermissionDenied):
        unit_member_link(actor=own, user=far, unit=ledger.planning)
    unit_member_link(actor=own, user=near, unit=ledger.planning)
    with pytest.raises(ValidationError):
        unit_member_link(actor=None, user=own, unit=ledger.planning)
    assert Pairing.objects.filter(unit=ledger.planning).count() == 1


def test_units_are_added_and_linked_from_the_command_line(ledger: Ledger, make_user: MakeUser) -> None:
    make_user("ministry_user", "unit", "13")
    call_command("units", "add", "--name", "水生态环境司", "--kind", "department", "--parent", "环境保护部")
    call_command("units", "link", "--username", "ministry_user", "--unit", "环境保护部")
    out = StringIO()
    call_command("units", "list", "--json", stdout=out)
    listed = {row["name"]: row for row in json.loads(out.getvalue())}
    assert listed["水生态环境司"]["parent"] == "环境保护部" and listed["环境保护部"]["users"] == [
        "ministry_user"
    ]
    out = StringIO()
    call_command(
        "visits", "compliance", "--period", "2017H1", "--username", "ministry_user", "--json", stdout=out
    )
    assert json.loads(out.getvalue())["duties"] == 2  # the ministry's user sees both departments' duties
