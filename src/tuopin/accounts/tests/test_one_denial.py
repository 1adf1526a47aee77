"""Every refused write leaves exactly one denial row: written by the one check (accounts.permissions.write_required)
before the write's transaction opens, never again by the account middleware or the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from tuopin.accounts.middleware import AccountMiddleware
from tuopin.accounts.models import User
from tuopin.accounts.permissions import WriteRefused, write_required
from tuopin.administration.policy_services import policy_set
from tuopin.assessment.services import evaluation_record
from tuopin.assistance.services import plan_record
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold, client_for
from tuopin.monitoring.cases import Verification, case_open
from tuopin.procedures.flows import Kind
from tuopin.procedures.services import Proposal, procedure_propose
from tuopin.registry.models import Household
from tuopin.registry.services import household_update
from tuopin.supervision.services import question_ask

pytestmark = pytest.mark.django_db
VILLAGE = "130126100201"  # in 灵寿县, the scope of `own`; outside the scope of `neighbour` (高邑县)


def _denials() -> list[tuple[str, str, str, str]]:
    return [
        (e.action, e.actor, e.object_type, e.object_id)
        for e in AuditEvent.objects.filter(result="denied").order_by("seq")
    ]


def _refused(write: Callable[[], Any]) -> None:
    with pytest.raises(WriteRefused):
        write()


def test_a_refused_registry_write_leaves_one_denial_row(register: RegisterHousehold, neighbour: User) -> None:
    household = register("H001")
    _refused(
        lambda: household_update(
            actor=neighbour, household=household, version=household.version, values={"road": True}, reason="x"
        )
    )
    assert _denials() == [("access.denied", "gaoyi", "household", "H001")]
    assert AuditEvent.objects.get(result="denied").details == {"reason": "您无权修改该区划的数据。"}


def test_a_refused_monitoring_write_leaves_one_denial_row(
    register: RegisterHousehold, neighbour: User
) -> None:
    household = register("H001")
    visit = Verification(date(2024, 7, 1), "王五", True, "户主住院")
    _refused(
        lambda: case_open(
            actor=neighbour, household=household, type="sudden", risk_types=["illness"], verification=visit
        )
    )
    assert _denials() == [("monitoring.case", "gaoyi", "case", "H001")]


def test_a_refused_supervision_write_leaves_one_denial_row(neighbour: User) -> None:
    _refused(lambda: question_ask(actor=neighbour, area_code=VILLAGE, text="低保怎么申请？"))
    assert _denials() == [("qa.ask", "gaoyi", "question", "")]


def test_a_refused_assistance_write_leaves_one_denial_row(
    register: RegisterHousehold, neighbour: User
) -> None:
    household = register("H001")
    _refused(
        lambda: plan_record(
            actor=neighbour, household=household, year=2019, path="产业", measures=[], responsible="王五"
        )
    )
    assert _denials() == [("assistance.plan", "gaoyi", "plan", "H001")]


def test_a_refused_procedure_write_leaves_one_denial_row(
    register: RegisterHousehold, neighbour: User
) -> None:
    household = register("H001")
    proposal = Proposal(Kind.HOUSEHOLD_EXIT, 2019, household=household)
    _refused(lambda: procedure_propose(actor=neighbour, proposal=proposal, on=date(2019, 11, 1)))
    assert _denials() == [("procedure.propose", "gaoyi", "procedure", VILLAGE)]


def test_a_refused_assessment_write_leaves_one_denial_row(own: User) -> None:
    counts = dict.fromkeys(
        (
            "sampled_exited",
            "wrong_exits",
            "sampled_unregistered",
            "missed",
            "surveyed_households",
            "approving_households",
        ),
        0,
    )
    _refused(
        lambda: evaluation_record(
            actor=own,
            county="130126",
            year=2019,
            counts=counts,
            evaluated_on=date(2019, 12, 1),
            evaluator="第三方",
        )
    )
    assert _denials() == [("assessment.evaluation", "lingshou", "county", "130126")]


def test_a_refused_policy_write_leaves_one_denial_row(own: User) -> None:
    _refused(
        lambda: policy_set(
            actor=own, key="monitoring_line", year=2024, value="7000", province="13", source="冀2024监测线"
        )
    )
    assert _denials() == [("policy.set", "lingshou", "policy", "13:monitoring_line")]


def test_a_write_refused_on_a_page_is_audited_once_not_again_by_the_middleware(
    register: RegisterHousehold, own: User
) -> None:
    register("H001")
    response = client_for(own).post(
        "/registry/households/H001/move/", {"village": "130127100201", "reason": "投亲"}
    )
    assert response.status_code == 403
    assert Household.objects.get(number="H001").village_id == VILLAGE
    assert _denials() == [("access.denied", "lingshou", "household", "H001")]


def test_an_upload_refused_on_a_page_is_audited_once(make_user: MakeUser) -> None:
    village = make_user("cadre", "village", VILLAGE)  # writes, but villages upload no department data
    assert client_for(village).post("/feeds/upload/", {"source": "medical"}).status_code == 403
    assert _denials() == [("access.denied", "cadre", "feeds", "upload")]


def test_the_middleware_writes_a_denial_a_rollback_took_once_again(own: User, rf: RequestFactory) -> None:
    refusal = None
    try:
        with transaction.atomic():  # a caller's transaction around the refused write
            write_required(own, area_codes=["130127"], object_type="household", object_id="H9", message="no")
    except WriteRefused as error:
        refusal = error
    assert refusal is not None and _denials() == []
    request = rf.post("/registry/households/H9/")
    request.user = own
    middleware = AccountMiddleware(lambda request: HttpResponse())
    middleware.process_exception(request, refusal)
    middleware.process_exception(request, refusal)
    assert _denials() == [("access.denied", "lingshou", "household", "H9")]


def test_the_command_line_is_never_refused(register: RegisterHousehold) -> None:
    write_required(None, area_codes=["130127"], allowed=False, object_type="household", message="no")
    assert _denials() == []
