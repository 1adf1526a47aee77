"""From an alert to an eliminated case in a real Chromium: the village task force checks the alert at home, puts the
household under monitoring, records a measure and proposes the risk's elimination; the township and county do their
steps; the case shows the risk eliminated."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from tuopin.administration.policy_services import policy_set
from tuopin.conftest import MakeUser
from tuopin.monitoring.models import Alert, Case
from tuopin.monitoring.services import screening_run
from tuopin.procedures.models import Procedure
from tuopin.procedures.services import notice_start, procedure_act
from tuopin.registry.models import Income
from tuopin.registry.tests.conftest import RegisterHousehold
from tuopin.site.tests.test_browser import HOME, _screenshot, _sign_in, browser, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser
VILLAGE = "130126100201"


def test_from_an_alert_to_an_eliminated_case(
    page: Any,  # noqa: F811
    make_user: MakeUser,
    register: RegisterHousehold,
    tmp_path: Path,
) -> None:
    with override_settings(DATA_DIR=tmp_path):
        policy_set(
            actor=None, key="monitoring_line", year=2024, value="7000", province="13", source="冀2024监测线"
        )
        household = register(
            "130126100201001",
            population_type="ordinary",
            status="",
            identification_year=None,
            water_safe=True,
        )
        Income.objects.create(
            household=household,
            year=2023,
            wage=Decimal("9000"),
            business=0,
            property_income=0,
            transfer=0,
            costs=0,
        )
        screening_run(actor=None, as_of=date(2024, 6, 28))
    alert = Alert.objects.get()
    task_force = make_user("cundong", "village", VILLAGE)
    township, county = (
        make_user("lingshouzhen", "township", "130126100"),
        make_user("lingshou2", "county", "130126"),
    )
    _sign_in(page, task_force.username)
    page.wait_for_url(HOME)
    page.click("nav >> text=返贫监测")
    page.click(f"[data-alert='{alert.pk}'] a")
    page.wait_for_selector("[data-testid=evidence]")
    assert "冀2024监测线" in page.locator("[data-testid=evidence]").inner_text()
    page.click("[data-testid=open-case]")
    form = page.locator("[data-testid=case-form]")
    form.locator("select[name=type]").select_option("marginal")
    form.locator("input[value=illness]").check()
    form.locator("input[name=visited_on]").fill("2024-07-01")
    form.locator("input[name=visited_by]").fill("驻村工作队 王五")
    form.locator("input[name=authorisation_signed]").check()
    form.locator("textarea[name=note]").fill("户主患慢性病，家庭收入低")
    form.locator("button").click()
    page.wait_for_selector("[data-testid=elimination-check]")
    assert page.locator("[data-check=measure]").get_attribute("data-ok") == "0"
    page.click("summary >> text=记录帮扶措施")
    measure = page.locator("[data-testid=measure-form]")
    measure.locator("select[name=type]").select_option("public_post")
    measure.locator("input[name=on]").fill("2024-08-01")
    measure.locator("input[name=text]").fill("安排村公益岗位，每月 800 元")
    measure.locator("button").click()
    # The measure's POST is a navigation: wait for the page it lands on, or the reload below races it.
    page.wait_for_selector("[data-check=measure][data-ok='1']")
    Income.objects.create(
        household=household,
        year=2024,
        wage=Decimal("30000"),
        business=0,
        property_income=0,
        transfer=0,
        costs=0,
    )
    page.reload()
    assert page.locator("[data-testid=elimination-check] .badge").inner_text() == "符合"
    _screenshot(page, "monitoring-case.png")
    page.click("text=提出风险消除")
    page.wait_for_selector("[data-testid=progress]")
    procedure = Procedure.objects.get(kind="risk_elimination")
    for actor, data in ((task_force, {"attendance": 18, "votes_for": 17, "votes_against": 0}),):
        procedure_act(
            actor=actor, procedure=procedure, version=procedure.version, on=procedure.started_on, data=data
        )
    notice_start(actor=task_force, procedure=procedure, version=procedure.version, on=procedure.started_on)
    assert procedure.notice_ends_on is not None
    Procedure.objects.filter(pk=procedure.pk).update(
        notice_started_on=date(2024, 9, 1), notice_ends_on=date(2024, 9, 6)
    )
    procedure.refresh_from_db()
    procedure_act(actor=task_force, procedure=procedure, version=procedure.version, on=procedure.started_on)
    procedure_act(
        actor=township,
        procedure=procedure,
        version=procedure.version,
        on=procedure.started_on,
        data={"approve": True},
    )
    procedure_act(
        actor=county,
        procedure=procedure,
        version=procedure.version,
        on=procedure.started_on,
        data={"document": "灵防返贫〔2025〕9号"},
    )
    case = Case.objects.get()
    page.goto(f"/monitoring/cases/{case.pk}/")
    assert page.locator("[data-testid=state]").inner_text() == "风险已消除"
    assert "灵防返贫〔2025〕9号" in page.locator("[data-testid=events]").inner_text()
