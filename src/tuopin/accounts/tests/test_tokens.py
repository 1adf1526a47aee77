"""Personal access tokens can be listed and revoked, and do not outlive a password change or a disabled account: a
revoked token gets 401 from the API. Every revocation is audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tuopin.accounts.models import Token, User
from tuopin.accounts.services import token_create, user_set_password
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase"


def _api(raw: str) -> int:
    return Client().get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


def _token(user: User, name: str = "etl") -> tuple[str, Token]:
    raw = token_create(user=user, name=name)
    return raw, Token.objects.get(user=user, name=name)


def _revocations(user: User) -> list[dict[str, Any]]:
    return [
        e.details
        for e in AuditEvent.objects.filter(action="token.revoke", result="ok").order_by("seq")
        if e.details.get("user") == user.username
    ]


def test_it_lists_own_tokens_by_prefix_and_never_the_secret(
    own: User, neighbour: User, django_assert_max_num_queries: Any
) -> None:
    raw, token = _token(own, "报表同步")
    _token(own, "old")
    Token.objects.filter(name="old").update(revoked_at=token.created_at)
    _token(neighbour, "gaoyi-etl")
    client = client_for(own)
    with django_assert_max_num_queries(8):
        response = client.get("/accounts/tokens/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "报表同步" in body and token.prefix in body and "old" in body
    assert raw not in body and raw[8:] not in body and token.digest not in body
    assert "gaoyi-etl" not in body
    assert "no-store" in response["Cache-Control"]


def test_the_token_page_is_reachable_from_the_account_page(own: User) -> None:
    assert 'href="/accounts/tokens/"' in client_for(own).get("/accounts/otp/").content.decode()


def test_it_revokes_an_own_token_by_post_and_the_api_then_answers_401(own: User) -> None:
    raw, token = _token(own)
    kept, _other = _token(own, "kept")
    assert _api(raw) == 200
    client = client_for(own)
    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _api(raw) == 401
    assert _api(kept) == 200
    event = AuditEvent.objects.get(action="token.revoke")
    assert (event.actor, event.object_type, event.object_id) == ("lingshou", "token", str(token.pk))
    assert event.details == {"user": "lingshou", "name": "etl", "prefix": token.prefix, "reason": "revoked"}


def test_it_answers_404_when_revoking_someone_elses_token(own: User, neighbour: User) -> None:
    raw, token = _token(neighbour)
    assert client_for(own).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert _api(raw) == 200
    assert AuditEvent.objects.filter(
        action="access.not_found", object_type="token", actor="lingshou"
    ).exists()


def test_it_refuses_to_revoke_a_token_twice(own: User) -> None:
    _raw, token = _token(own)
    client = client_for(own)
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="token.revoke").count() == 1


def test_a_users_own_password_change_revokes_all_its_tokens(own: User) -> None:
    first, _a = _token(own, "a")
    second, _b = _token(own, "b")
    user_set_password(actor=own, user=own, password=NEW_PASSWORD)
    assert (_api(first), _api(second)) == (401, 401)
    assert not Token.objects.filter(user=own, revoked_at__isnull=True).exists()
    assert sorted(d["name"] for d in _revocations(own)) == ["a", "b"]
    assert {d["reason"] for d in _revocations(own)} == {"password"}


def test_a_managers_password_reset_revokes_all_the_users_tokens(own: User, make_user: MakeUser) -> None:
    cadre = make_user("cadre", "village", "130126100201")
    raw, _token_row = _token(cadre)
    user_set_password(actor=own, user=cadre, password=NEW_PASSWORD)
    assert _api(raw) == 401
    event = AuditEvent.objects.get(action="token.revoke")
    assert (event.actor, event.details["user"], event.details["reason"]) == ("lingshou", "cadre", "password")


def test_the_password_command_revokes_all_the_users_tokens(own: User) -> None:
    raw, _token_row = _token(own)
    call_command("user", "password", "--username", "lingshou", "--password", NEW_PASSWORD)
    assert _api(raw) == 401
    assert [d["reason"] for d in _revocations(own)] == ["password"]


def test_disabling_a_user_revokes_all_its_tokens_and_enabling_does_not_revive_them(
    own: User, make_user: MakeUser
) -> None:
    cadre = make_user("cadre", "village", "130126100201")
    raw, _token_row = _token(cadre)
    client = client_for(own)
    disable = {"role": "village", "area_codes": "130126100201"}
    assert client.post(f"/accounts/users/{cadre.pk}/", disable).status_code == 302
    assert not Token.objects.filter(user=cadre, revoked_at__isnull=True).exists()
    assert [d["reason"] for d in _revocations(cadre)] == ["disabled"]
    post = {"role": "village", "area_codes": "130126100201", "is_active": "on"}
    assert client.post(f"/accounts/users/{cadre.pk}/", post).status_code == 302
    assert _api(raw) == 401


def test_a_role_change_keeps_the_tokens(own: User, make_user: MakeUser) -> None:
    cadre = make_user("cadre", "village", "130126100201")
    raw, _token_row = _token(cadre)
    post = {"role": "township", "area_codes": "130126100", "is_active": "on"}
    assert client_for(own).post(f"/accounts/users/{cadre.pk}/", post).status_code == 302
    assert _api(raw) == 200
    assert not AuditEvent.objects.filter(action="token.revoke").exists()


def _command(*args: str, capsys: pytest.CaptureFixture[str]) -> str:
    call_command("token", *args)
    return capsys.readouterr().out


def test_the_list_command_shows_tokens_without_their_secret(
    own: User, neighbour: User, capsys: pytest.CaptureFixture[str]
) -> None:
    raw, token = _token(own)
    _token(neighbour, "gaoyi-etl")
    listed = json.loads(_command("list", "--username", "lingshou", "--json", capsys=capsys))
    assert [(t["id"], t["username"], t["name"], t["prefix"], t["revoked_at"]) for t in listed] == [
        (token.pk, "lingshou", "etl", token.prefix, None)
    ]
    assert set(listed[0]) == {"id", "username", "name", "prefix", "created_at", "last_used_at", "revoked_at"}
    everything = _command("list", capsys=capsys)
    assert "gaoyi-etl" in everything and "etl" in everything
    assert raw not in everything and token.digest not in everything


def test_the_revoke_command_revokes_by_id_or_by_name(own: User, capsys: pytest.CaptureFixture[str]) -> None:
    first, token = _token(own, "a")
    second, _b = _token(own, "b")
    _command("revoke", "--id", str(token.pk), capsys=capsys)
    assert (_api(first), _api(second)) == (401, 200)
    _command("revoke", "--username", "lingshou", "--name", "b", capsys=capsys)
    assert _api(second) == 401
    assert [(d["name"], d["reason"]) for d in _revocations(own)] == [("a", "revoked"), ("b", "revoked")]
    assert AuditEvent.objects.filter(action="token.revoke", actor="system").count() == 2


def test_the_revoke_command_fails_on_an_unknown_or_revoked_token(own: User) -> None:
    _raw, token = _token(own)
    with pytest.raises(CommandError):
        call_command("token", "revoke", "--id", str(token.pk + 100))
    call_command("token", "revoke", "--id", str(token.pk))
    with pytest.raises(CommandError):
        call_command("token", "revoke", "--id", str(token.pk))
    with pytest.raises(CommandError):
        call_command("token", "revoke", "--username", "lingshou", "--name", "nope")
    with pytest.raises(CommandError):
        call_command("token", "revoke", "--name", "etl")  # a name is only unique per user
