"""Registry pages under the three personas; masking; audited search and reveal; edits with history."""

from __future__ import annotations

import pytest
from django.test import Client

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.core.crypto import decrypt
from tuopin.registry.idnumbers import ID_PATTERN
from tuopin.registry.models import Change, Household
from tuopin.registry.tests.conftest import RegisterHousehold

pytestmark = pytest.mark.django_db


@pytest.fixture
def households(register: RegisterHousehold) -> tuple[Household, Household]:
    return register("H001"), register("H900", village="130127100201", head="高大伟")


def test_the_list_shows_only_households_in_scope(households: object, own: User, neighbour: User) -> None:
    mine = client_for(own).get("/registry/").content.decode()
    theirs = client_for(neighbour).get("/registry/").content.decode()
    assert "H001" in mine and "H900" not in mine
    assert "H900" in theirs and "H001" not in theirs


@pytest.mark.parametrize(("number", "status"), [("H001", 200), ("H900", 404)])
def test_household_pages_follow_the_scope(
    households: object, own: User, inspector: User, number: str, status: int
) -> None:
    assert client_for(own).get(f"/registry/households/{number}/").status_code == status
    assert client_for(inspector).get(f"/registry/households/{number}/").status_code == status


def test_no_page_shows_a_full_id_number(
    households: object, own: User, inspector: User, make_user: MakeUser
) -> None:
    village = make_user("cadre", "village", "130126100201")
    for user in (own, inspector, village):
        client = client_for(user)
        for url in ("/registry/", "/registry/households/H001/", "/registry/?q=王"):
            body = client.get(url).content.decode()
            assert not ID_PATTERN.search(body), (user.username, url)


def test_search_by_full_id_finds_the_household_and_is_audited(
    households: tuple[Household, Household], own: User
) -> None:
    head = households[0].head
    assert head is not None
    full = decrypt(head.id_encrypted)
    response = client_for(own).post("/registry/", {"q": full}, follow=True)
    body = response.content.decode()
    assert "H001" in body
    assert head.id_masked in body
    assert full not in body
    assert all(full not in url for url, _status in response.redirect_chain)
    event = AuditEvent.objects.get(action="registry.search_id")
    assert event.object_id == head.id_masked


def test_search_by_id_does_not_cross_the_scope(households: tuple[Household, Household], own: User) -> None:
    head = households[1].head
    assert head is not None
    response = client_for(own).post("/registry/", {"q": decrypt(head.id_encrypted)}, follow=True)
    assert response.status_code == 200
    assert "H900" not in response.content.decode()
    assert "没有符合条件的贫困户" in response.content.decode()


def test_search_by_name_and_filters(households: object, own: User, register: RegisterHousehold) -> None:
    register("H002", village="130126100202", head="赵大山", category="dibao", main_cause="disability")
    client = client_for(own)
    assert "H002" in client.get("/registry/", {"q": "赵大山"}).content.decode()
    filtered = client.get("/registry/", {"category": "dibao"}).content.decode()
    assert "H002" in filtered and "H001" not in filtered
    by_cause = client.get("/registry/", {"cause": "illness"}).content.decode()
    assert "H001" in by_cause and "H002" not in by_cause


def test_the_list_runs_a_fixed_number_of_queries(
    register: RegisterHousehold, own: User, django_assert_num_queries: object
) -> None:
    for i in range(5):
        register(f"H10{i}")
    client = client_for(own)
    client.get("/registry/")  # warm the session
    with django_assert_num_queries(9):  # type: ignore[operator]
        client.get("/registry/")
    for i in range(5, 9):
        register(f"H10{i}", village="130126100202")
    with django_assert_num_queries(9):  # type: ignore[operator]
        client.get("/registry/")


def test_reveal_needs_a_reason_and_the_permission_and_is_audited(
    households: tuple[Household, Household], own: User, inspector: User
) -> None:
    head = households[0].head
    assert head is not None
    url = f"/registry/members/{head.pk}/reveal/"
    assert client_for(inspector).post(url, HTTP_HX_PROMPT="核查").status_code == 403
    assert client_for(own).post(url).status_code == 400
    response = client_for(own).post(url, HTTP_HX_PROMPT="核对低保申请")
    assert response.status_code == 200
    assert decrypt(head.id_encrypted) in response.content.decode()
    event = AuditEvent.objects.get(action="registry.reveal")
    assert event.details["reason"] == "核对低保申请"


def test_reveal_outside_the_scope_is_404(households: tuple[Household, Household], own: User) -> None:
    head = households[1].head
    assert head is not None
    assert client_for(own).post(f"/registry/members/{head.pk}/reveal/", HTTP_HX_PROMPT="x").status_code == 404


