"""The review queue in a real Chromium: a county office applies one submission in review and rejects another with
a note; each leaves the queue with its message, and the database holds the decisions."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tuopin.accounts.models import User
from tuopin.conftest import MakeUser, RegisterHousehold
from tuopin.fieldforms.models import Submission, SubmissionStatus
from tuopin.fieldforms.tests.test_pages import OWN_VILLAGE, in_review
from tuopin.site.tests.test_browser import HOME, _screenshot, _sign_in, browser, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_a_county_office_applies_one_submission_and_rejects_another_with_a_note(
    page: Any,  # noqa: F811
    own: User,
    make_user: MakeUser,
    register: RegisterHousehold,
) -> None:
    task_force = make_user("chengdong", "village", OWN_VILLAGE)
    first = in_review(task_force, register("H301", village=OWN_VILLAGE))
    second = in_review(task_force, register("H302", village=OWN_VILLAGE))
    _sign_in(page, "lingshou")
    page.wait_for_url(HOME)

    page.goto("/fieldforms/review/")
    rows = page.locator("[data-testid=review-row]")
    expect(rows).to_have_count(2)
    expect(page.locator(f"[data-submission='{first.pk}'] [data-testid=target]")).to_contain_text(
        "H301 王建国"
    )
    _screenshot(page, "fieldforms_review.png")

    page.locator(f"[data-submission='{first.pk}'] [data-testid=apply]").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已应用提交 #{first.pk}")
    expect(rows).to_have_count(1)

    row = page.locator(f"[data-submission='{second.pk}']")
    row.locator("[data-testid=reject]").click()  # without a note: refused, still in the queue
    expect(page.locator(".alert-danger")).to_contain_text("驳回须写明原因")
    expect(rows).to_have_count(1)
    row.locator("input[name=note]").fill("成员信息已由乡镇核实更新")
    row.locator("[data-testid=reject]").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已驳回提交 #{second.pk}")
    expect(page.locator("[data-testid=review-empty]")).to_be_visible()

    assert Submission.objects.get(pk=first.pk).status == SubmissionStatus.APPLIED
    rejected = Submission.objects.get(pk=second.pk)
    assert (rejected.status, rejected.resolution_note, rejected.resolved_by) == (
        SubmissionStatus.REJECTED,
        "成员信息已由乡镇核实更新",
        own,
    )

    page.goto("/fieldforms/submissions/")
    expect(page.locator("[data-testid=count-applied]")).to_have_text("1")
    expect(page.locator("[data-testid=count-rejected]")).to_have_text("1")
    expect(page.locator("[data-testid=count-review]")).to_have_text("0")
