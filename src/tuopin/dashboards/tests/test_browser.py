"""The province dashboard on a wall's screen (1920×1080): the map of the cities coloured by incidence, a click on a
city lands on its dashboard, a chart's data downloads as Excel; a county's townships drill down from the bars."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from python_calamine import CalamineWorkbook

from tuopin.conftest import MakeUser, RegisterHousehold
from tuopin.dashboards.figures import figures_refresh
from tuopin.site.tests.test_browser import ARGS, CHROMIUM, HOME, _screenshot, _sign_in, browser  # noqa: F401

pytestmark = [pytest.mark.browser]


@pytest.fixture
def wall(browser: Any, live_server: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 1920, "height": 1080},
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def assessed(register: RegisterHousehold, settings: Any, tmp_path: Any) -> None:
    from tuopin.areas.models import AreaYear
    from tuopin.assessment.services import assessment_run
    from tuopin.policy.seed import policy_seed

    settings.DATA_DIR = tmp_path
    policy_seed()
    register("H1")
    register("H2", village="130722100201", head="张大山")
    for code, rural in (("13", 600), ("1301", 300), ("1307", 600), ("130126", 100), ("130722", 200)):
        AreaYear.objects.create(area_id=code, year=2019, rural_population=rural)
    assessment_run(actor=None, year=2019, area="13")
    figures_refresh()


def _point_of(page: Any, selector: str, lon: float, lat: float) -> dict[str, float]:
    """The page coordinates of a longitude and latitude on the map chart in `selector`."""
    return dict(
        page.evaluate(
            """([selector, lon, lat]) => {
                const el = document.querySelector(selector);
                const [x, y] = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [lon, lat]);
                const r = el.getBoundingClientRect();
                return {x: r.left + x, y: r.top + y};
            }""",
            [selector, lon, lat],
        )
    )


def test_the_province_map_drills_into_a_city_and_exports(
    wall: Any, assessed: None, make_user: MakeUser
) -> None:
    make_user("hebei", "province", "13")
    _sign_in(wall, "hebei")
    wall.wait_for_url("**/accounts/login/verify/")
    device = TOTPDevice.objects.get(user__username="hebei")
    wall.fill(
        "#id_token",
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}",
    )
    wall.click("main button[type=submit]")
    wall.wait_for_url(HOME)
    wall.click("nav >> text=统计")
    wall.wait_for_selector("[data-testid=chart-map][data-drawn='1'] canvas")
    assert wall.locator("[data-testid=kpi-incidence]").inner_text() == "1.00%"  # 6 poor of 600 rural persons
    colours = wall.evaluate(
        """() => echarts.getInstanceByDom(document.querySelector('[data-testid=chart-map]'))
            .getOption().series[0].data.filter((d) => d.value != null && !isNaN(d.value)).map((d) => [d.name, d.value])"""
    )
    assert sorted(colours) == [
        ["1301", 1.0],
        ["1307", 0.5],
    ]  # 3 of 300 and 3 of 600; the nine other cities grey
    wall.wait_for_timeout(600)  # let the map settle
    _screenshot(wall, "dashboard-province.png")
    with wall.expect_download() as download:
        wall.click("[data-testid=export-children]")
    sheet = CalamineWorkbook.from_path(download.value.path()).get_sheet_by_index(0).to_python()
    assert sheet[0][:2] == ["区划代码", "区划"] and {row[1] for row in sheet[1:]} >= {"石家庄市", "张家口市"}
    point = _point_of(wall, "[data-testid=chart-map]", 114.5, 38.05)  # the city of Shijiazhuang
    wall.mouse.click(point["x"], point["y"])
    wall.wait_for_url(lambda url: "area=1301" in url)
    assert "石家庄市" in wall.locator(".breadcrumb").inner_text()
    wall.wait_for_selector(
        "[data-testid=chart-map][data-drawn='1'] canvas"
    )  # the city's counties as shapes too
    png = wall.evaluate(
        """() => echarts.getInstanceByDom(document.querySelector('[data-testid=chart-map]'))
            .getDataURL({type: 'png'}).slice(0, 22)"""
    )
    assert png == "data:image/png;base64,"  # what the toolbox's PNG export saves


def test_a_county_drills_into_a_township_from_the_bars(
    wall: Any, assessed: None, make_user: MakeUser
) -> None:
    make_user("lingshou", "county", "130126")
    _sign_in(wall, "lingshou")
    wall.wait_for_url(HOME)
    wall.click("nav >> text=统计")
    wall.wait_for_url("**/dashboard/")
    wall.select_option("#measure", "households")  # the form submits itself
    wall.wait_for_url(lambda url: "measure=households" in url)
    wall.wait_for_selector(
        "[data-testid=chart-children][data-drawn='1'] canvas"
    )  # no shapes below a county: bars
    wall.wait_for_timeout(1200)  # let the bars grow in
    box = wall.evaluate("""() => {
        const el = document.querySelector('[data-testid=chart-children]');
        const [x, y] = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [0, 0.5]);
        const r = el.getBoundingClientRect();
        return {x: r.left + x, y: r.top + y};
    }""")
    wall.mouse.click(box["x"], box["y"])
    wall.wait_for_url(lambda url: "area=130126100" in url)
    assert "灵寿镇" in wall.locator(".breadcrumb").inner_text()
