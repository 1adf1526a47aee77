"""Device credentials: who may make and revoke them, what is kept (a hash), the audit rows, the command line and
the devices page."""

from __future__ import annotations

import base64
import json
import zlib
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tuopin.accounts.models import User
from tuopin.accounts.permissions import WriteRefused
from tuopin.audit.models import AuditEvent
from tuopin.conftest import PASSWORD, MakeUser, client_for
from tuopin.fieldforms.auth import device_authenticate
from tuopin.fieldforms.device_views import collect_settings
from tuopin.fieldforms.devices import device_create, device_revoke
from tuopin.fieldforms.models import Device


@pytest.fixture
def village(make_user: MakeUser) -> User:
    return make_user("chengdong", "village", "130126100201")


def test_it_makes_a_device_for_oneself_keeping_only_a_hash(village: User) -> None:
    device, password = device_create(actor=village, user=village, label="王书记的手机")
    assert len(password) >= 20
    stored = Device.objects.get(pk=device.pk)
    assert stored.password != password and password not in stored.password
    assert stored.created_by == "chengdong"
    assert device_authenticate("chengdong", password) == device
    row = AuditEvent.objects.get(action="fieldforms.device_create")
    assert row.result == "ok" and row.object_id == str(device.pk)
    assert password not in str(row.details)


def test_a_manager_makes_one_for_a_user_of_its_county_and_a_neighbour_may_not(
    own: User, neighbour: User, village: User
) -> None:
    device, _password = device_create(actor=own, user=village, label="村里的平板")
    assert device.user == village and device.created_by == "lingshou"
    with pytest.raises(WriteRefused):
        device_create(actor=neighbour, user=village, label="别人的")
    assert Device.objects.count() == 1
    assert AuditEvent.objects.filter(action="fieldforms.device_create", result="denied").count() == 1


def test_a_revoked_device_no_longer_authenticates_and_the_revocation_is_audited(village: User) -> None:
    device, password = device_create(actor=village, user=village, label="旧手机")
    device_revoke(actor=village, device=device)
    assert device_authenticate("chengdong", password) is None
    assert AuditEvent.objects.filter(action="fieldforms.device_revoke", result="ok").count() == 1
    with pytest.raises(ValidationError):
        device_revoke(actor=village, device=device)


def test_a_neighbour_cannot_revoke_another_users_device(village: User, neighbour: User) -> None:
    device, password = device_create(actor=village, user=village, label="手机")
    with pytest.raises(WriteRefused):
        device_revoke(actor=neighbour, device=device)
    assert device_authenticate("chengdong", password) == device


def test_the_sign_in_password_is_not_a_device_password(village: User) -> None:
    device_create(actor=village, user=village, label="手机")
    assert device_authenticate("chengdong", PASSWORD) is None


def test_the_command_prints_the_password_last_and_it_authenticates(village: User) -> None:
    out = StringIO()
    call_command("fieldforms", "device", "--username", "chengdong", "--label", "演示手机", stdout=out)
    password = out.getvalue().strip().splitlines()[-1]
    device = device_authenticate("chengdong", password)
    assert device is not None and device.label == "演示手机" and device.created_by == "cli"


def test_the_page_lists_own_devices_creates_one_with_its_qr_code_and_revokes(
    village: User, own: User
) -> None:
    theirs, _password = device_create(actor=own, user=own, label="县里的手机")
    client = client_for(village)
    assert client.get("/fieldforms/devices/").status_code == 200
    response = client.post("/fieldforms/devices/", {"label": "村部平板"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body and "村部平板" in body and "县里的手机" not in body
    device = Device.objects.get(user=village)
    password = response.context["created"]["password"]
    assert password in body and device_authenticate("chengdong", password) == device
    assert response.context["created"]["server_url"] == "http://testserver/openrosa"
    assert "no-store" in response["Cache-Control"]
    assert password not in client.get("/fieldforms/devices/").content.decode()  # shown once
    assert client.post(f"/fieldforms/devices/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/fieldforms/devices/{device.pk}/revoke/").status_code == 302
    assert Device.objects.get(pk=device.pk).revoked_by == "chengdong"
    assert Device.objects.get(pk=theirs.pk).revoked_at is None


def test_the_page_refuses_a_blank_label_and_a_role_without_forms(village: User, inspector: User) -> None:
    assert client_for(village).post("/fieldforms/devices/", {"label": " "}).status_code == 400
    assert client_for(inspector).get("/fieldforms/devices/").status_code == 403
    assert not Device.objects.exists()


def test_the_qr_code_holds_collects_settings_compressed_then_base64() -> None:
    payload = collect_settings("https://tuopin.example/openrosa", "chengdong", "s3cret")
    settings = json.loads(zlib.decompress(base64.b64decode(payload)))
    assert settings["general"] == {
        "server_url": "https://tuopin.example/openrosa",
        "username": "chengdong",
        "password": "s3cret",
    }
    assert settings["admin"] == {}


def test_a_password_names_its_device_and_another_devices_number_does_not_open_it(
    village: User, own: User
) -> None:
    device, password = device_create(actor=village, user=village, label="手机")
    assert password.startswith(f"d{device.pk}-")
    other, _password = device_create(actor=own, user=own, label="县里")
    secret = password.partition("-")[2]
    assert device_authenticate("chengdong", f"d{other.pk}-{secret}") is None
    assert device_authenticate("lingshou", password) is None
    assert device_authenticate("chengdong", secret) is None
