"""From a handover import to the quarterly filing's PDF in a real Chromium: a county office uploads a scale's
handovers through the ledger upload page, opens its transfer point's page for the quarter, reads the totals, downloads
the filing's PDF and marks the quarter filed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tuopin.accounts.models import User
from tuopin.medwaste.models import Filing, Handover
from tuopin.medwaste.tests.conftest import Network
from tuopin.medwaste.tests.test_ledgers import handover, handovers_book, to_disposer
from tuopin.site.tests.test_browser import HOME, _screenshot, _sign_in, browser, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_a_county_office_imports_handovers_and_files_its_points_quarter(
    page: Any,  # noqa: F811
    own: User,
    network: Network,
    tmp_path: Path,
) -> None:
    rows = [
        handover("LD-1", "F-CD", "P-LS", 交接时间="2019-01-03 09:00", **{"重量(千克)": "4.5", "包数": "1"}),
        handover("LD-2", "F-CD", "P-LS", 交接时间="2019-01-05 09:00", **{"重量(千克)": "3", "包数": "1"}),
        to_disposer("ZY-1", "P-LS", 交接时间="2019-01-06 10:00", **{"重量(千克)": "7.5", "包数": "2"}),
    ]
    workbook = handovers_book(tmp_path / "灵寿镇交接记录.xlsx", rows)
    _sign_in(page, "lingshou")
    page.wait_for_url(HOME)

    page.goto("/ledgers/medwaste_handovers/import/")
    page.set_input_files("[data-testid=ledger-upload] input[type=file]", str(workbook))
    page.click("[data-testid=ledger-upload] button[type=submit]")
    page.wait_for_selector("[data-testid=job][data-status=done]")
    assert "新增 3 条" in page.locator("[data-testid=job-result]").inner_text()
    assert Handover.objects.count() == 3

    page.goto("/medwaste/points/")
    page.click("[data-testid=point-link] >> text=灵寿镇周转点")
    page.wait_for_url("**/medwaste/points/P-LS/")
    expect(page.locator("#quarter")).to_have_value("2019Q1")  # the quarter of the latest handover
    totals = page.locator("[data-testid=balances] [data-testid=totals]")
    expect(totals.locator("[data-testid=received]")).to_have_text("7.500")
    expect(totals.locator("[data-testid=removed]")).to_have_text("7.500")
    assert "城东村卫生室" in page.locator("[data-testid=facilities]").inner_text()
    page.wait_for_selector("[data-medwaste-chart=pairs][data-drawn=yes] canvas")
    _screenshot(page, "medwaste-point.png")

    with page.expect_download() as started:
        page.click("[data-testid=download-pdf]")
    download = started.value
    assert download.suggested_filename.endswith(".pdf") and "灵寿镇周转点" in download.suggested_filename
    saved = tmp_path / "filing.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    text = _pdf_text(saved)
    assert "灵寿镇周转点" in text and "7.500" in text

    today = timezone.localdate().isoformat()
    expect(page.locator("[data-testid=mark-form] input[name=filed_on]")).to_have_value(today)
    page.click("[data-testid=mark]")
    filed = page.locator("[data-testid=filed]")
    expect(filed).to_contain_text("已报送")
    expect(filed).to_contain_text(today)
    assert page.locator("[data-testid=mark-form]").count() == 0
    assert Filing.objects.get().filed_on.isoformat() == today
