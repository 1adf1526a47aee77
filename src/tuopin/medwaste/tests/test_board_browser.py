"""The board of coverage and compliance in a real Chromium: 石家庄市's counties on the shipped map (drawn by maps.js,
the dashboards' one way of drawing a map), without a console error; a click on a county opens its board, drawn as
bars."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tuopin.conftest import MakeUser
from tuopin.medwaste.tests.conftest import Network
from tuopin.medwaste.tests.test_board import _collections
from tuopin.site.tests.test_browser import HOME, _screenshot, _sign_in, browser  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


@pytest.fixture
def screen(browser: Any, live_server: Any) -> Iterator[tuple[Any, list[str]]]:  # noqa: F811
    """A wide page and the errors its console, scripts and requests report."""
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1600, "height": 1000}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []

    def console(message: Any) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} {message.location}")  # the browser's own favicon request aside

    def response(answer: Any) -> None:
        if answer.status >= 400:
            errors.append(f"{answer.status} {answer.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", response)
    yield page, errors
    context.close()


def test_the_citys_board_draws_its_counties_on_the_map(
    screen: tuple[Any, list[str]], network: Network, make_user: MakeUser
) -> None:
    page, errors = screen
    _collections(network, 3)
    make_user("sjz", "inspector", "1301")  # reads the city without a second factor
    _sign_in(page, "sjz")
    page.wait_for_url(HOME)
    page.goto("/medwaste/board/?area=1301&quarter=2019Q1&measure=overstays")
    page.wait_for_selector("[data-testid=chart-map][data-drawn='1'] canvas")
    page.wait_for_selector("[data-testid=chart-capacity][data-drawn='1'] canvas")
    coloured = page.evaluate(
        """() => echarts.getInstanceByDom(document.querySelector('[data-testid=chart-map]'))
            .getOption().series[0].data.filter((d) => !d.none).map((d) => [d.name, d.value])"""
    )
    assert sorted(coloured) == [["130126", 3], ["130127", 1]]  # the other counties' shapes grey
    page.wait_for_timeout(600)  # let the map settle
    _screenshot(page, "medwaste-board.png")
    assert errors == []
    page.click("[data-testid=board] a >> text=灵寿县")
    page.wait_for_url(lambda url: "area=130126" in url)
    page.wait_for_selector("[data-testid=chart-bars][data-drawn='1'] canvas")  # no shapes below a county
    assert page.locator("[data-testid=up]").count() == 1
    assert errors == []
