"""Registry writes: history, audit, ID protection, one person one household, optimistic locking, scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.core.crypto import blind_index, decrypt
from tuopin.registry.idnumbers import ID_PATTERN, make_id
from tuopin.registry.models import Change, Member
from tuopin.registry.services import (
    MemberData,
    StaleEdit,
    household_move,
    household_update,
    income_set,
    member_add,
    member_remove,
)
from tuopin.registry.tests.conftest import RegisterHousehold

pytestmark = pytest.mark.django_db


def test_it_registers_a_household_with_its_members_history_and_audit(register: RegisterHousehold) -> None:
    household = register("H001")
    assert household.head is not None and household.head.name == "王建国"
    assert household.members.count() == 3
    change = Change.objects.get(household=household, action="register")
    assert change.reason == "建档立卡"
    assert change.fields["status"] == [None, "poor"]
    assert AuditEvent.objects.filter(action="registry.register", details__household="H001").exists()
    assert household.phone_masked == "138****5678"


def test_it_keeps_id_numbers_encrypted_with_a_blind_index(register: RegisterHousehold) -> None:
    household = register("H001")
    head = household.head
    assert head is not None
    full = decrypt(head.id_encrypted)
    assert ID_PATTERN.fullmatch(full)
    assert head.id_masked == full[:6] + "********" + full[-4:]
    assert head.id_index == blind_index(full)
    assert (head.sex, head.birth_date) == ("M", date(1970, 3, 5))


def test_a_raw_dump_of_the_database_holds_no_id_number(register: RegisterHousehold) -> None:
    households = [register("H001"), register("H002", village="130126100202", head="赵大山")]
    ids = [decrypt(m.id_encrypted) for h in households for m in h.members.all()]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dump = repr(cursor.fetchall())
            assert not any(full in dump or full[:17] in dump for full in ids), table


def test_one_person_belongs_to_one_household(register: RegisterHousehold) -> None:
    first = register("H001")
    head = first.head
    assert head is not None
    second = register("H002", village="130126100202", head="赵大山")
    with pytest.raises(ValidationError, match="一人只能属于一户"):
        member_add(
            actor=None,
            household=second,
            data=MemberData("王建国", decrypt(head.id_encrypted), "other"),
            reason="错误录入",
        )
    assert second.members.count() == 3


def test_it_refuses_an_invalid_id_number(register: RegisterHousehold) -> None:
    household = register("H001")
    bad = make_id("130126", date(1990, 1, 1), 7, female=True)[:-1] + "0"
    if bad == make_id("130126", date(1990, 1, 1), 7, female=True):
        bad = bad[:-1] + "1"
    with pytest.raises(ValidationError, match="校验"):
        member_add(actor=None, household=household, data=MemberData("新成员", bad, "daughter"), reason="出生")


def test_it_refuses_a_stale_edit(register: RegisterHousehold) -> None:
    household = register("H001")
    version = household.version
    household_update(
        actor=None, household=household, version=version, values={"housing_safety": "A"}, reason="改造"
    )
    with pytest.raises(StaleEdit):
        household_update(
            actor=None,
            household=household,
            version=version,
            values={"housing_safety": "C"},
            reason="另一人同时修改",
        )
    household.refresh_from_db()
    assert household.housing_safety == "A"
    change = Change.objects.get(household=household, action="update")
    assert change.fields == {"housing_safety": ["B", "A"]}


def test_it_needs_a_reason_for_every_change(register: RegisterHousehold) -> None:
    household = register("H001")
    with pytest.raises(ValidationError, match="原因"):
        household_update(
            actor=None,
            household=household,
            version=household.version,
            values={"housing_safety": "A"},
            reason=" ",
        )


def test_it_refuses_writes_outside_the_scope_and_by_read_only_roles(
    register: RegisterHousehold, neighbour: User, inspector: User
) -> None:
    household = register("H001")
    for actor in (neighbour, inspector):
        with pytest.raises(PermissionDenied):
            household_update(
                actor=actor,
                household=household,
                version=household.version,
                values={"housing_safety": "D"},
                reason="试图修改",
            )
    household.refresh_from_db()
    assert household.housing_safety == "B"
    assert not Change.objects.filter(household=household, action="update").exists()


def test_a_move_needs_both_villages_in_scope(register: RegisterHousehold, own: User) -> None:
    household = register("H001")
    with pytest.raises(PermissionDenied):
        household_move(actor=own, household=household, village_code="130127100201", reason="迁往高邑")
    moved = household_move(actor=own, household=household, village_code="130126100202", reason="村内搬迁")
    assert moved.village_id == "130126100202"
    assert Change.objects.get(household=household, action="move").fields == {
        "village_id": ["130126100201", "130126100202"]
    }


def test_removing_a_member_keeps_the_record_and_frees_the_person(register: RegisterHousehold) -> None:
    household = register("H001")
    son = household.members.get(relation="son")
    member_remove(actor=None, member=son, left_on=date(2024, 6, 1), reason="外出务工迁出")
    son.refresh_from_db()
    assert son.left_on == date(2024, 6, 1)
    other = register("H002", village="130126100202", head="赵大山")
    member_add(
        actor=None,
        household=other,
        data=MemberData("王小明", decrypt(son.id_encrypted), "son_in_law"),
        reason="婚入",
    )
    assert Member.objects.filter(id_index=son.id_index).count() == 2


def test_the_head_cannot_be_removed(register: RegisterHousehold) -> None:
    household = register("H001")
    assert household.head is not None
    with pytest.raises(ValidationError):
        member_remove(actor=None, member=household.head, left_on=date(2024, 1, 1), reason="去世")


def test_income_derives_net_and_records_history(register: RegisterHousehold) -> None:
    household = register("H001")
    amounts = {
        "wage": Decimal("8000"),
        "business": Decimal("3000"),
        "property_income": Decimal("200"),
        "transfer": Decimal("1500"),
        "costs": Decimal("1700"),
    }
    income = income_set(actor=None, household=household, year=2019, amounts=amounts, reason="年度收入核算")
    assert income.net == Decimal("11000")
    income_set(
        actor=None,
        household=household,
        year=2019,
        amounts={**amounts, "wage": Decimal("9000")},
        reason="更正",
    )
    change = Change.objects.get(household=household, action="income_update")
    assert change.fields == {"wage": ["8000.00", "9000.00"]}
    with pytest.raises(ValidationError):
        income_set(actor=None, household=household, year=2020, amounts={"wage": Decimal("-1")}, reason="x")


def test_key_rotation_reencrypts_every_id_and_keeps_lookups(
    register: RegisterHousehold, settings: object, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from django.core.management import call_command

    from tuopin.core.crypto import key_id_of

    household = register("H001")
    before = {m.pk: (decrypt(m.id_encrypted), m.id_index) for m in household.members.all()}
    call_command("keys", "rotate", "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["reencrypted"]["registry.Member"] == 3
    for member in Member.objects.all():
        assert key_id_of(member.id_encrypted) == result["key"]
        assert (decrypt(member.id_encrypted), member.id_index) == before[member.pk]
    assert AuditEvent.objects.filter(action="keys.rotate").exists()


def test_key_rotation_finds_every_encrypted_field_of_every_app() -> None:
    """Found through the app registry (no app named in the command): the four models that hold encrypted values."""
    from tuopin.registry.management.commands.keys import encrypted_fields

    assert [(model._meta.label, fields) for model, fields in encrypted_fields()] == [
        ("assistance.Pairing", ("helper_phone_encrypted",)),
        ("monitoring.SelfReport", ("phone_encrypted",)),
        ("registry.Household", ("phone_encrypted", "bank_account_encrypted")),
        ("registry.Member", ("id_encrypted",)),
    ]
