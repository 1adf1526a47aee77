"""The quarterly filing of a transfer point: its numbers by category and week (a December receipt removed in January
carried over, a reversed handover left out), the findings it lists, the Excel and PDF read back, the marking (once,
dated, audited, in scope) and the point's page (in scope, bounded queries)."""

from __future__ import annotations

import subprocess
import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from tuopin.accounts.permissions import WriteRefused
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.medwaste.filing import (
    FilingData,
    FilingInvalid,
    filing_data,
    filing_mark,
    filing_pdf,
    filing_xlsx,
)
from tuopin.medwaste.models import Filing, Handover, PlaceKind, PlaceMember
from tuopin.medwaste.services import handover_reverse
from tuopin.medwaste.tests.conftest import Network

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def give(
    network: Network,
    number: str,
    when: str,
    kg: str,
    *,
    category: str = "infectious",
    packages: int = 1,
    removal: bool = False,
    far: bool = False,
) -> Handover:
    """A clinic's delivery to its point, or (removal) the point's to the disposal unit."""
    clinic, point = (network.far_clinic, network.far_point) if far else (network.clinic, network.point)
    giver = (
        (PlaceKind.POINT, point.code, point.area_id)
        if removal
        else (PlaceKind.FACILITY, clinic.code, clinic.area_id)
    )
    receiver = (PlaceKind.DISPOSER, network.disposer.code) if removal else (PlaceKind.POINT, point.code)
    return Handover.objects.create(
        number=number,
        at=at(when),
        giver_kind=giver[0],
        giver_code=giver[1],
        area_id=giver[2],
        receiver_kind=receiver[0],
        receiver_code=receiver[1],
        category=category,
        kg=Decimal(kg),
        packages=packages,
        giver_person="王医生",
        receiver_person="李师傅",
        vehicle="冀A12345",
    )


@pytest.fixture
def ledger(network: Network) -> Network:
    """2019Q1 at 灵寿镇周转点 (weeks: 1 = Jan 1–6, 2 = Jan 7–13, …, 13 = Mar 25–31)."""
    give(network, "LD-DEC", "2018-12-30 10:00", "10", packages=2)  # before the quarter
    give(
        network, "ZY-1", "2019-01-02 09:00", "10", packages=2, removal=True
    )  # takes the December receipt out
    give(network, "LD-1", "2019-01-03 09:00", "4.5")
    give(network, "LD-2", "2019-01-03 09:30", "1.2", category="sharps")
    give(network, "LD-3", "2019-01-08 09:00", "6", packages=2)
    wrong = give(network, "LD-4", "2019-01-09 09:00", "99")
    handover_reverse(actor=None, handover=wrong, reason="称重错误")
    give(network, "ZY-2", "2019-01-10 10:00", "10.5", packages=3, removal=True)
    give(network, "GY-1", "2019-01-03 09:00", "7", far=True)  # another county's point
    return network


def _data(network: Network) -> FilingData:
    return filing_data(None, network.point, 2019, 1)


def test_it_sums_the_quarter_by_category_and_carries_the_december_stock(ledger: Network) -> None:
    data = _data(ledger)
    balances = {b.category: b for b in data.balances}
    assert list(balances) == ["infectious", "sharps"]
    infectious, sharps = balances["infectious"], balances["sharps"]
    assert infectious.opening == Decimal("10")  # LD-DEC, still there on January 1st
    assert infectious.flow.received_kg == Decimal("4.5") + Decimal(
        "6"
    )  # LD-4 and its reversal count for nothing
    assert infectious.flow.received_packages == 3
    assert infectious.flow.removed_kg == Decimal("10") + Decimal("10.5")
    assert infectious.flow.removed_packages == 5
    assert infectious.closing == 0
    assert (sharps.opening, sharps.flow.received_kg, sharps.flow.removed_kg, sharps.closing) == (
        0,
        Decimal("1.2"),
        0,
        Decimal("1.2"),
    )
    assert data.totals.flow.received_kg == Decimal("11.7")


