"""The keeper's phone page in a real Chromium at 375 × 667: a keeper signs in, lands on its transfer point, records
a receipt in a few taps (接收, a category button, the weight, the giver) and sees the 联单编号, the stock and today's
handover, with nothing wider than the phone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from tuopin.conftest import MakeUser
from tuopin.medwaste.models import Handover
from tuopin.medwaste.services import place_member_link
from tuopin.medwaste.tests.conftest import Network
from tuopin.site.tests.test_browser import _screenshot, _sign_in, browser  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}


def test_a_keeper_records_a_receipt_from_its_phone(
    browser: Any,  # noqa: F811
    live_server: Any,
    make_user: MakeUser,
    network: Network,
) -> None:
    keeper = make_user("keeper", "keeper", "130126100")
    keeper.full_name = "李守点"
    keeper.save(update_fields=["full_name"])
    place_member_link(actor=None, user=keeper, point=network.point)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE, is_mobile=True)
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    try:
        _sign_in(phone, "keeper")
        phone.wait_for_url("**/medwaste/keeper/")  # home → the ledger → the keeper's only point
        expect(phone.locator("[data-testid=point]")).to_contain_text("灵寿镇周转点")
        phone.click("[data-testid=receipt]")
        expect(phone.locator("[data-testid=handover-form]")).to_be_visible()
        assert phone.locator("#id_category_0").is_checked()  # 感染性 by default
        assert phone.input_value("#id_receiver_person") == "李守点"
        phone.click("label[for=id_category_1]")  # 损伤性
        expect(phone.locator("#id_category_1")).to_be_checked()
        phone.fill("#id_kg", "2.5")
        assert phone.get_attribute("#id_kg", "inputmode") == "decimal"
        phone.fill("#id_giver_person", "王医生")
        _screenshot(phone, "medwaste-keeper-receipt.png")
        phone.click("[data-testid=save]")
        expect(phone.locator(".alert-success")).to_contain_text("联单编号")
        handover = Handover.objects.get()
        assert (handover.category, handover.kg, handover.giver_code) == ("sharps", Decimal("2.500"), "F-CD")
        expect(phone.locator(".alert-success")).to_contain_text(handover.number)
        expect(phone.locator("[data-testid=stock]")).to_contain_text("损伤性")
        expect(phone.locator("[data-testid=today]")).to_contain_text(handover.number)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        _screenshot(phone, "medwaste-keeper.png")
    finally:
        context.close()
