"""The devices page in a real Chromium: a county office makes a device credential, sees the password and the QR
code of ODK Collect's settings once, then revokes it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tuopin.accounts.models import User
from tuopin.fieldforms.auth import device_authenticate
from tuopin.fieldforms.models import Device
from tuopin.site.tests.test_browser import HOME, _screenshot, _sign_in, browser, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_a_county_office_makes_a_device_sees_its_qr_code_once_and_revokes_it(
    page: Any,  # noqa: F811
    own: User,
) -> None:
    _sign_in(page, "lingshou")
    page.wait_for_url(HOME)
    page.goto("/fieldforms/devices/")
    expect(page.locator("[data-testid=devices]")).to_contain_text("还没有采集设备")
    page.fill("#id_label", "王书记的手机")
    page.click("[data-testid=device-form] button[type=submit]")
    created = page.locator("[data-testid=created]")
    expect(created).to_contain_text("王书记的手机")
    expect(page.locator("[data-testid=qr] svg")).to_be_visible()
    password = page.locator("[data-testid=password]").inner_text().strip()
    assert device_authenticate("lingshou", password) is not None
    assert "/openrosa" in created.inner_text()
    _screenshot(page, "fieldforms_device.png")

    page.goto("/fieldforms/devices/")
    expect(page.locator("[data-testid=created]")).to_have_count(0)  # the password is shown once
    assert password not in page.content()
    page.click("[data-testid=devices] button:has-text('撤销')")
    expect(page.locator("[data-testid=devices]")).to_contain_text("已撤销")
    assert Device.objects.get().revoked_at is not None
    assert device_authenticate("lingshou", password) is None