def test_it_splits_the_quarter_into_monday_weeks(ledger: Network) -> None:
    weeks = _data(ledger).weeks
    assert len(weeks) == 13
    assert (weeks[0].first, weeks[0].last) == (date(2019, 1, 1), date(2019, 1, 6))
    assert (weeks[1].first, weeks[1].last) == (date(2019, 1, 7), date(2019, 1, 13))
    assert (weeks[-1].first, weeks[-1].last) == (date(2019, 3, 25), date(2019, 3, 31))
    first, second = weeks[0].flows, weeks[1].flows
    assert (first["infectious"].received_kg, first["infectious"].removed_kg) == (
        Decimal("4.5"),
        Decimal("10"),
    )
    assert first["sharps"].received_kg == Decimal("1.2")
    assert (second["infectious"].received_kg, second["infectious"].removed_kg) == (
        Decimal("6"),
        Decimal("10.5"),
    )
    assert all(not week.flows for week in weeks[2:])


def test_it_lists_only_effective_handovers_at_the_point(ledger: Network) -> None:
    numbers = [line.number for line in _data(ledger).lines]
    assert numbers == ["ZY-1", "LD-1", "LD-2", "LD-3", "ZY-2"]


def test_it_lists_the_findings_of_the_point_and_its_facilities(ledger: Network) -> None:
    findings = _data(ledger).findings
    places = {(f.rule, f.place) for f in findings}
    assert ("late_removal", "P-LS") in places  # 2 January to 10 January, and 10 January to the quarter's end
    assert ("late_collection", "F-CD") in places  # its attached clinic, 8 January to the quarter's end
    assert not {place for _rule, place in places} - {"P-LS", "F-CD"}  # not the hospital nor the other county
    overstays = {(f.category, f.kg) for f in findings if f.rule == "overstay"}
    assert ("损伤性", Decimal("1.2")) in overstays  # never removed
    assert ("感染性", Decimal("6")) in overstays  # 8 January 09:00 to 10 January 10:00: 49 hours
    late = [f for f in findings if f.rule == "late_removal"]
    assert late[0].hours == pytest.approx(
        (at("2019-01-10 10:00") - at("2019-01-02 09:00")).total_seconds() / 3600
    )


def _sheet(data: bytes, tmp_path: Path, name: str) -> list[list[Any]]:
    path = tmp_path / "filing.xlsx"
    path.write_bytes(data)
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def test_the_workbook_holds_the_same_numbers(ledger: Network, tmp_path: Path) -> None:
    data = filing_xlsx(_data(ledger))
    summary = _sheet(data, tmp_path, "汇总")
    rows = {row[0]: row[1:7] for row in summary if row and row[0] in {"感染性", "损伤性", "合计"}}
    assert rows["感染性"] == [10.0, 10.5, 3.0, 20.5, 5.0, 0.0]
    assert rows["损伤性"] == [0.0, 1.2, 1.0, 0.0, 0.0, 1.2]
    signers = [row[0] for row in summary]
    assert {"周转点负责人", "乡镇卫生院", "县卫生健康局", "县生态环境分局"} <= set(signers)
    weeks = _sheet(data, tmp_path, "按周")
    assert weeks[0][:5] == ["周次", "起", "止", "类别", "接收(千克)"]
    first = {row[3]: row for row in weeks[1:] if row[0] == 1}
    assert (first["感染性"][4], first["感染性"][6]) == (4.5, 10.0)
    findings = _sheet(data, tmp_path, "超时事项")
    assert {"贮存超时", "转运超时", "收集超时"} <= {row[0] for row in findings[1:]}
    lines = _sheet(data, tmp_path, "明细")
    assert [row[0] for row in lines[1:6]] == ["ZY-1", "LD-1", "LD-2", "LD-3", "ZY-2"]
    assert lines[3][5] == 1.2 and lines[3][7] == "王医生"


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "filing.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_pdf_names_the_point_and_its_totals(ledger: Network, tmp_path: Path) -> None:
    data = filing_pdf(_data(ledger))
    assert data.startswith(b"%PDF")
    text = _pdf_text(data, tmp_path)
    assert "灵寿镇周转点" in text and "10.500" in text and "县生态环境分局" in text


