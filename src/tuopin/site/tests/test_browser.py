"""A real Chromium, driven by Playwright, against the live server: what a county official sees and clicks."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tuopin.accounts.models import User
from tuopin.administration.area_services import AttributeRow, area_years_apply
from tuopin.conftest import PASSWORD

HOME = re.compile(r"^http://[^/]+/$")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="Debian chromium missing"
    ),
]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the tests are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")


def test_a_county_user_signs_in_sees_the_scope_and_browses_areas(page: Any, own: User) -> None:
    _sign_in(page, "lingshou")
    page.wait_for_url(HOME)
    assert "灵寿县" in page.locator("[data-testid=scope]").inner_text()
    page.click("text=行政区划")
    page.click("a[href='/areas/130126/']")
    page.wait_for_url("**/areas/130126/")
    assert page.locator("[data-testid=children]").inner_text().count("灵寿镇") == 1
    page.click("text=灵寿镇")
    page.wait_for_url("**/areas/130126100/")
    assert "城东村" in page.locator("[data-testid=children]").inner_text()
    _screenshot(page, "areas.png")
    page.goto("/areas/")
    page.fill("[data-testid=area-search]", "城西")
    page.wait_for_selector("[data-testid=area-results] >> text=城西村")
    assert "东关村" not in page.content()


def test_five_bad_passwords_lock_the_account(page: Any, own: User) -> None:
    for _ in range(5):
        _sign_in(page, "lingshou", "not-the-password")
    assert "账户已锁定" in page.content()
    _sign_in(page, "lingshou")
    assert "账户已锁定" in page.content()


def test_the_language_switches_to_english_and_back(page: Any, own: User) -> None:
    _sign_in(page, "lingshou")
    page.wait_for_url(HOME)
    page.click("[data-testid=language]")
    page.wait_for_selector("html[lang=en]")
    assert "Divisions" in page.locator("nav").inner_text()
    page.click("[data-testid=language]")
    page.wait_for_selector("html[lang=zh-hans]")
    assert "行政区划" in page.locator("nav").inner_text()


def test_an_area_page_shows_its_yearly_attributes(page: Any, own: User) -> None:
    rows = [
        AttributeRow(
            "130126", year, {"rural_population": population, "poor_county": year < 2019, "western": False}
        )
        for year, population in ((2017, 262_310), (2018, 259_870), (2019, 257_120))
    ]
    area_years_apply(rows=rows)
    _sign_in(page, "lingshou")
    page.wait_for_url(HOME)
    page.goto("/areas/130126/")
    table = page.locator("[data-testid=years]").inner_text()
    assert "2019" in table and "257120" in table.replace(",", "")
    _screenshot(page, "screenshot.png")


def _screenshot(page: Any, name: str) -> None:
    """Screenshots go to TUOPIN_SCREENSHOT_DIR (`make screenshot` points it at docs/)."""
    directory = Path(
        os.environ.get("TUOPIN_SCREENSHOT_DIR") or Path(os.environ["TUOPIN_DATA_DIR"]) / "screenshots"
    )
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / name), full_page=False)


def test_policy_values_are_read_and_a_province_sets_its_own(page: Any, make_user: Any) -> None:
    make_user("hebei", "province", "13")
    _sign_in(page, "hebei")
    page.wait_for_url("**/accounts/login/verify/")  # province offices sign in with a second factor
    device = TOTPDevice.objects.get(user__username="hebei")
    page.fill(
        "#id_token",
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}",
    )
    page.click("main button[type=submit]")
    page.wait_for_url(HOME)
    page.click("nav >> text=政策参数")
    page.select_option("#year", "2019")
    page.click("[data-testid=profile-filter] button")
    row = page.locator("tr[data-key=poverty_line]")
    assert "3218" in row.inner_text() and "全国" in row.inner_text()
    page.click("tr[data-key=monitoring_line] a")
    page.fill("#id_year", "2023")
    page.fill("#id_value", "7000")
    page.fill("#id_source", "冀 2023 年监测标准")
    page.click("[data-testid=value-form] button")
    page.wait_for_selector("[data-testid=changes] >> text=冀 2023 年监测标准")
    page.goto("/policy/?year=2024&province=13")
    row = page.locator("tr[data-key=monitoring_line]")
    assert "7000" in row.inner_text() and "河北省" in row.inner_text()
