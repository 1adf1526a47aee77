"""A manager changes only the users it could have created (SECURITY.md A2): the target's current role must be one the
manager may grant and the target's current areas must all lie inside the manager's. Every user-changing path (the
edit page, role, scope, status, password and token services) is refused otherwise: 403, nothing changed, the denial
audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tuopin.accounts.models import Token, User
from tuopin.accounts.selectors import user_may_manage
from tuopin.accounts.services import UserFields, token_create, token_revoke, user_set_password, user_update
from tuopin.audit.models import AuditEvent
from tuopin.conftest import PASSWORD, MakeUser, client_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase"


@pytest.fixture
def county_admin(make_user: MakeUser) -> User:
    """A system administrator whose one area is 灵寿县, the county manager's own county."""
    return make_user("boss", "admin", "130126")


@pytest.fixture
def province_admin(make_user: MakeUser) -> User:
    return make_user("root", "admin", "13")


def _areas(user: User) -> list[str]:
    return sorted(user.area_links.values_list("area_id", flat=True))


def _state(user: User) -> tuple[str, list[str], bool, bool]:
    user.refresh_from_db()
    return user.role, _areas(user), user.is_active, user.check_password(PASSWORD)


def _denials(action: str, target: str) -> int:
    return AuditEvent.objects.filter(
        action=action, object_id=target, result="denied", actor="lingshou"
    ).count()


@pytest.mark.parametrize(
    "post",
    [
        pytest.param({"role": "village", "area_codes": "130126100201", "is_active": "on"}, id="demote"),
        pytest.param({"role": "county", "area_codes": "130126"}, id="disable"),
        pytest.param({"role": "county", "area_codes": "130126100", "is_active": "on"}, id="rescope"),
    ],
)
def test_it_refuses_a_county_manager_changing_an_admin_inside_its_county(
    own: User, county_admin: User, post: dict[str, str]
) -> None:
    before = _state(county_admin)
    response = client_for(own).post(f"/accounts/users/{county_admin.pk}/", post)
    assert response.status_code == 403
    assert _state(county_admin) == before == ("admin", ["130126"], True, True)
    denial = AuditEvent.objects.get(action="access.denied", actor="lingshou", result="denied")
    assert denial.object_id == f"/accounts/users/{county_admin.pk}/"
    assert "超出您可授予的范围" in denial.details["reason"]
    assert not AuditEvent.objects.filter(action="user.update").exists()


def test_it_refuses_a_county_manager_the_edit_page_of_an_admin_inside_its_county(
    own: User, county_admin: User
) -> None:
    assert client_for(own).get(f"/accounts/users/{county_admin.pk}/").status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", actor="lingshou").exists()


def test_it_offers_no_edit_link_for_users_the_manager_cannot_change(
    own: User, county_admin: User, make_user: MakeUser, django_assert_max_num_queries: Any
) -> None:
    cadre = make_user("cadre", "village", "130126100201")
    for number in range(5):
        make_user(f"cadre{number}", "village", "130126100202")
    client = client_for(own)
    with django_assert_max_num_queries(9):  # constant: the page shell, the users, their areas
        body = client.get("/accounts/users/").content.decode()
    assert "boss" in body
    assert f"/accounts/users/{cadre.pk}/" in body
    assert f"/accounts/users/{county_admin.pk}/" not in body


def test_it_refuses_a_county_manager_resetting_an_admins_password(own: User, county_admin: User) -> None:
    with pytest.raises(PermissionDenied):
        user_set_password(actor=own, user=county_admin, password=NEW_PASSWORD)
    assert _state(county_admin) == ("admin", ["130126"], True, True)
    assert _denials("user.password", "boss") == 1
    assert not AuditEvent.objects.filter(action="user.password", result="ok").exists()


