"""The yearly adjustment's split (分户) and merge (合户): people keep their records, both households keep history,
stale or out-of-scope changes are refused, a merged household leaves lists and counts."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tuopin.accounts.models import User
from tuopin.conftest import client_for
from tuopin.core.errors import StaleEdit
from tuopin.registry.models import Change, Household, Member
from tuopin.registry.selectors import households_for
from tuopin.registry.services import household_merge, household_split
from tuopin.registry.tests.conftest import RegisterHousehold

pytestmark = pytest.mark.django_db


def _split_son(household: Household, actor: User | None = None, number: str = "H001-2") -> Household:
    son = household.members.get(relation="son")
    return household_split(
        actor=actor,
        household=household,
        version=household.version,
        member_ids=[son.pk],
        number=number,
        head_id=son.pk,
        reason="子女婚后另立户",
    )


def test_a_split_moves_members_into_a_new_household_with_history_on_both(register: RegisterHousehold) -> None:
    household = register("H001", category="dibao")
    son = household.members.get(relation="son")
    new = _split_son(household)
    son.refresh_from_db()
    assert son.household_id == new.pk and son.relation == "head" and new.head_id == son.pk
    assert (new.village_id, new.category, new.status) == (household.village_id, "dibao", "poor")
    assert list(household.members.values_list("relation", flat=True).order_by("id")) == ["head", "spouse"]
    split = Change.objects.get(household=household, action="split")
    assert split.fields["new_household"] == [None, "H001-2"] and split.reason == "子女婚后另立户"
    assert Change.objects.get(household=new, action="split_from").fields["from_household"] == [None, "H001"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"member_ids": "head"}, "户主不能分出"),
        ({"head_id": "spouse"}, "新户户主须是分出的成员之一"),
        ({"number": "H002"}, "户编号已存在"),
        ({"member_ids": "other"}, "请选择本户在册的成员"),
        ({"reason": " "}, "请填写变更原因"),
    ],
)
def test_a_split_that_cannot_be_done_is_refused_and_changes_nothing(
    register: RegisterHousehold, change: dict[str, str], message: str
) -> None:
    household, other = register("H001"), register("H002")
    people = {m.relation: m.pk for m in household.members.all()}
    arguments = {
        "member_ids": [people["son"]],
        "head_id": people["son"],
        "number": "H001-2",
        "reason": "分户",
    }
    if change.get("member_ids") == "head":
        arguments["member_ids"] = [people["head"], people["son"]]
    elif change.get("member_ids") == "other":
        arguments["member_ids"] = [other.members.get(relation="son").pk]
    elif "head_id" in change:
        arguments["head_id"] = people["spouse"]
    else:
        arguments.update(change)
    with pytest.raises(ValidationError, match=message):
        household_split(actor=None, household=household, version=household.version, **arguments)  # type: ignore[arg-type]
    assert Household.objects.count() == 2 and household.members.count() == 3


def test_a_stale_split_is_refused(register: RegisterHousehold) -> None:
    household = register("H001")
    son = household.members.get(relation="son")
    with pytest.raises(StaleEdit):
        household_split(
            actor=None,
            household=household,
            version=household.version - 1,
            member_ids=[son.pk],
            number="H001-2",
            head_id=son.pk,
            reason="分户",
        )
    assert not Household.objects.filter(number="H001-2").exists()


def test_a_merge_brings_every_member_and_closes_the_other_household(
    register: RegisterHousehold, own: User
) -> None:
    household, other = register("H001"), register("H002", head="赵大山")
    household_merge(
        actor=own, household=household, version=household.version, other_number="H002", reason="合户"
    )
    other.refresh_from_db()
    assert other.merged_into_id == household.pk and other.head_id is None
    assert household.members.filter(left_on__isnull=True).count() == 6
    assert household.members.get(name="赵大山").relation == "other"
    assert Change.objects.get(household=other, action="merged_into").fields["merged_into"] == [None, "H001"]
    households = households_for(own)
    assert households.count() == 1
    assert Member.objects.filter(household__in=households, left_on__isnull=True).count() == 6
    page = client_for(own).get("/registry/").content.decode()
    assert "H001" in page and "H002" not in page
    closed = client_for(own).get("/registry/households/H002/").content.decode()
    assert 'data-testid="merged"' in closed and "H001" in closed
    son = household.members.filter(relation="son").first()
    assert son is not None
    with pytest.raises(ValidationError, match="已并入户 H001"):
        household_split(
            actor=own,
            household=other,
            version=other.version,
            member_ids=[son.pk],
            number="H9",
            head_id=son.pk,
            reason="分户",
        )


def test_a_household_outside_the_scope_cannot_be_merged_in(
    register: RegisterHousehold, own: User, neighbour: User
) -> None:
    household, theirs = register("H001"), register("H900", village="130127100201", head="高大伟")
    with pytest.raises(ValidationError, match="找不到要并入的户"):
        household_merge(
            actor=own, household=household, version=household.version, other_number="H900", reason="合户"
        )
    with pytest.raises(PermissionDenied):
        household_merge(
            actor=neighbour,
            household=household,
            version=household.version,
            other_number="H900",
            reason="合户",
        )
    assert Member.objects.filter(household=theirs).count() == 3


def test_split_and_merge_through_the_pages(register: RegisterHousehold, own: User) -> None:
    household = register("H001")
    register("H002", head="赵大山")
    client = client_for(own)
    son = household.members.get(relation="son")
    form = client.get("/registry/households/H001/split/").content.decode()
    assert "王小明" in form and "王建国" not in form.split("分出的成员")[1].split("新户户主")[0]
    split = client.post(
        "/registry/households/H001/split/",
        {
            "version": household.version,
            "members": [son.pk],
            "head": son.pk,
            "number": "130126100201002",
            "reason": "子女婚后另立户",
        },
    )
    assert split.status_code == 302
    household.refresh_from_db()
    merged = client.post(
        "/registry/households/H001/merge/", {"version": household.version, "other": "H002", "reason": "合户"}
    )
    assert merged.status_code == 302
    stale = client.post(
        "/registry/households/H001/merge/",
        {"version": household.version, "other": "130126100201002", "reason": "合户"},
    )
    assert stale.status_code == 400 and "已被他人修改" in stale.content.decode()
    timeline = client.get("/registry/households/H001/").content.decode()
    assert "分户" in timeline and "合户" in timeline and "赵大山" in timeline
