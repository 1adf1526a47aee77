"""The registry dashboard: counts inside the scope, by child area, drill-down."""

from __future__ import annotations

from typing import Any

import pytest

from tuopin.accounts.models import User
from tuopin.conftest import MakeUser, client_for
from tuopin.registry.stats import dashboard_for
from tuopin.registry.tests.conftest import RegisterHousehold
from tuopin.site.tests.test_browser import HOME, _screenshot, _sign_in, browser, page  # noqa: F401 - fixtures


@pytest.fixture
def registry(register: RegisterHousehold) -> None:
    register("H1")
    register(
        "H2", village="130126100202", head="赵大山", status="exited_policy", exit_year=2018, category="dibao"
    )
    register("H3", village="130127100201", head="高大伟")


@pytest.mark.django_db
def test_it_counts_inside_the_scope(registry: None, own: User) -> None:
    board = dashboard_for(own, None)
    assert (board.households, board.persons) == (2, 6)
    assert {r["code"]: r["households"] for r in board.by_status} == {"poor": 1, "exited_policy": 1}
    assert {r["code"]: r["households"] for r in board.by_category} == {"general": 1, "dibao": 1}


@pytest.mark.django_db
def test_the_page_shows_the_scope_and_its_child_areas(registry: None, own: User) -> None:
    body = client_for(own).get("/registry/dashboard/").content.decode()
    assert 'data-testid="kpi-households">2<' in body
    assert 'href="?area=130126100"' in body  # 灵寿镇, the child of the county
    assert "高邑" not in body


@pytest.mark.django_db
def test_a_drill_down_outside_the_scope_is_404(registry: None, own: User) -> None:
    assert client_for(own).get("/registry/dashboard/", {"area": "130127"}).status_code == 404
    village = client_for(own).get("/registry/dashboard/", {"area": "130126100201"}).content.decode()
    assert 'data-testid="kpi-households">1<' in village


@pytest.mark.django_db
def test_a_province_user_sees_every_city(
    registry: None, make_user: MakeUser, django_assert_max_num_queries: Any
) -> None:
    client = client_for(make_user("prov", "province", "13"))
    # 17: the shell, the counts by status, category, cause, type and child area, and the incidence of each year.
    with django_assert_max_num_queries(17):
        body = client.get("/registry/dashboard/").content.decode()
    assert 'data-testid="kpi-households">3<' in body
    assert 'href="?area=1301"' in body and 'href="?area=1307"' in body


@pytest.mark.browser
def test_clicking_a_bar_drills_into_that_area(page: Any, registry: None, make_user: MakeUser) -> None:  # noqa: F811
    make_user("cityuser", "county", "130126", manage=False)
    _sign_in(page, "cityuser")
    page.wait_for_url(HOME)
    page.click("nav >> text=统计")
    page.wait_for_selector("[data-testid=chart-children] canvas")
    page.wait_for_timeout(1200)  # let the bars grow in
    box = page.evaluate("""() => {
        const el = document.querySelector('[data-testid=chart-children]');
        const chart = echarts.getInstanceByDom(el);
        const [x, y] = chart.convertToPixel({seriesIndex: 0}, [0, 1]);
        const r = el.getBoundingClientRect();
        return {x: r.left + x, y: r.top + y + 3};
    }""")
    _screenshot(page, "dashboard.png")
    page.mouse.click(box["x"], box["y"])
    page.wait_for_url(lambda url: url.endswith("/registry/dashboard/?area=130126100"))
    assert "灵寿镇" in page.locator(".breadcrumb").inner_text()
