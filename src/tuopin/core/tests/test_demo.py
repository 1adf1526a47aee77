"""Every account `tuopin demo` prints can sign in with what it prints."""

from __future__ import annotations

import json
from base64 import b32decode

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP

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


def test_running_the_demo_twice_gives_working_new_passwords(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", "--json")
    first = {a["username"]: a for a in json.loads(capsys.readouterr().out)}
    call_command("demo", "--json")
    second = {a["username"]: a for a in json.loads(capsys.readouterr().out)}
    assert first["county"]["password"] != second["county"]["password"]
    assert first["admin"]["totp_secret"] == second["admin"]["totp_secret"]
    login = Client().post(
        "/accounts/login/", {"username": "county", "password": second["county"]["password"]}
    )
    assert login.status_code == 302