def _edit(client: Client, version: int, safety: str) -> int:
    data = {
        "version": version,
        "category": "general",
        "main_cause": "illness",
        "housing_safety": safety,
        "water_safe": "true",
        "reason": "危房改造验收",
    }
    return client.post("/registry/households/H001/edit/", data).status_code


def test_an_edit_lands_in_the_timeline(households: tuple[Household, Household], own: User) -> None:
    client = client_for(own)
    assert _edit(client, households[0].version, "A") == 302
    page = client.get("/registry/households/H001/").content.decode()
    assert "危房改造验收" in page
    assert "住房安全等级：B → A" in page
    assert Change.objects.filter(household=households[0], action="update").count() == 1


def test_a_stale_edit_is_refused_with_a_clear_message(
    households: tuple[Household, Household], own: User
) -> None:
    client = client_for(own)
    version = households[0].version
    assert _edit(client, version, "A") == 302
    response = client.post(
        "/registry/households/H001/edit/", {"version": version, "housing_safety": "D", "reason": "晚到的修改"}
    )
    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()
    households[0].refresh_from_db()
    assert households[0].housing_safety == "A"


def test_read_only_roles_cannot_open_the_edit_forms(households: object, inspector: User) -> None:
    client = client_for(inspector)
    assert client.get("/registry/households/H001/edit/").status_code == 403
    assert client.get("/registry/households/H001/income/").status_code == 403
    assert "edit-household" not in client.get("/registry/households/H001/").content.decode()


def test_a_member_is_added_and_removed_through_the_pages(
    households: tuple[Household, Household], own: User
) -> None:
    from datetime import date

    from tuopin.registry.idnumbers import make_id

    client = client_for(own)
    baby = make_id("130126", date(2024, 5, 1), 41, female=True)
    added = client.post(
        "/registry/households/H001/members/new/",
        {
            "name": "王小花",
            "id_number": baby,
            "relation": "daughter",
            "ethnicity": "01",
            "health": "healthy",
            "reason": "新生儿",
        },
    )
    assert added.status_code == 302
    member = households[0].members.get(name="王小花")
    assert (member.sex, member.birth_date) == ("F", date(2024, 5, 1))
    again = client.post(
        "/registry/households/H001/members/new/",
        {
            "name": "王小花",
            "id_number": baby,
            "relation": "daughter",
            "ethnicity": "01",
            "health": "healthy",
            "reason": "重复录入",
        },
    )
    assert again.status_code == 400 and "一人只能属于一户" in again.content.decode()
    removed = client.post(
        f"/registry/members/{member.pk}/remove/", {"left_on": "2025-01-02", "reason": "迁出"}
    )
    assert removed.status_code == 302
    page = client.get("/registry/households/H001/").content.decode()
    assert "已减员" in page and "迁出" in page
    assert {c.action for c in Change.objects.filter(household=households[0])} >= {
        "member_add",
        "member_remove",
    }


def test_a_move_to_a_village_outside_the_scope_is_refused(
    households: tuple[Household, Household], own: User
) -> None:
    client = client_for(own)
    refused = client.post(
        "/registry/households/H001/move/", {"village": "130127100202", "reason": "迁往高邑"}
    )
    assert refused.status_code == 403
    moved = client.post("/registry/households/H001/move/", {"village": "130126100202", "reason": "村内搬迁"})
    assert moved.status_code == 302
    households[0].refresh_from_db()
    assert households[0].village_id == "130126100202"


def test_pages_follow_village_then_number_and_end_without_a_next_link(
    register: RegisterHousehold, own: User, neighbour: User
) -> None:
    from tuopin.registry.selectors import HouseholdFilter, household_list_for

    for number, village in (
        ("K5", "130126100202"),
        ("K1", "130126100202"),
        ("K9", "130126100201"),
        ("K3", "130126100201"),
        ("K7", "130126100202"),
        ("K2", "130127100201"),
    ):
        register(number, village=village)
    expected = ["K3", "K9", "K1", "K5", "K7"]  # village 201 first, then 202; K2 is the neighbour county's
    seen, after, pages = [], "", 0
    while True:
        page = household_list_for(own, HouseholdFilter(), after=after, size=2)
        seen += [household.number for household in page.households]
        pages += 1
        if not page.next_after:
            break
        after = page.next_after
    assert (seen, pages) == (expected, 3)
    # the page shows the same order and links to the next page with the cursor
    html = client_for(own).get("/registry/", {"area": "130126100202"}).content.decode()
    table = html[html.index("<table") :]  # not the page head, whose random tokens may hold "K5"
    assert (
        table.index(">K1<") < table.index(">K5<") < table.index(">K7<")
        and ">K3<" not in table
        and "after=" not in html
    )
    # a cursor from outside the scope reveals nothing of it
    assert [h.number for h in household_list_for(neighbour, HouseholdFilter(), after="K3").households] == [
        "K2"
    ]