def test_it_marks_a_quarter_filed_once_and_audits_it(ledger: Network, make_user: MakeUser) -> None:
    office = make_user("lingshou", "county", "130126")
    filing = filing_mark(actor=office, point=ledger.point, year=2019, quarter=1, filed_on=date(2019, 4, 10))
    assert Filing.objects.get().filed_on == date(2019, 4, 10) and filing.filed_by == office
    row = AuditEvent.objects.get(action="medwaste.filing.mark")
    assert row.result == "ok" and row.details["filed_on"] == "2019-04-10"
    with pytest.raises(FilingInvalid, match="2019-04-10"):
        filing_mark(actor=office, point=ledger.point, year=2019, quarter=1, filed_on=date(2019, 4, 12))
    assert Filing.objects.count() == 1
    assert _data(ledger).filing == filing


def test_it_refuses_a_date_in_the_future_or_before_the_quarter_ended(
    ledger: Network, make_user: MakeUser
) -> None:
    office = make_user("lingshou", "county", "130126")
    tomorrow = timezone.localdate() + timedelta(days=1)
    for filed_on in (tomorrow, date(2019, 3, 31)):
        with pytest.raises(FilingInvalid):
            filing_mark(actor=office, point=ledger.point, year=2019, quarter=1, filed_on=filed_on)
    filing_mark(actor=office, point=ledger.point, year=2019, quarter=1, filed_on=date(2019, 4, 1))
    assert Filing.objects.count() == 1


def test_a_user_out_of_scope_may_not_mark_and_is_audited(ledger: Network, make_user: MakeUser) -> None:
    for user in (make_user("gaoyi", "county", "130127"), make_user("inspector", "inspector", "130126")):
        with pytest.raises(WriteRefused):
            filing_mark(actor=user, point=ledger.point, year=2019, quarter=1, filed_on=date(2019, 4, 10))
    assert not Filing.objects.exists()
    denied = AuditEvent.objects.filter(action="medwaste.filing.mark", result="denied")
    assert sorted(denied.values_list("actor", flat=True)) == ["gaoyi", "inspector"]


def test_the_points_keeper_may_mark_it_and_another_keeper_may_not(
    ledger: Network, make_user: MakeUser
) -> None:
    keeper, other = make_user("keeper", "keeper", "130126100"), make_user("other", "keeper", "130126100")
    PlaceMember.objects.create(user=keeper, point=ledger.point, linked_by="admin")
    PlaceMember.objects.create(user=other, point=ledger.far_point, linked_by="admin")
    with pytest.raises(WriteRefused):
        filing_mark(actor=other, point=ledger.point, year=2019, quarter=1, filed_on=date(2019, 4, 10))
    filing_mark(actor=keeper, point=ledger.point, year=2019, quarter=1, filed_on=date(2019, 4, 10))
    assert Filing.objects.get().filed_by == keeper


def test_the_page_shows_the_quarter_and_marks_it_filed(ledger: Network, make_user: MakeUser) -> None:
    client = client_for(make_user("lingshou", "county", "130126"))
    page = client.get("/medwaste/points/P-LS/?quarter=2019Q1")
    assert page.status_code == 200
    body = page.content.decode()
    assert "灵寿镇周转点" in body and "城东村卫生室" in body and 'data-testid="mark-form"' in body
    assert page.context["chart"][0] == {"label": "01-01", "received": 5.7, "removed": 10.0}
    posted = client.post("/medwaste/points/P-LS/filing/", {"quarter": "2019Q1", "filed_on": "2019-04-10"})
    assert posted.status_code == 302 and posted["Location"] == "/medwaste/points/P-LS/?quarter=2019Q1"
    body = client.get(posted["Location"]).content.decode()
    assert 'data-testid="filed"' in body and "2019-04-10" in body and 'data-testid="mark-form"' not in body
    again = client.post(
        "/medwaste/points/P-LS/filing/", {"quarter": "2019Q1", "filed_on": "2019-04-11"}, follow=True
    )
    assert "已于2019-04-10报送" in again.content.decode()
    assert client.get("/medwaste/points/P-LS/filing/").status_code == 405


