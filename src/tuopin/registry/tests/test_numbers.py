"""Household numbers belong to their village: a number is the village's code and the household's own part, on every
path that gives one (registration, the API, a split, the import), and a refused number says nothing of whether
another village holds it."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tuopin.accounts.models import User
from tuopin.accounts.services import token_create
from tuopin.conftest import client_for
from tuopin.registry.demo import langfang_households, monitored_households, province_households
from tuopin.registry.idnumbers import make_id
from tuopin.registry.importers import import_registry
from tuopin.registry.models import Change, Household, Income
from tuopin.registry.services import household_number_problem, household_split
from tuopin.registry.tests.conftest import RegisterHousehold
from tuopin.registry.tests.test_import import household_row, member_row, workbook

pytestmark = pytest.mark.django_db

OWN_VILLAGE = "130126100201"  # 灵寿县 城东村, in `own`'s scope
THEIR_VILLAGE = "130127100201"  # 高邑县 东关村, the neighbour's
RULE = f"户编号须以本户所在村的村代码 {OWN_VILLAGE} 开头，后接本户序号。"


def _post(user: User, path: str, body: dict[str, Any]) -> Any:
    token = token_create(user=user, name="test")
    return Client().post(
        f"/api/v1{path}",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def _new_household(number: str, serial: int) -> dict[str, Any]:
    head = make_id("130126", date(1975, 1, 2), serial, female=False)
    return {
        "number": number,
        "village": OWN_VILLAGE,
        "population_type": "registered",
        "reason": "新识别",
        "members": [{"name": "孙立", "id_number": head, "relation": "head"}],
    }


def test_the_rule_wants_the_village_code_and_a_part_of_the_household_s_own() -> None:
    assert household_number_problem(f"{OWN_VILLAGE}001", OWN_VILLAGE) == ""
    assert household_number_problem(f"{OWN_VILLAGE}M0001", OWN_VILLAGE) == ""
    assert household_number_problem(f"{THEIR_VILLAGE}001", OWN_VILLAGE) == RULE
    assert household_number_problem(OWN_VILLAGE, OWN_VILLAGE) == RULE  # the village's code alone
    assert household_number_problem("H001", OWN_VILLAGE) == RULE


def test_it_creates_a_household_through_the_api_with_a_number_of_its_village(tree: object, own: User) -> None:
    created = _post(own, "/households", _new_household(f" {OWN_VILLAGE}007 ", 31))
    assert created.status_code == 201, created.content
    assert created.json()["number"] == f"{OWN_VILLAGE}007"
    household = Household.objects.get(number=f"{OWN_VILLAGE}007")
    assert household.village_id == OWN_VILLAGE and household.changes.get().action == "register"


def test_an_api_create_with_another_village_s_number_is_refused_without_saying_it_is_taken(
    register: RegisterHousehold, own: User
) -> None:
    register(f"{THEIR_VILLAGE}001", village=THEIR_VILLAGE, head="高大伟")
    taken = _post(own, "/households", _new_household(f"{THEIR_VILLAGE}001", 31))
    free = _post(own, "/households", _new_household(f"{THEIR_VILLAGE}002", 32))
    assert (taken.status_code, free.status_code) == (422, 422)
    assert taken.json() == free.json() == {"detail": "invalid", "messages": [RULE]}
    assert Household.objects.count() == 1  # only the neighbour's


def test_a_split_into_another_village_s_number_is_refused_without_saying_it_is_taken(
    register: RegisterHousehold, own: User
) -> None:
    household = register("H001")
    register(f"{THEIR_VILLAGE}001", village=THEIR_VILLAGE, head="高大伟")
    son = household.members.get(relation="son")
    messages = []
    for number in (f"{THEIR_VILLAGE}001", f"{THEIR_VILLAGE}002"):  # the one taken, one that is not
        with pytest.raises(ValidationError) as refused:
            household_split(
                actor=own,
                household=household,
                version=household.version,
                member_ids=[son.pk],
                number=number,
                head_id=son.pk,
                reason="分户",
            )
        messages.append(refused.value.messages)
    assert messages == [[RULE], [RULE]]
    son.refresh_from_db()
    assert son.household_id == household.pk and Household.objects.count() == 2
    assert not Change.objects.filter(action__startswith="split").exists()


def test_a_split_through_the_page_takes_a_number_of_the_village(
    register: RegisterHousehold, own: User
) -> None:
    household = register("H001")
    son = household.members.get(relation="son")
    client = client_for(own)
    url = "/registry/households/H001/split/"
    form = {"version": household.version, "members": [son.pk], "head": son.pk, "reason": "子女婚后另立户"}
    refused = client.post(url, {**form, "number": "H001-2"})
    assert refused.status_code == 400 and RULE in refused.content.decode()
    assert Household.objects.count() == 1
    done = client.post(url, {**form, "number": f"{OWN_VILLAGE}002"})
    assert done.status_code == 302
    new = Household.objects.get(number=f"{OWN_VILLAGE}002")
    assert new.village_id == OWN_VILLAGE and new.head_id == son.pk


def test_an_import_refuses_a_new_household_numbered_for_another_village(
    register: RegisterHousehold, own: User, tmp_path: Path
) -> None:
    register(f"{THEIR_VILLAGE}001", village=THEIR_VILLAGE, head="高大伟")
    head = make_id("130126", date(1968, 4, 2), 11, female=False)
    rows = {"taken": f"{THEIR_VILLAGE}001", "free": f"{THEIR_VILLAGE}002"}
    errors = {}
    for name, number in rows.items():
        path = workbook(
            tmp_path / f"{name}.xlsx",
            [household_row(number, OWN_VILLAGE, head)],
            [member_row(number, "张大勇", head, "户主")],
        )
        result = import_registry(path, actor=own).as_dict()
        assert not result["ok"]
        errors[name] = [(e["sheet"], e["row"], e["column"], e["message"]) for e in result["errors"]]
    assert errors["taken"] == errors["free"] == [("户信息", 2, "户编号", RULE)]
    assert Household.objects.count() == 1


def test_an_import_by_a_user_takes_numbers_of_the_village(tree: object, own: User, tmp_path: Path) -> None:
    head = make_id("130126", date(1968, 4, 2), 11, female=False)
    number = f"{OWN_VILLAGE}001"
    path = workbook(
        tmp_path / "good.xlsx",
        [household_row(number, OWN_VILLAGE, head)],
        [member_row(number, "张大勇", head, "户主")],
    )
    assert import_registry(path, actor=own).ok
    assert Household.objects.get(number=number).village_id == OWN_VILLAGE


def test_members_and_incomes_of_a_household_outside_the_scope_read_as_absent(
    register: RegisterHousehold, own: User, tmp_path: Path
) -> None:
    """The neighbour's household is answered as one that does not exist (not "not in your scope"), and nothing is
    written to it."""
    register(f"{THEIR_VILLAGE}001", village=THEIR_VILLAGE, head="高大伟")
    person = make_id("130126", date(1990, 4, 2), 21, female=True)
    found = {}
    for number in (f"{THEIR_VILLAGE}001", f"{THEIR_VILLAGE}002"):
        path = workbook(
            tmp_path / "rows.xlsx",
            [],
            [member_row(number, "刘桂兰", person, "配偶")],
            [[number, "2020", "9000", "0", "0", "0", "0"]],
        )
        result = import_registry(path, actor=own).as_dict()
        assert not result["ok"]
        found[number] = [(e["sheet"], e["column"], e["message"]) for e in result["errors"]]
    assert (
        found[f"{THEIR_VILLAGE}001"]
        == found[f"{THEIR_VILLAGE}002"]
        == [("成员信息", "户编号", "户信息中没有该户。"), ("收入信息", "户编号", "户信息中没有该户。")]
    )
    assert not Income.objects.exists()


def test_the_demo_numbers_follow_the_rule() -> None:
    rng = random.Random(7)
    villages = [OWN_VILLAGE, THEIR_VILLAGE]
    used: set[str] = set()
    drafts = [
        *province_households(rng, villages, 40, used),
        *province_households(rng, villages, 5, used, tag="P"),
        *monitored_households(rng, villages, 10, used),
        *langfang_households(rng, villages, used),
    ]
    assert len(drafts) > 2000
    refused = [
        d.household["number"]
        for d in drafts
        if household_number_problem(d.household["number"], d.household["village_id"])
    ]
    assert refused == []
