"""A village task force's daily path in a real Chromium: search, open, edit, read the timeline, reveal an ID."""

from __future__ import annotations

from typing import Any

import pytest

from tuopin.accounts.models import User
from tuopin.core.crypto import decrypt
from tuopin.core.tests.test_browser import HOME, _screenshot, _sign_in, browser, page  # noqa: F401 - fixtures
from tuopin.registry.tests.conftest import RegisterHousehold

pytestmark = pytest.mark.browser


def test_search_open_edit_and_see_the_timeline(page: Any, own: User, register: RegisterHousehold) -> None:  # noqa: F811
    household = register("130126100201001")
    register("130126100201002", head="赵大山")
    _sign_in(page, "lingshou")
    page.wait_for_url(HOME)
    page.click("nav >> text=贫困户")
    page.fill("#id_q", "王建国")
    page.click("[data-testid=household-filters] button[type=submit]")
    page.wait_for_selector("[data-testid=households] >> text=130126100201001")
    assert "130126100201002" not in page.locator("[data-testid=households]").inner_text()
    page.click("text=130126100201001")
    page.wait_for_selector("[data-testid=members]")
    assert "李秀英" in page.locator("[data-testid=members]").inner_text()
    page.click("[data-testid=edit-household]")
    page.select_option("#id_housing_safety", "A")
    page.fill("#id_reason", "危房改造验收合格")
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-testid=timeline] >> text=危房改造验收合格")
    assert "住房安全等级：B → A" in page.locator("[data-testid=timeline]").inner_text()
    head = household.head
    assert head is not None
    page.once("dialog", lambda dialog: dialog.accept("核对医保参保信息"))
    page.locator("[data-testid=reveal]").first.click()
    page.wait_for_selector("[data-testid=full-id]")
    assert page.locator("[data-testid=full-id]").inner_text() == decrypt(head.id_encrypted)
    _screenshot(page, "household.png")
