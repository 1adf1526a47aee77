"""From an inspection finding to a closed rectification item in a real Chromium: the county records a 八看八查
problem in a village, the township works and submits it with evidence, the county sends it back once, then verifies
and closes it; the reconciliation shows it closed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tuopin.accounts.models import User
from tuopin.site.tests.test_browser import HOME, _screenshot, _sign_in, browser, page  # noqa: F401 - fixtures
from tuopin.supervision.models import Checklist, Item
from tuopin.supervision.services import RoundData, round_create
from tuopin.supervision.tests.conftest import VILLAGE

pytestmark = pytest.mark.browser


def _as(page: Any, user: User) -> None:  # noqa: F811
    page.context.clear_cookies()
    _sign_in(page, user.username)
    page.wait_for_url(HOME)


def test_a_finding_becomes_an_item_that_the_township_submits_and_the_county_closes(
    page: Any,  # noqa: F811
    own: User,
    township: User,
    tmp_path: Path,
) -> None:
    today = timezone.localdate()
    checklist = Checklist.objects.get(code="baikan-bacha")
    inspection = round_create(
        actor=own,
        data=RoundData(
            "灵寿县八看八查督查",
            "inspection",
            "县第一督查组",
            "李四、王五",
            "130126",
            checklist.pk,
            today - timedelta(days=3),
            today,
        ),
    )
    _as(page, own)
    page.click("nav >> text=督查整改")
    page.click("[data-testid=supervision-tabs] >> text=督查巡视")
    page.click(f"text={inspection.name}")
    page.wait_for_selector("[data-testid=finding-form]")
    form = page.locator("[data-testid=finding-form]")
    form.locator("select[name=checklist_item]").select_option(
        label="5. 各类监督检查发现脱贫攻坚问题整改落实情况"
    )
    form.locator("input[name=area_code]").fill(VILLAGE)
    form.locator("select[name=result]").select_option("problem")
    form.locator("textarea[name=note]").fill("国考反馈的危房鉴定问题未建整改台账")
    form.locator("select[name=category]").select_option("housing")
    form.locator("input[name=unit]").fill("灵寿镇人民政府")
    form.locator("input[name=person]").fill("赵六")
    form.locator("input[name=deadline]").fill((today + timedelta(days=30)).isoformat())
    form.locator("button").click()
    page.wait_for_selector("[data-testid=finding-item]")
    item = Item.objects.get()
    assert item.source == "inspection" and item.category == "housing" and item.finding is not None
    _screenshot(page, "supervision-round.png")

    _as(page, township)
    page.goto("/supervision/")
    page.click(f"[data-testid=items] >> text={item.number}")
    assert (
        "各类监督检查发现脱贫攻坚问题整改落实情况" in page.locator("[data-testid=description]").inner_text()
    )
    page.fill("[data-testid=act-form] input[name=note]", "已组织重新鉴定")
    page.click("[data-action=start]")
    page.wait_for_selector("[data-testid=status] >> text=整改中")
    evidence = tmp_path / "鉴定报告.pdf"
    evidence.write_bytes(b"%PDF-1.4 appraisal")
    page.set_input_files("[data-testid=evidence-form] input[name=file]", str(evidence))
    page.click("[data-testid=evidence-form] button")
    page.wait_for_selector("[data-testid=evidence] >> text=鉴定报告.pdf")
    page.click("[data-action=submit]")
    page.wait_for_selector("[data-testid=status] >> text=已提交")
    assert page.locator("[data-action=verify]").count() == 0  # the township does not verify its own work

    _as(page, own)
    page.goto(f"/supervision/items/{item.pk}/")
    page.click("[data-action=reject]")  # without a note: refused, the state stays
    page.wait_for_selector("text=请填写说明。")
    page.fill("[data-testid=act-form] input[name=note]", "缺少整改前后对比照片")
    page.click("[data-action=reject]")
    page.wait_for_selector("[data-testid=status] >> text=整改中")

    _as(page, township)
    page.goto(f"/supervision/items/{item.pk}/")
    page.click("[data-action=submit]")
    page.wait_for_selector("[data-testid=status] >> text=已提交")

    _as(page, own)
    page.goto(f"/supervision/items/{item.pk}/")
    page.click("[data-action=verify]")
    page.wait_for_selector("[data-testid=status] >> text=已验收")
    page.click("[data-action=close]")
    page.wait_for_selector("[data-testid=status] >> text=已销号")
    steps = page.locator("[data-testid=steps]").inner_text()
    assert "缺少整改前后对比照片" in steps and "lingshouzhen" in steps
    _screenshot(page, "supervision-item.png")
    item.refresh_from_db()
    assert item.status == "closed" and item.steps.count() == 7
    page.click("[data-testid=supervision-tabs] >> text=对账销号")
    page.wait_for_selector("[data-testid=reconcile-areas]")
    assert "100.0%" in page.locator("[data-testid=reconcile-areas]").inner_text()
    page.wait_for_selector("[data-testid=reconcile-chart] canvas")  # ECharts drew the closure rate by area
    page.wait_for_timeout(1200)  # the bars' animation
    _screenshot(page, "supervision-reconcile.png")
    assert item.found_on == today
