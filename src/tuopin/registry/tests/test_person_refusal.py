"""One person, one household, without telling a user where outside their scope a person is registered: in scope the
refusal names the household, outside it says only that the person cannot be added here, and is audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tuopin.accounts.models import User
from tuopin.accounts.services import token_create
from tuopin.audit.models import AuditEvent
from tuopin.conftest import client_for
from tuopin.core.crypto import decrypt
from tuopin.registry.importers import import_registry
from tuopin.registry.models import Household, Member
from tuopin.registry.services import MemberData, member_add
from tuopin.registry.tests.conftest import RegisterHousehold
from tuopin.registry.tests.test_import import member_row, workbook

pytestmark = pytest.mark.django_db

NEUTRAL = "此人不能加入本户。"


@pytest.fixture
def theirs(register: RegisterHousehold) -> Household:
    """The neighbouring county's household."""
    return register("H900", village="130127100201", head="高大伟")


def _their_person(theirs: Household) -> str:
    spouse = theirs.members.get(relation="spouse")
    return decrypt(spouse.id_encrypted)


def _refusals() -> list[tuple[str, str, str, dict[str, Any]]]:
    return [(e.action, e.actor, e.result, e.details) for e in AuditEvent.objects.filter(result="denied")]


def _api(user: User, method: str, path: str, body: dict[str, Any]) -> Any:
    token = token_create(user=user, name="test")
    return getattr(Client(), method)(
        f"/api/v1{path}",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_person_of_a_household_outside_the_scope_cannot_be_added_and_the_refusal_is_audited(
    register: RegisterHousehold, theirs: Household, own: User
) -> None:
    ours = register("H001")
    with pytest.raises(ValidationError) as refused:
        member_add(
            actor=own,
            household=ours,
            data=MemberData("李秀英", _their_person(theirs), "other"),
            reason="婚入",
        )
    assert refused.value.messages == [NEUTRAL]
    assert ours.members.count() == 3 and theirs.members.count() == 3
    assert _refusals() == [
        ("registry.member_add", "lingshou", "denied", {"household": "H001", "reason": "person_outside_scope"})
    ]
    event = AuditEvent.objects.get(result="denied")
    assert event.object_type == "member" and "********" in event.object_id  # masked, never the full number


def test_a_person_of_a_household_in_the_scope_is_refused_naming_the_household(
    register: RegisterHousehold, own: User
) -> None:
    ours, other = register("H001"), register("H002", village="130126100202", head="赵大山")
    person = decrypt(other.members.get(relation="spouse").id_encrypted)
    with pytest.raises(ValidationError) as refused:
        member_add(actor=own, household=ours, data=MemberData("李秀英", person, "other"), reason="婚入")
    (message,) = refused.value.messages
    assert "已在户 H002 中" in message and "一人只能属于一户" in message
    assert not AuditEvent.objects.filter(result="denied").exists()


def test_the_page_says_only_that_the_person_cannot_be_added(
    register: RegisterHousehold, theirs: Household, own: User
) -> None:
    register("H001")
    response = client_for(own).post(
        "/registry/households/H001/members/new/",
        {
            "name": "李秀英",
            "id_number": _their_person(theirs),
            "relation": "other",
            "ethnicity": "01",
            "health": "healthy",
            "reason": "婚入",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400 and NEUTRAL in page
    assert "H900" not in page and "另一户" not in page and "一人只能属于一户" not in page
    assert Member.objects.filter(household__number="H001").count() == 3
    assert [row[0] for row in _refusals()] == ["registry.member_add"]


def test_the_api_says_only_that_the_person_cannot_be_added(
    register: RegisterHousehold, theirs: Household, own: User
) -> None:
    register("H001")
    body = {"name": "李秀英", "id_number": _their_person(theirs), "relation": "other"}
    response = _api(own, "post", "/households/H001/members?reason=婚入", body)
    assert response.status_code == 422
    assert response.json() == {"detail": "invalid", "messages": [NEUTRAL]}
    assert Member.objects.filter(household__number="H001").count() == 3
    assert [row[0] for row in _refusals()] == ["registry.member_add"]


def test_an_api_registration_with_such_a_person_is_refused_the_same_way(theirs: Household, own: User) -> None:
    number = "130126100201001"
    body = {
        "number": number,
        "village": "130126100201",
        "population_type": "registered",
        "reason": "新识别",
        "members": [{"name": "李秀英", "id_number": _their_person(theirs), "relation": "head"}],
    }
    response = _api(own, "post", "/households", body)
    assert response.status_code == 422
    assert response.json()["messages"] == [NEUTRAL]
    assert not Household.objects.filter(number=number).exists()
    assert _refusals() == [
        ("registry.register", "lingshou", "denied", {"household": number, "reason": "person_outside_scope"})
    ]


def test_an_import_says_only_that_the_person_cannot_be_added_and_audits_it(
    register: RegisterHousehold, theirs: Household, own: User, tmp_path: Path
) -> None:
    register("H001")
    path = workbook(tmp_path / "in.xlsx", [], [member_row("H001", "李秀英", _their_person(theirs), "其他")])
    result = import_registry(path, actor=own, name="增员.xlsx").as_dict()
    assert not result["ok"]
    assert [(e["sheet"], e["row"], e["column"], e["message"]) for e in result["errors"]] == [
        ("成员信息", 2, "身份证号", NEUTRAL)
    ]
    assert "********" in result["errors"][0]["value"]
    assert Member.objects.filter(household__number="H001").count() == 3
    event = AuditEvent.objects.get(result="denied")
    assert (event.action, event.actor, event.object_id) == ("registry.import", "lingshou", "增员.xlsx")
    assert event.details["persons_outside_scope"] == 1
