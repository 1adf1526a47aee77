"""A village task force works through its village's exit list in a real Chromium: proposes the households that meet
the rules, records the appraisal for all of them at once, and opens one procedure's steps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tuopin.accounts.models import User
from tuopin.conftest import MakeUser
from tuopin.procedures.models import Procedure, Step
from tuopin.registry.models import Income
from tuopin.registry.tests.conftest import RegisterHousehold
from tuopin.site.tests.test_browser import HOME, _screenshot, _sign_in, browser, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser
VILLAGE = "130126100201"


def test_a_task_force_proposes_its_list_and_records_the_appraisal(
    page: Any,  # noqa: F811
    make_user: MakeUser,
    register: RegisterHousehold,
) -> None:
    for number, net in (
        ("130126100201001", "12000"),
        ("130126100201002", "15000"),
        ("130126100201003", "3000"),
    ):
        household = register(number, water_safe=True)
        Income.objects.create(
            household=household,
            year=2019,
            wage=Decimal(net),
            business=0,
            property_income=0,
            transfer=0,
            costs=0,
        )
    user: User = make_user("cundong", "village", VILLAGE)
    _sign_in(page, user.username)
    page.wait_for_url(HOME)
    page.click("nav >> text=识别退出")
    page.fill("[data-testid=village-form] input[name=year]", "2019")
    page.click("[data-testid=village-form] button")
    page.wait_for_selector("[data-testid=candidates]")
    failing = page.locator("[data-testid=candidates] tr[data-number='130126100201003']")
    assert "不符合退出条件" in failing.inner_text() and "人均纯收入 1000.00 元" in failing.inner_text()
    assert not failing.locator(
        "input[type=checkbox]"
    ).is_checked()  # only those that meet the rules are ticked
    page.fill("[data-testid=propose-list] input[name=on]", "2019-11-01")
    page.click("[data-testid=propose-list] button")
    page.wait_for_selector("[data-testid=group-appraisal-0]")
    assert Procedure.objects.filter(state="open").count() == 2
    group = page.locator("[data-testid=group-appraisal-0]")
    group.locator("input[name$=on]").fill("2019-11-03")
    group.locator("input[name$=attendance]").fill("32")
    group.locator("input[name$=votes_for]").fill("30")
    group.locator("input[name$=votes_against]").fill("1")
    group.locator("button").click()
    page.wait_for_selector("[data-testid=group-consent-0]")
    assert Step.objects.filter(code="appraisal", passed=True).count() == 2
    _screenshot(page, "procedures.png")
    page.locator("[data-testid=group-consent-0] a", has_text="130126100201001").click()
    page.wait_for_selector("[data-testid=progress]")
    assert page.locator("[data-testid=progress] [data-step=appraisal]").get_attribute("data-done") == "passed"
    assert page.locator("[data-testid=progress] [data-step=consent]").get_attribute("data-done") == "current"
    assert "参会 32 人，赞成 30，反对 1" in page.locator("[data-testid=steps]").inner_text()
