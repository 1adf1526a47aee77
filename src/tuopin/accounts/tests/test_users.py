"""Delegated administration is bounded (SECURITY.md A2): each escalation attempt is refused and changes nothing."""

from __future__ import annotations

import pytest

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for

pytestmark = pytest.mark.django_db

NEW = {
    "username": "newbie",
    "full_name": "新人",
    "organisation": "",
    "password": "a-long-enough-passphrase",
    "is_active": "on",
}


def _post(user: User, **fields: str) -> int:
    return client_for(user).post("/accounts/users/new/", {**NEW, **fields}).status_code


def test_it_lets_a_county_manager_create_a_township_user_inside_its_county(own: User) -> None:
    assert _post(own, role="township", area_codes="130126100") == 302
    created = User.objects.get(username="newbie")
    assert created.role == "township"
    assert list(created.area_links.values_list("area_id", flat=True)) == ["130126100"]
    event = AuditEvent.objects.get(action="user.create", object_id="newbie")
    assert event.actor == "lingshou"
    assert event.details["new"]["areas"] == ["130126100"]


@pytest.mark.parametrize(
    ("role", "areas"),
    [
        ("province", "13"),
        ("admin", "130126"),
        ("city", "1301"),
        ("county", "130127"),
        ("village", "130127100201"),
    ],
)
def test_it_refuses_a_county_manager_escalation(own: User, role: str, areas: str) -> None:
    status = _post(own, role=role, area_codes=areas)
    assert status in (400, 403)
    assert not User.objects.filter(username="newbie").exists()


def test_it_refuses_roles_outside_the_grantable_list_with_403_and_an_audit_row(own: User) -> None:
    # The form offers only grantable roles; a hand-made POST with another role is refused by the form (400).
    # A grantable role with an area outside the manager's subtree reaches the service, which refuses it (403).
    assert _post(own, role="township", area_codes="130127100") == 403
    assert AuditEvent.objects.filter(action="access.denied", result="denied", actor="lingshou").exists()


def test_it_refuses_users_without_the_manage_permission(make_user: MakeUser) -> None:
    plain = make_user("plain", "county", "130126")
    assert _post(plain, role="township", area_codes="130126100") == 403
    assert client_for(plain).get("/accounts/users/").status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", actor="plain").count() == 2


def test_it_lists_only_users_wholly_inside_the_scope(own: User, neighbour: User, make_user: MakeUser) -> None:
    make_user("both", "unit", "130126", "130127")
    make_user("mine", "village", "130126100201")
    body = client_for(own).get("/accounts/users/").content.decode()
    assert "mine" in body
    assert "gaoyi" not in body and "both" not in body


def test_it_answers_404_when_editing_a_user_outside_the_scope(own: User, neighbour: User) -> None:
    response = client_for(own).post(
        f"/accounts/users/{neighbour.pk}/", {"role": "county", "area_codes": "130126"}
    )
    assert response.status_code == 404
    neighbour.refresh_from_db()
    assert neighbour.area_links.get().area_id == "130127"


def test_it_refuses_to_let_managers_change_their_own_role_or_areas(own: User) -> None:
    response = client_for(own).post(
        f"/accounts/users/{own.pk}/",
        {"role": "township", "area_codes": "130126100", "can_manage_users": "on"},
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.role == "county"
    assert own.area_links.get().area_id == "130126"


def test_it_records_role_and_scope_changes_with_old_and_new_values(own: User, make_user: MakeUser) -> None:
    target = make_user("cadre", "village", "130126100201")
    response = client_for(own).post(
        f"/accounts/users/{target.pk}/", {"role": "township", "area_codes": "130126100", "is_active": "on"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="user.update", object_id="cadre")
    assert event.details["old"] == {"role": "village", "areas": ["130126100201"], "full_name": "cadre"}
    assert event.details["new"] == {"role": "township", "areas": ["130126100"], "full_name": ""}


def test_it_ends_a_disabled_users_access_on_the_next_request(own: User, make_user: MakeUser) -> None:
    target = make_user("cadre", "village", "130126100201")
    client = client_for(target)
    assert client.get("/areas/").status_code == 200
    client_for(own).post(f"/accounts/users/{target.pk}/", {"role": "village", "area_codes": "130126100201"})
    assert client.get("/areas/").status_code == 302


def test_an_inspector_cannot_change_anything(inspector: User) -> None:
    assert _post(inspector, role="village", area_codes="130126100201") == 403
    assert not User.objects.filter(username="newbie").exists()