def test_it_refuses_a_county_manager_revoking_an_admins_token(own: User, county_admin: User) -> None:
    token_create(user=county_admin, name="etl")
    token = Token.objects.get(user=county_admin)
    with pytest.raises(PermissionDenied):
        token_revoke(actor=own, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert _denials("token.revoke", str(token.pk)) == 1


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param(UserFields(role="county", area_codes=["130126"]), id="demote"),
        pytest.param(UserFields(role="admin", area_codes=["13"], is_active=False), id="disable"),
        pytest.param(UserFields(role="admin", area_codes=["130126"]), id="rescope"),
    ],
)
def test_it_refuses_a_county_manager_changing_a_province_admin(
    own: User, province_admin: User, fields: UserFields
) -> None:
    with pytest.raises(PermissionDenied):
        user_update(actor=own, user=province_admin, fields=fields)
    assert _state(province_admin) == ("admin", ["13"], True, True)
    assert _denials("user.update", "root") == 1


def test_it_refuses_a_county_manager_reviving_a_disabled_province_admin_into_its_county(
    own: User, province_admin: User
) -> None:
    # A disabled user holds no scope for reading (held_area_codes is empty) but still has its areas: the rule reads
    # them, so that a disabled account of a higher office cannot be moved into a county and taken over.
    user_update(
        actor=None, user=province_admin, fields=UserFields(role="admin", area_codes=["13"], is_active=False)
    )
    with pytest.raises(PermissionDenied):
        user_update(actor=own, user=province_admin, fields=UserFields(role="county", area_codes=["130126"]))
    assert _state(province_admin) == ("admin", ["13"], False, True)
    with pytest.raises(PermissionDenied):
        user_set_password(actor=own, user=province_admin, password=NEW_PASSWORD)
    assert _state(province_admin) == ("admin", ["13"], False, True)
    assert _denials("user.update", "root") == 1
    assert _denials("user.password", "root") == 1


def test_it_answers_404_for_a_province_admin_on_the_edit_page(own: User, province_admin: User) -> None:
    response = client_for(own).post(
        f"/accounts/users/{province_admin.pk}/", {"role": "county", "area_codes": "130126"}
    )
    assert response.status_code == 404
    assert _state(province_admin) == ("admin", ["13"], True, True)


def test_it_still_lets_a_county_manager_manage_a_village_user_of_its_county(
    own: User, make_user: MakeUser
) -> None:
    cadre = make_user("cadre", "village", "130126100201")
    client = client_for(own)
    promote = {"role": "township", "area_codes": "130126100", "is_active": "on"}
    disable = {"role": "township", "area_codes": "130126100"}
    assert client.post(f"/accounts/users/{cadre.pk}/", promote).status_code == 302
    assert client.post(f"/accounts/users/{cadre.pk}/", disable).status_code == 302
    user_set_password(actor=own, user=cadre, password=NEW_PASSWORD)
    cadre.refresh_from_db()
    assert (cadre.role, _areas(cadre), cadre.is_active) == ("township", ["130126100"], False)
    assert cadre.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="user.update", object_id="cadre", result="ok").count() == 2
    assert AuditEvent.objects.filter(action="user.password", object_id="cadre", result="ok").count() == 1
    assert not AuditEvent.objects.filter(result="denied").exists()


def test_the_rule_needs_both_the_targets_role_and_its_areas(
    own: User, neighbour: User, county_admin: User, province_admin: User, make_user: MakeUser
) -> None:
    cadre = make_user("cadre", "village", "130126100201")
    straddling = make_user("both", "unit", "130126", "130127")
    plain = make_user("plain", "county", "130126")
    assert user_may_manage(own, cadre)
    assert user_may_manage(own, plain)  # a county role the county manager could grant, inside its county
    assert not user_may_manage(own, county_admin)  # inside the county, but a role it cannot grant
    assert not user_may_manage(own, province_admin)  # neither
    assert not user_may_manage(own, neighbour)  # a grantable role, but outside the county
    assert not user_may_manage(own, straddling)  # one of its areas outside the county
    assert not user_may_manage(own, own)  # nobody manages itself
    assert not user_may_manage(plain, cadre)  # no manage-users permission
    assert user_may_manage(province_admin, county_admin)
    assert user_may_manage(None, province_admin)  # the command line