def test_the_downloads_are_files_and_audited(ledger: Network, make_user: MakeUser) -> None:
    client = client_for(make_user("lingshou", "county", "130126"))
    pdf = client.get("/medwaste/points/P-LS/filing.pdf?quarter=2019Q1")
    assert (
        pdf.status_code == 200
        and pdf.content.startswith(b"%PDF")
        and pdf["Content-Type"] == "application/pdf"
    )
    assert (
        pdf["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
        and ".pdf" in pdf["Content-Disposition"]
    )
    xlsx = client.get("/medwaste/points/P-LS/filing.xlsx?quarter=2019Q1")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    bare = client.get("/medwaste/points/P-LS/filing.pdf")  # a file names its quarter: the latest one's
    assert bare.status_code == 302 and bare["Location"] == "/medwaste/points/P-LS/filing.pdf?quarter=2019Q1"
    rows = AuditEvent.objects.filter(action="medwaste.filing.export").order_by("id")
    assert [row.details["format"] for row in rows] == ["pdf", "xlsx"]
    assert rows[0].object_id == "P-LS 2019Q1"


def test_another_countys_user_gets_404_and_an_audit_row(ledger: Network, make_user: MakeUser) -> None:
    client = client_for(make_user("gaoyi", "county", "130127"))
    for url in ("/medwaste/points/P-LS/?quarter=2019Q1", "/medwaste/points/P-LS/filing.pdf?quarter=2019Q1"):
        assert client.get(url).status_code == 404
    posted = client.post("/medwaste/points/P-LS/filing/", {"quarter": "2019Q1", "filed_on": "2019-04-10"})
    assert posted.status_code == 404 and not Filing.objects.exists()
    denied = AuditEvent.objects.filter(action="access.not_found", object_type="transfer_point")
    assert denied.count() == 3 and not AuditEvent.objects.filter(action="medwaste.filing.export").exists()


def test_a_facilitys_user_does_not_read_the_points_whole_ledger(ledger: Network, make_user: MakeUser) -> None:
    user = make_user("clinic", "facility", "130126100201")
    PlaceMember.objects.create(user=user, facility=ledger.clinic, linked_by="admin")
    assert client_for(user).get("/medwaste/points/P-LS/").status_code == 404


def test_the_pages_queries_do_not_grow_with_the_ledger(
    ledger: Network, make_user: MakeUser, django_assert_max_num_queries: Any
) -> None:
    client = client_for(make_user("lingshou", "county", "130126"))
    counts = []
    for size in (3, 40):
        for n in range(size):
            if not Handover.objects.filter(number=f"Q-{size}-{n}").exists():
                give(ledger, f"Q-{size}-{n}", f"2019-02-{n % 28 + 1:02d} 08:00", "1.5", removal=n % 3 == 0)
        with django_assert_max_num_queries(30), CaptureQueriesContext(connection) as captured:
            assert client.get("/medwaste/points/P-LS/?quarter=2019Q1").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_downloads_share_the_export_limit_and_a_refusal_is_audited(
    ledger: Network, make_user: MakeUser, settings: Any
) -> None:
    settings.TUOPIN_THROTTLE_EXPORTS = 2
    client = client_for(make_user("lingshou", "county", "130126"))
    assert client.get("/medwaste/points/P-LS/filing.pdf?quarter=2019Q1").status_code == 200
    assert client.get("/medwaste/points/P-LS/filing.xlsx?quarter=2019Q1").status_code == 200
    refused = client.get("/medwaste/points/P-LS/filing.pdf?quarter=2019Q1")
    assert refused.status_code == 429 and not refused.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="medwaste.filing.export", result="throttled").count() == 1
    assert AuditEvent.objects.filter(action="medwaste.filing.export", result="ok").count() == 2


def test_a_filing_marked_from_the_command_line_shows_as_the_systems(
    ledger: Network, make_user: MakeUser
) -> None:
    filing_mark(actor=None, point=ledger.point, year=2019, quarter=1, filed_on=date(2019, 4, 8))
    body = client_for(make_user("lingshou", "county", "130126")).get("/medwaste/points/P-LS/?quarter=2019Q1")
    assert (
        body.status_code == 200 and "2019-04-08" in body.content.decode() and "系统" in body.content.decode()
    )
