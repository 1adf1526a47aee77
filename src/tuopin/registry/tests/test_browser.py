"""A village task force's daily path in a real Chromium: search, open, edit, read the timeline, reveal an ID."""

from __future__ import annotations

from typing import Any

import pytest

from tuopin.accounts.models import User
from tuopin.core.crypto import decrypt
from tuopin.registry.tests.conftest import RegisterHousehold
from tuopin.site.tests.test_browser import HOME, _screenshot, _sign_in, browser, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_search_open_edit_and_see_the_timeline(page: Any, own: User, register: RegisterHousehold) -> None:  # noqa: F811
    household = register("130126100201001")
    register("130126100201002", head="赵大山")
    _sign_in(page, "lingshou")
    page.wait_for_url(HOME)
    page.click("nav >> text=贫困户")
    page.fill("#id_q", "王建国")
    page.click("[data-testid=household-filters] button[type=submit]")
    page.wait_for_selector("[data-testid=households] >> text=130126100201001")
    assert "130126100201002" not in page.locator("[data-testid=households]").inner_text()
    page.click("text=130126100201001")
    page.wait_for_selector("[data-testid=members]")
    assert "李秀英" in page.locator("[data-testid=members]").inner_text()
    page.click("[data-testid=edit-household]")
    page.select_option("#id_housing_safety", "A")
    page.fill("#id_reason", "危房改造验收合格")
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-testid=timeline] >> text=危房改造验收合格")
    assert "住房安全等级：B → A" in page.locator("[data-testid=timeline]").inner_text()
    head = household.head
    assert head is not None
    page.once("dialog", lambda dialog: dialog.accept("核对医保参保信息"))
    page.locator("[data-testid=reveal]").first.click()
    page.wait_for_selector("[data-testid=full-id]")
    assert page.locator("[data-testid=full-id]").inner_text() == decrypt(head.id_encrypted)
    _screenshot(page, "household.png")


def test_import_a_file_with_errors_and_read_every_problem(page: Any, own: User, tmp_path: Any) -> None:  # noqa: F811
    from tuopin.registry.models import Household
    from tuopin.registry.tests.test_import import HEAD, household_row, member_row, workbook

    bad = workbook(
        tmp_path / "村里的表.xlsx",
        [household_row(村代码="130126999999")],
        [member_row("H1", "张", HEAD, "邻居")],
    )
    _sign_in(page, "lingshou")
    page.wait_for_url(HOME)
    page.goto("/registry/import/")
    page.set_input_files("[data-testid=import-form] input[type=file]", str(bad))
    page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_selector("[data-testid=job][data-status=failed]")
    assert "未写入任何数据" in page.locator("[data-testid=job-result]").inner_text()
    rows = page.locator("[data-testid=job-errors] tbody tr").all_inner_texts()
    assert any("户信息" in r and "村代码" in r and "130126999999" in r and "村代码不存在" in r for r in rows)
    assert any("成员信息" in r and "与户主关系" in r and "邻居" in r and "不是可选值" in r for r in rows)
    assert Household.objects.count() == 0
    _screenshot(page, "import-errors.png")
