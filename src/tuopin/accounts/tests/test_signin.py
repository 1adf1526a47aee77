"""Sign-in: lockout per username, second factor, session limits, and the audit rows of each."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tuopin.accounts.middleware import SIGNED_IN_AT_SESSION_KEY
from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import PASSWORD, MakeUser

pytestmark = pytest.mark.django_db


def _token(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def _login(client: Client, username: str, password: str = PASSWORD) -> int:
    return client.post("/accounts/login/", {"username": username, "password": password}).status_code


def test_it_signs_in_a_county_user_and_audits_it(own: User) -> None:
    client = Client()
    assert _login(client, "lingshou") == 302
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.actor, event.role, event.area, event.result) == ("lingshou", "county", "130126", "ok")


def test_it_locks_a_username_out_after_five_failures(own: User) -> None:
    client = Client()
    statuses = [_login(client, "lingshou", "wrong-password-123") for _ in range(5)]
    assert statuses[:4] == [200, 200, 200, 200]
    assert statuses[4] == 429
    # Locked: even the right password is refused, from any client.
    assert _login(Client(), "lingshou") == 429
    assert AuditEvent.objects.filter(action="auth.login_failed", actor="lingshou", area="130126").count() >= 5
    assert AuditEvent.objects.filter(action="auth.lockout", object_id="lingshou").exists()
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_a_lockout_of_one_username_does_not_lock_another(own: User, neighbour: User) -> None:
    for _ in range(5):
        _login(Client(), "lingshou", "wrong-password-123")
    assert _login(Client(), "gaoyi") == 302


def test_it_asks_an_admin_for_a_totp_code_and_enrols_one_first(make_user: MakeUser) -> None:
    make_user("root", "admin", "13")
    client = Client()
    response = client.post("/accounts/login/", {"username": "root", "password": PASSWORD})
    assert response["Location"] == "/accounts/login/verify/"
    assert client.get("/areas/").status_code == 302  # not signed in yet
    page = client.get("/accounts/login/verify/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user__username="root", confirmed=False)
    assert client.post("/accounts/login/verify/", {"token": _token(device)}).status_code == 302
    assert client.get("/areas/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_it_refuses_a_wrong_totp_code_and_counts_it_towards_the_lockout(make_user: MakeUser) -> None:
    user = make_user("root", "admin", "13")
    device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    for _ in range(5):
        client = Client()
        client.post("/accounts/login/", {"username": "root", "password": PASSWORD})
        last = client.post(
            "/accounts/login/verify/", {"token": "000000" if _token(device) != "000000" else "111111"}
        )
    assert last.status_code == 429
    assert AuditEvent.objects.filter(action="auth.login_failed", actor="root").count() == 5


def test_a_totp_code_is_single_use(make_user: MakeUser) -> None:
    user = make_user("root", "admin", "13")
    device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    token = _token(device)
    first, second = Client(), Client()
    for client in (first, second):
        client.post("/accounts/login/", {"username": "root", "password": PASSWORD})
    assert first.post("/accounts/login/verify/", {"token": token}).status_code == 302
    assert second.post("/accounts/login/verify/", {"token": token}).status_code == 200


def test_it_ends_a_session_after_the_absolute_limit(own: User) -> None:
    client = Client()
    _login(client, "lingshou")
    session = client.session
    session[SIGNED_IN_AT_SESSION_KEY] = time.time() - 13 * 3600
    session.save()
    response = client.get("/areas/")
    assert response.status_code == 302
    assert client.get("/areas/").status_code == 302


def test_it_sets_an_idle_timeout_of_thirty_minutes(settings: object) -> None:
    assert settings.SESSION_COOKIE_AGE == 1800  # type: ignore[attr-defined]
    assert settings.SESSION_SAVE_EVERY_REQUEST  # type: ignore[attr-defined]


def test_it_hashes_passwords_with_argon2_in_production() -> None:
    from tuopin import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_it_refuses_short_and_common_passwords(tree: object) -> None:
    from django.core.exceptions import ValidationError

    from tuopin.accounts.services import UserFields, user_create

    for password in ("short-pw", "password1234"):
        with pytest.raises(ValidationError):
            user_create(
                actor=None,
                username="u",
                password=password,
                fields=UserFields(role="county", area_codes=["130126"]),
            )
    assert not User.objects.filter(username="u").exists()


def test_it_switches_scope_only_among_held_areas(make_user: MakeUser) -> None:
    from tuopin.conftest import client_for

    user = make_user("two", "county", "130126", "130127")
    client = client_for(user)
    assert 'href="/areas/130127/"' in client.get("/areas/").content.decode()
    client.post("/accounts/scope/", {"code": "130126"})
    body = client.get("/areas/").content.decode()
    assert 'href="/areas/130126/"' in body and 'href="/areas/130127/"' not in body
    assert client.get("/areas/130127/").status_code == 404
    assert client.post("/accounts/scope/", {"code": "1307"}).status_code == 403
