"""A county's township round in a real Chromium: three judges score from their phones (375 × 667) while the
projected page (1920 × 1080) ticks off each sheet as it arrives and, once the office closes the round, shows the
ranking and its bar chart, all without a reload."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from tuopin.accounts.models import User
from tuopin.areas.models import Area
from tuopin.conftest import MakeUser
from tuopin.contest.models import RoundState
from tuopin.contest.ranking import Grading, Item
from tuopin.contest.services import ContestantData, RoundData, round_close, round_create, round_open
from tuopin.site.tests.test_browser import HOME, _screenshot, _sign_in, browser, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

TOWNSHIPS = {"130126100": "灵寿镇", "130126101": "青同镇", "130126102": "塔上镇"}
PHONE = {"width": 375, "height": 667}
PROJECTOR = {"width": 1920, "height": 1080}
# judge → the 汇报 and 答问 scores it gives each township, in speaking order
SCORES = {
    "judge1": [(90, 18), (85, 16), (80, 15)],
    "judge2": [(92, 19), (84, 15), (78, 14)],
    "judge3": [(88, 17), (86, 17), (82, 16)],
}


def _phone(browser: Any, live_server: Any, username: str) -> Any:  # noqa: F811
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE, is_mobile=True)
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    _sign_in(phone, username)
    phone.wait_for_url("**/contest/judging/")  # a judge-only account lands on the rounds it judges
    return phone


def test_three_judges_score_from_their_phones_and_the_projected_page_ranks_them_live(
    browser: Any,  # noqa: F811
    live_server: Any,
    page: Any,  # noqa: F811
    own: User,
    make_user: MakeUser,
) -> None:
    for code, name in TOWNSHIPS.items():
        Area.objects.get_or_create(
            code=code, defaults={"name": name, "level": "township", "parent_id": "130126"}
        )
    panel = [make_user(username, "judge", "130126") for username in SCORES]
    contest_round = round_create(
        actor=own,
        data=RoundData(
            title="灵寿县乡镇党委书记擂台赛",
            level="county",
            held_on=date(2019, 6, 28),
            organiser_code="130126",
            items=(Item("汇报", Decimal(100)), Item("答问", Decimal(20))),
            grading=Grading("thresholds", (("好", Decimal(90)), ("较好", Decimal(80))), "一般"),
            contestants=tuple(ContestantData(code, f"{name}党委书记") for code, name in TOWNSHIPS.items()),
            judges=tuple(judge.pk for judge in panel),
            trim=False,
        ),
    )
    round_open(actor=own, contest_round=contest_round)

    page.set_viewport_size(PROJECTOR)
    _sign_in(page, "lingshou")
    page.wait_for_url(HOME)
    page.goto(f"/contest/rounds/{contest_round.pk}/screen/")
    page.evaluate("window.notReloaded = true")
    assert page.locator("[data-testid=progress] td.tick").count() == 0

    for done, (username, scores) in enumerate(SCORES.items(), 1):
        phone = _phone(browser, live_server, username)
        phone.goto("/contest/rounds/")
        phone.click(f"[data-testid=my-judgings] >> text={contest_round.title}")
        phone.click("[data-testid=contestant-list] a >> nth=0")
        for reported, answered in scores:
            phone.wait_for_selector("[data-testid=sheet-form]")
            phone.fill("[data-item=汇报]", str(reported))
            phone.fill("[data-item=答问]", str(answered))
            if done == 1 and reported == scores[0][0]:
                _screenshot(phone, "contest-sheet.png")
            phone.click("[data-testid=submit]")
        phone.wait_for_selector("[data-testid=contestant-list]")
        assert phone.locator("[data-scored=yes]").count() == len(TOWNSHIPS)
        assert 'data-testid="total"' not in phone.content()  # no ranking for a judge before publication
        if done == 1:
            _screenshot(phone, "contest-phone.png")
        phone.context.close()
        # the projected page ticks the judge's sheets off without a reload, and shows no score
        expect(page.locator("[data-testid=progress] td.tick")).to_have_count(done * len(TOWNSHIPS))
        assert "90" not in page.locator("[data-testid=progress]").inner_text()

    round_close(actor=own, contest_round=contest_round)
    page.wait_for_selector("[data-testid=ranking]")
    page.wait_for_selector("[data-contest-chart][data-drawn=yes] canvas")
    areas = page.locator("[data-testid=ranking] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.area)"
    )
    assert areas == ["130126100", "130126101", "130126102"]
    totals = page.locator("[data-testid=ranking] [data-testid=total]").all_inner_texts()
    assert totals == ["90.00", "84.17", "79.17"]  # (90+18 + 92+19 + 88+17) / 3 / 120 × 100 …
    assert page.locator("[data-testid=ranking] [data-testid=grade]").all_inner_texts() == [
        "好",
        "较好",
        "一般",
    ]
    assert page.evaluate("window.notReloaded") is True
    assert contest_round.state == RoundState.CLOSED
    _screenshot(page, "contest-screen.png")
