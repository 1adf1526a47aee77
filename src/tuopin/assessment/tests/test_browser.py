"""A county office runs the year's exit assessment in a real Chromium and follows it down to a household's reasons."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tuopin.accounts.models import User
from tuopin.areas.models import Area, AreaYear
from tuopin.registry.models import Income
from tuopin.registry.tests.conftest import RegisterHousehold
from tuopin.site.tests.test_browser import HOME, _screenshot, _sign_in, browser, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_run_an_assessment_and_open_a_households_reasons(
    page: Any,  # noqa: F811
    own: User,
    register: RegisterHousehold,
    tree: dict[str, Area],
) -> None:
    household = register("130126100201001", water_safe=True)
    Income.objects.create(
        household=household,
        year=2019,
        wage=Decimal("9000"),
        business=0,
        property_income=0,
        transfer=0,
        costs=0,
    )
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


def test_a_what_if_run_shows_the_households_a_higher_line_would_keep(
    page: Any,  # noqa: F811
    own: User,
    register: RegisterHousehold,
    tree: dict[str, Area],
) -> None:
    for number, net in (
        ("130126100201001", "10000"),
        ("130126100201002", "30000"),
    ):  # 3,333 and 10,000 per head
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
    AreaYear.objects.create(area=tree["130126100"], year=2019, rural_population=300)
    _sign_in(page, "lingshou")
    page.wait_for_url(HOME)
    page.click("nav >> text=退出评估")
    page.click("summary >> text=假设分析")
    page.fill("#wi_year", "2019")
    page.select_option("#wi_area", "130126")
    page.select_option("#wi_key", "poverty_line")
    page.fill("#wi_value", "3500")
    page.click("[data-testid=what-if-form] button")
    page.wait_for_selector("[data-testid=job-next]")
    page.click("[data-testid=job-next]")
    page.wait_for_selector("[data-testid=what-if-counts]")
    assert "2 → 1" in page.locator("[data-testid=what-if-counts]").inner_text()
    changed = page.locator("[data-testid=what-if-changed]").inner_text()
    assert "130126100201001" in changed and "130126100201002" not in changed
    township = page.locator("[data-testid=what-if-areas] tr", has_text="灵寿镇").inner_text()
    assert "0.00%" in township and "1.00%" in township  # 3 persons of 300 under the higher line


def test_a_province_office_records_a_county_evaluation_and_reads_the_rates(
    page: Any,  # noqa: F811
    make_user: Any,
) -> None:
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    make_user("hebei", "province", "13")
    _sign_in(page, "hebei")
    page.wait_for_url("**/accounts/login/verify/")
    device = TOTPDevice.objects.get(user__username="hebei")
    page.fill(
        "#id_token",
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}",
    )
    page.click("main button[type=submit]")
    page.wait_for_url(HOME)
    page.click("nav >> text=退出评估")
    page.click("text=贫困县退出专项评估")
    form = page.locator("[data-testid=evaluation-form]")
    form.locator("select[name=county]").select_option("130126")
    for name, value in (
        ("year", "2019"),
        ("sampled_exited", "1000"),
        ("wrong_exits", "25"),
        ("sampled_unregistered", "500"),
        ("missed", "3"),
        ("surveyed_households", "300"),
        ("approving_households", "285"),
        ("evaluated_on", "2019-11-15"),
        ("evaluator", "第三方评估机构"),
    ):
        form.locator(f"[name={name}]").fill(value)
    form.locator("button").click()
    row = page.locator("[data-testid=evaluations] tr", has_text="灵寿县")
    row.wait_for()
    assert "2.50%" in row.inner_text() and "0.60%" in row.inner_text() and "95.00%" in row.inner_text()
