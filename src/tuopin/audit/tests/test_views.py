from __future__ import annotations

import pytest

from tuopin.accounts.models import User
from tuopin.audit.services import audit_record
from tuopin.conftest import MakeUser, client_for

pytestmark = pytest.mark.django_db


def test_it_shows_audit_rows_of_the_own_area_only(own: User, neighbour: User, inspector: User) -> None:
    audit_record(action="test.own", actor=own)
    audit_record(action="test.neighbour", actor=neighbour)
    for viewer in (own, inspector):
        body = client_for(viewer).get("/audit/").content.decode()
        assert "test.own" in body
        assert "test.neighbour" not in body


def test_it_filters_by_action_and_shows_readable_labels(own: User) -> None:
    audit_record(action="user.create", actor=own, object_id="someone")
    audit_record(action="auth.login", actor=own, object_id="lingshou")
    body = client_for(own).get("/audit/", {"action": "user.create"}).content.decode()
    table = body.split('data-testid="audit"')[1]
    assert "新建用户" in table and "someone" in table
    assert "登录成功" not in table


def test_it_refuses_roles_without_the_audit_capability(make_user: MakeUser) -> None:
    village = make_user("cadre", "village", "130126100201")
    assert client_for(village).get("/audit/").status_code == 403


def test_the_administrator_sees_system_events(make_user: MakeUser) -> None:
    admin = make_user("root", "admin", "13")
    audit_record(action="test.system")
    assert "test.system" in client_for(admin).get("/audit/").content.decode()
