"""The measures page: what it shows of the user's area, drill-down in scope, a neighbour's area as 404, read-only,
and as many queries for many households as for few."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold, client_for
from tuopin.measures.tests.test_registry import EAST, TOWNSHIP, WEST, YEAR, households, income
from tuopin.registry.models import Household
from tuopin.site.tests.test_browser import CHROMIUM, HOME, _screenshot, _sign_in, browser, page  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/measures/"


def get(user: User, **query: Any) -> tuple[int, str]:
    response = client_for(user).get(URL, query)
    return response.status_code, response.content.decode()


def chart(body: str) -> dict[str, Any]:
    found = re.search(r'<script id="measures-data" type="application/json">(.*?)</script>', body, re.S)
    assert found is not None
    data: dict[str, Any] = json.loads(found[1])
    return data


def test_it_shows_the_measures_of_the_county_by_default(register: RegisterHousehold, own: User) -> None:
    households(register)
    status, body = get(own)
    assert status == 200
    assert 'aria-current="page">灵寿县<' in body
    assert f'<option value="{YEAR}" selected>' in body  # the latest year with incomes
    assert '<option value="2019">' in body  # E's record of 2019
    assert 'data-testid="persons">11<' in body and 'data-testid="households">4<' in body
    assert "1 户 3 人" in body  # E, without an income record for 2020
    assert f"?area={TOWNSHIP}&amp;year={YEAR}&amp;spec=guarantees" in body  # the one child: 灵寿镇
    assert "高邑" not in body  # F lies in the neighbouring county


def test_it_shows_a_township_by_hand(register: RegisterHousehold, own: User) -> None:
    households(register)  # the figures of test_registry.test_it_measures_a_township_by_hand
    status, body = get(own, area=TOWNSHIP, year=YEAR)
    assert status == 200
    poverty = re.search(r'data-testid="line-poverty_line">(.*?)</tr>', body, re.S)
    assert poverty is not None
    assert ">4000<" in poverty[1] and ">45.45%<" in poverty[1]  # P0 = 5/11 (Chinese numbers are not grouped)
    assert ">5000<" in poverty[1]  # the income gap: D's two at 2,500 each
    monitoring = re.search(r'data-testid="line-monitoring_line">(.*?)</tr>', body, re.S)
    assert monitoring is not None and "72.73%" in monitoring[1]  # 8/11 at 6,000
    assert 'data-testid="mpi-H">72.73%<' in body and 'data-testid="mpi-A">37.50%<' in body
    assert 'data-testid="mpi-M0">0.2727<' in body
    income_row = re.search(r'data-testid="indicator-income">(.*?)</tr>', body, re.S)
    assert income_row is not None and "55.56%" in income_row[1]  # the contribution 5/9
    assert f'href="?area={EAST}&amp;year={YEAR}&amp;spec=guarantees">城东村<' in body
    assert 'data-testid="category-none"><td>不适用<' in body
    data = chart(body)
    assert [i["label"] for i in data["indicators"]] == [
        "收入",
        "义务教育",
        "基本医疗",
        "住房安全",
        "饮水安全",
    ]
    assert [bar["code"] for bar in data["bars"]] == [TOWNSHIP, EAST, WEST]
    for bar in data["bars"]:  # each bar's stack is its M0
        assert sum(bar["parts"].values()) == pytest.approx(bar["M0"])
    assert data["bars"][1]["parts"] == pytest.approx(
        {"income": 1 / 6, "education": 0, "medical": 1 / 12, "housing": 0, "water": 1 / 12}
    )  # 城东村: A's income for 3 of 6, B's medical and water for 3 of 6
    assert 'data-chart="mpi-contributions"' in body and "tuopin/measures.js" in body


def test_a_village_has_no_child_bars_and_an_earlier_year_says_which_line_is_missing(
    register: RegisterHousehold, own: User
) -> None:
    made = households(register)
    for name in "ABCD":
        income(made[name], "9654", year=2019)
    status, body = get(own, area=EAST, year=2019)
    assert status == 200
    assert [bar["code"] for bar in chart(body)["bars"]] == [EAST]
    assert 'data-testid="by-area"' not in body
    assert "2019 年没有这条标准" in body  # no monitoring line before 2020


def test_a_neighbour_gets_404_and_an_audit_row(register: RegisterHousehold, neighbour: User) -> None:
    households(register)
    status, _body = get(neighbour, area=TOWNSHIP)
    assert status == 404
    assert AuditEvent.objects.filter(
        action="access.not_found", object_type="area", object_id=TOWNSHIP
    ).exists()
    status, body = get(neighbour)  # its own county: F
    assert status == 200 and 'data-testid="persons">3<' in body and "灵寿" not in body


def test_the_inspector_reads_and_the_page_writes_nothing(
    register: RegisterHousehold, inspector: User
) -> None:
    households(register)
    client = client_for(inspector)
    client.get(URL)  # the first visit may set up the session
    events = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"area": TOWNSHIP, "year": YEAR})
    assert response.status_code == 200 and 'data-testid="persons">11<' in response.content.decode()
    writes = [q["sql"] for q in queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.I)]
    assert [sql for sql in writes if "django_session" not in sql] == []
    assert AuditEvent.objects.count() == events


def test_a_user_of_two_counties_sees_each_as_a_group(
    register: RegisterHousehold, make_user: MakeUser
) -> None:
    households(register)
    both = make_user("shijiazhuang2", "county", "130126", "130127")
    status, body = get(both, year=YEAR)
    assert status == 200 and 'data-testid="persons">14<' in body
    assert [bar["code"] for bar in chart(body)["bars"]] == ["", "130126", "130127"]


def test_it_says_what_it_cannot_measure(register: RegisterHousehold, own: User) -> None:
    status, body = get(own)
    assert status == 200 and 'data-testid="no-incomes"' in body
    household = register("A", village=EAST)
    income(household, "3000", year=2013)  # before the specification's weights and k (2014)
    status, body = get(own)
    assert status == 200 and 'data-testid="refusal"' in body
    assert "2013 年的政策参数缺少" in body and "多维贫困：收入指标权重" in body
    status, body = get(own, year=2031)
    assert status == 400 and 'data-testid="form-error"' in body
    status, body = get(own, year=2013, spec="global")
    assert status == 400 and 'data-testid="form-error"' in body


def test_the_menu_links_the_page(own: User) -> None:
    _status, body = get(own)
    assert 'href="/measures/" aria-current="page">贫困测度<' in body


def test_it_takes_as_many_queries_for_many_households_as_for_few(
    register: RegisterHousehold, own: User
) -> None:
    client = client_for(own)

    def grow(count: int) -> int:
        for index in range(Household.objects.count(), count):
            household = register(f"Q{index:03d}", village=(EAST, WEST)[index % 2], water_safe=index % 3 == 0)
            income(household, str(6000 + 1000 * index))
        client.get(URL, {"area": TOWNSHIP})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"area": TOWNSHIP})
        assert response.status_code == 200
        assert f'data-testid="households">{count}<' in response.content.decode()
        return len(queries)

    few, many = grow(2), grow(24)
    assert few == many <= 15


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing")
def test_in_a_browser_the_bar_of_a_child_area_opens_its_measures(
    page: Any,  # noqa: F811 - the fixture of site/tests/test_browser.py
    register: RegisterHousehold,
    own: User,
) -> None:
    households(register)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))  # an exception in a script
    _sign_in(page, "lingshou")
    page.wait_for_url(HOME)
    page.click("nav >> text=贫困测度")
    page.wait_for_url("**/measures/")
    page.goto(f"/measures/?area={TOWNSHIP}&year={YEAR}")
    chart_box = page.locator("[data-testid=chart-contributions]")
    chart_box.scroll_into_view_if_needed()
    page.wait_for_selector("[data-testid=chart-contributions][data-drawn=true]")
    assert page.evaluate(
        "() => echarts.getInstanceByDom(document.querySelector('[data-testid=chart-contributions]'))"
        ".getOption().series.map((s) => s.name)"
    ) == ["收入", "义务教育", "基本医疗", "住房安全", "饮水安全"]
    _screenshot(page, "measures.png")
    # The second bar is 城东村's: click its income part (the bottom of the stack) through the chart's own pixel.
    x, y = page.evaluate(
        """() => echarts.getInstanceByDom(document.querySelector('[data-testid=chart-contributions]'))
               .convertToPixel({seriesIndex: 0}, [1, 0.05])"""
    )
    box = chart_box.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(f"**/measures/?area={EAST}&year={YEAR}&spec=guarantees")
    assert 'aria-current="page">城东村<' in page.content()
    assert errors == []
