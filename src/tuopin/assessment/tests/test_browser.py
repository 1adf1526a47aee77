"""A county office runs the year's exit assessment in a real Chromium and follows it down to a household's reasons."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tuopin.accounts.models import User
from tuopin.areas.models import Area, AreaYear
from tuopin.core.tests.test_browser import HOME, _screenshot, _sign_in, browser, page  # noqa: F401 - fixtures
from tuopin.registry.models import Income
from tuopin.registry.tests.conftest import RegisterHousehold

pytestmark = pytest.mark.browser


def test_run_an_assessment_and_open_a_households_reasons(page: Any, own: User, register: RegisterHousehold,  # noqa: F811
                                                         tree: dict[str, Area]) -> None:  # fmt: skip
    household = register("130126100201001", water_safe=True)
    Income.objects.create(household=household, year=2019, wage=Decimal("9000"), business=0, property_income=0,
                          transfer=0, costs=0)  # fmt: skip
    AreaYear.objects.create(area=tree["130126100201"], year=2019, rural_population=300)
    _sign_in(page, "lingshou")
    page.wait_for_url(HOME)
    page.click("nav >> text=退出评估")
    page.fill("#id_year", "2019")
    page.select_option("#id_area", "130126")
    page.click("[data-testid=run-form] button")
    page.wait_for_selector("[data-testid=job-next]")
    page.click("[data-testid=job-next]")
    page.wait_for_selector("[data-testid=summary]")
    page.click("[data-testid=children] >> text=灵寿镇")
    page.click("[data-testid=children] >> text=城东村")
    page.wait_for_selector("[data-testid=households]")
    row = page.locator("[data-testid=households] tr", has_text="130126100201001")
    assert "不符合退出条件" in row.inner_text() and "收入" in row.inner_text()
    assert "1.00%" in page.locator("[data-testid=summary]").inner_text()  # 3 poor persons of 300
    _screenshot(page, "assessment.png")
    row.locator("a").click()
    page.wait_for_selector("[data-testid=decision]")
    income = page.locator("[data-testid=decision] [data-rule=income]")
    assert income.get_attribute("data-ok") == "0"
    assert "人均纯收入 3000.00 元，标准 3218 元" in income.inner_text()
