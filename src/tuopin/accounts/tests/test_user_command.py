"""`tuopin user change` keeps what it is not told to change: a disabled user is enabled again with its own areas."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for

pytestmark = pytest.mark.django_db


def _areas(user: User) -> list[str]:
    return sorted(user.area_links.values_list("area_id", flat=True))


def test_it_enables_a_disabled_user_without_repeating_its_areas(make_user: MakeUser) -> None:
    cadre = make_user("cadre", "township", "130126100", "130127100")
    call_command("user", "change", "--username", "cadre", "--disable")
    cadre.refresh_from_db()
    assert not cadre.is_active
    call_command("user", "change", "--username", "cadre", "--enable")
    cadre.refresh_from_db()
    assert (cadre.is_active, cadre.role, _areas(cadre)) == (True, "township", ["130126100", "130127100"])
    events = AuditEvent.objects.filter(action="user.update", object_id="cadre").order_by("seq")
    assert [e.details for e in events] == [
        {"old": {"is_active": True}, "new": {"is_active": False}},
        {"old": {"is_active": False}, "new": {"is_active": True}},
    ]


def test_it_changes_a_disabled_users_role_keeping_its_areas(make_user: MakeUser) -> None:
    make_user("cadre", "unit", "130126")
    call_command("user", "change", "--username", "cadre", "--disable")
    call_command("user", "change", "--username", "cadre", "--role", "inspector")
    cadre = User.objects.get(username="cadre")
    assert (cadre.is_active, cadre.role, _areas(cadre)) == (False, "inspector", ["130126"])


def test_the_edit_page_of_a_disabled_user_shows_its_areas(own: User, make_user: MakeUser) -> None:
    cadre = make_user("cadre", "village", "130126100201")
    call_command("user", "change", "--username", "cadre", "--disable")
    body = client_for(own).get(f"/accounts/users/{cadre.pk}/").content.decode()
    assert 'value="130126100201"' in body
