"""In a real Chromium: the county office finds a missed visit on the compliance page, records it, and the duty is
met; the charts draw; a helping unit's user sees only its own unit's projects."""

from __future__ import annotations

from typing import Any

import pytest

from tuopin.accounts.models import User
from tuopin.assistance.tests.conftest import OWN_VILLAGE, Ledger
from tuopin.site.tests.test_browser import HOME, _screenshot, _sign_in, browser, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_a_missed_visit_is_found_recorded_and_met(page: Any, ledger: Ledger, own: User) -> None:  # noqa: F811
    _sign_in(page, own.username)
    page.wait_for_url(HOME)
    page.click("nav >> text=帮扶")
    page.wait_for_selector("[data-testid=pairings]")
    assert "规划财务司" in page.locator("[data-testid=pairings]").inner_text()
    page.click("[data-testid=assistance-tabs] >> text=履职情况")
    page.fill("#id_period", "2017H2")
    page.click("main form button")
    page.wait_for_selector("[data-testid=compliance-chart] canvas")
    assert page.locator("[data-testid=duties-count]").inner_text() == "1"
    assert "孙司长" in page.locator("[data-testid=missed]").inner_text()
    _screenshot(page, "assistance-compliance.png")
    page.click("[data-testid=assistance-tabs] >> text=走访记录")
    page.click("summary >> text=记录走访")
    form = page.locator("[data-testid=visit-form]")
    form.locator("input[name=who]").fill("孙司长")
    form.locator("input[name=on]").fill("2017-10-12")
    form.locator("select[name=target_type]").select_option("village")
    form.locator("input[name=target_code]").fill(OWN_VILLAGE)
    form.locator("input[name=purpose]").fill("督促项目落实")
    form.locator("button").click()
    page.wait_for_selector("text=已保存")
    page.goto("/assistance/compliance/?period=2017H2")
    assert page.locator("[data-testid=met-count]").inner_text() == "1"
    assert "孙司长" not in page.locator("[data-testid=missed]").inner_text()
    page.goto("/assistance/projects/")
    page.wait_for_selector("[data-testid=funds-chart] canvas")


def test_a_unit_user_sees_its_own_projects(page: Any, unit_user: User) -> None:  # noqa: F811
    _sign_in(page, unit_user.username)
    page.wait_for_url(HOME)
    page.goto("/assistance/projects/")
    table = page.locator("[data-testid=projects]").inner_text()
    assert "规划财务司垃圾处理项目" in table and "大气环境管理司" not in table
