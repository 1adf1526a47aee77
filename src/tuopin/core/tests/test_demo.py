"""Every account `tuopin demo` prints can sign in with what it prints."""

from __future__ import annotations

import json
from base64 import b32decode

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP

from tuopin.areas.models import Area
from tuopin.registry.models import Household, Member

pytestmark = pytest.mark.django_db


def test_every_printed_demo_account_can_sign_in(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", "--json")
    accounts = json.loads(capsys.readouterr().out)
    roles = {account["role"] for account in accounts}
    assert roles == {"admin", "province", "city", "county", "township", "village", "unit", "inspector"}
    for account in accounts:
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": account["username"], "password": account["password"]}
        )
        assert response.status_code == 302, account["username"]
        if "totp_secret" in account:
            assert response["Location"] == "/accounts/login/verify/"
            token = f"{TOTP(b32decode(account['totp_secret'])).token():06d}"
            response = client.post("/accounts/login/verify/", {"token": token})
            assert response.status_code == 302, account["username"]
        home = client.get("/")
        assert home.status_code == 200, account["username"]
        assert account["area"] in home.content.decode()
    _check_demo_registry()


def _check_demo_registry() -> None:
    """The demo registry: 8 households in each village of the two demo counties, heads set, exits 2015-2020."""
    lingshou = Household.objects.filter(village__code__startswith="130126")
    assert lingshou.count() == 8 * Area.objects.filter(code__startswith="130126", level="village").count()
    assert not Household.objects.filter(head__isnull=True).exists()
    assert set(Household.objects.values_list("exit_year", flat=True)) <= set(range(2015, 2021))
    ill = Household.objects.filter(main_cause="illness").count() / Household.objects.count()
    assert 0.35 < ill < 0.5
    members = Member.objects.count()
    assert Member.objects.values("id_index").distinct().count() == members


def test_running_the_demo_twice_gives_working_new_passwords(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", "--json", "--per-village", "0")
    first = {a["username"]: a for a in json.loads(capsys.readouterr().out)}
    call_command("demo", "--json", "--per-village", "0")
    second = {a["username"]: a for a in json.loads(capsys.readouterr().out)}
    assert first["county"]["password"] != second["county"]["password"]
    assert first["admin"]["totp_secret"] == second["admin"]["totp_secret"]
    login = Client().post(
        "/accounts/login/", {"username": "county", "password": second["county"]["password"]}
    )
    assert login.status_code == 302
