"""The assistance pages by persona: own county 200, neighbouring county 404, inspector read-only, a helping unit's
user exactly its own unit's pairings, projects and visits; query counts of the lists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuopin.accounts.models import User
from tuopin.assistance.funds import fund_entry_record, fund_source_get, loan_record, project_record
from tuopin.assistance.models import Pairing, PairingEnd, Project, Visit
from tuopin.assistance.services import pairing_start, plan_record
from tuopin.assistance.tests.conftest import OTHER_VILLAGE, OWN_VILLAGE, Ledger
from tuopin.assistance.visits import duty_record, visit_record
from tuopin.audit.models import AuditEvent
from tuopin.conftest import RegisterHousehold, client_for

pytestmark = pytest.mark.django_db

LISTS = [
    "/assistance/",
    "/assistance/coverage/",
    "/assistance/plans/",
    "/assistance/projects/",
    "/assistance/loans/",
    "/assistance/visits/",
    "/assistance/duties/",
    "/assistance/compliance/?period=2017",
]


def _details(ledger: Ledger, which: str) -> list[str]:
    return [
        f"/assistance/pairings/{ledger.pairings[f'{which}_cadre'].pk}/",
        f"/assistance/pairings/{ledger.pairings[f'{which}_unit'].pk}/",
        f"/assistance/projects/{ledger.projects[which].pk}/",
        f"/assistance/loans/{ledger.loans[which].pk}/",
        f"/assistance/households/{'H001' if which == 'own' else 'H002'}/",
    ]


@pytest.mark.parametrize("url", LISTS)
def test_it_lists_only_the_own_county(ledger: Ledger, own: User, url: str) -> None:
    page = client_for(own).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    for other in ("大气环境管理司垃圾处理项目", "东关村", "李司长", "H002", "钱帮扶", "other借款人"):
        assert other not in body


def test_the_own_county_opens_its_rows_and_the_neighbour_gets_404(
    ledger: Ledger, own: User, neighbour: User
) -> None:
    for url in _details(ledger, "own"):
        assert client_for(own).get(url).status_code == 200, url
        assert client_for(neighbour).get(url).status_code == 404, url
    assert AuditEvent.objects.filter(
        action="access.not_found", object_type="pairing", result="denied"
    ).exists()


def test_the_inspector_reads_but_cannot_write(ledger: Ledger, inspector: User) -> None:
    client = client_for(inspector)
    for url in _details(ledger, "own"):
        page = client.get(url)
        assert page.status_code == 200 and 'name="action"' not in page.content.decode(), url
    pairing = ledger.pairings["own_cadre"]
    response = client.post(
        f"/assistance/pairings/{pairing.pk}/", {"action": "end", "valid_to": "2018-01-01", "reason": "调整"}
    )
    assert response.status_code == 403 and not PairingEnd.objects.exists()
    assert AuditEvent.objects.filter(action="assistance.pairing", result="denied").exists()
    response = client.post(
        "/assistance/visits/",
        {
            "who": "督查员",
            "on": "2018-01-02",
            "target_type": "village",
            "target_code": OWN_VILLAGE,
            "purpose": "检查",
        },
    )
    assert response.status_code == 403 and not Visit.objects.filter(who="督查员").exists()


def test_a_unit_user_sees_exactly_its_own_pairings_and_what_hangs_on_them(
    ledger: Ledger, unit_user: User
) -> None:
    client = client_for(unit_user)
    listing = client.get("/assistance/?ended=on").content.decode()
    assert "规划财务司" in listing and "大气环境管理司" not in listing and "赵帮扶" not in listing
    assert 'data-testid="agreement-totals"' not in listing  # no county pairing, no agreements' outputs
    assert "规划财务司垃圾处理项目" in client.get("/assistance/projects/").content.decode()
    assert "大气环境管理司" not in client.get("/assistance/projects/").content.decode()
    visits = client.get("/assistance/visits/").content.decode()
    assert "孙司长" in visits and "李司长" not in visits
    assert client.get(f"/assistance/pairings/{ledger.pairings['own_unit'].pk}/").status_code == 200
    assert client.get(f"/assistance/projects/{ledger.projects['own'].pk}/").status_code == 200
    for url in [
        *_details(ledger, "other"),
        f"/assistance/pairings/{ledger.pairings['own_cadre'].pk}/",
        f"/assistance/loans/{ledger.loans['own'].pk}/",
        "/assistance/households/H001/",
    ]:
        assert client.get(url).status_code == 404, url
    assert "H001" not in client.get("/assistance/coverage/").content.decode()
    assert "own借款人" not in client.get("/assistance/loans/").content.decode()


def test_a_unit_user_records_its_own_visits_and_projects_only(ledger: Ledger, unit_user: User) -> None:
    client = client_for(unit_user)
    visit = {
        "who": "孙司长",
        "role": "司长",
        "on": "2017-11-02",
        "target_type": "village",
        "target_code": OWN_VILLAGE,
        "purpose": "督促项目",
    }
    assert client.post("/assistance/visits/", {**visit, "unit_name": "规划财务司"}).status_code == 302
    assert Visit.objects.filter(purpose="督促项目", unit=ledger.planning).exists()
    refused = client.post("/assistance/visits/", {**visit, "unit_name": "大气环境管理司", "purpose": "冒名"})
    assert refused.status_code == 400 and not Visit.objects.filter(purpose="冒名").exists()
    project = {"year": "2018", "area_code": OTHER_VILLAGE, "name": "光伏项目", "funds": "100000"}
    assert client.post("/assistance/projects/", {**project, "unit": ledger.planning.pk}).status_code == 302
    assert Project.objects.get(name="光伏项目").unit == ledger.planning
    refused = client.post("/assistance/projects/", {**project, "name": "别人的项目", "unit": ledger.air.pk})
    assert refused.status_code == 400 and not Project.objects.filter(name="别人的项目").exists()
    end = {"action": "end", "valid_to": "2018-01-01", "reason": "调整"}
    assert client.post(f"/assistance/pairings/{ledger.pairings['own_unit'].pk}/", end).status_code == 403
    assert not PairingEnd.objects.exists()


def test_a_change_ends_the_old_pairing_and_starts_its_successor(ledger: Ledger, own: User) -> None:
    old = ledger.pairings["own_cadre"]
    data = {"action": "change", "on": "2018-03-01", "helper_name": "周新", "reason": "原责任人调离"}
    response = client_for(own).post(f"/assistance/pairings/{old.pk}/", data)
    new = Pairing.objects.get(supersedes=old)
    assert response.status_code == 302 and response["Location"] == f"/assistance/pairings/{new.pk}/"
    assert str(old.end.valid_to) == "2018-02-28" and old.end.reason == "原责任人调离"
    assert (new.helper_name, str(new.valid_from), new.household_id) == (
        "周新",
        "2018-03-01",
        old.household_id,
    )
    page = client_for(own).get(f"/assistance/pairings/{old.pk}/").content.decode()
    assert "已终止" in page and f"/assistance/pairings/{new.pk}/" in page
    assert "139****5678" in page and "13912345678" not in page


def _more_rows(ledger: Ledger, register: RegisterHousehold) -> None:
    """Ten more of everything in 灵寿县, so that a per-row query would show."""
    source = fund_source_get(name="县级配套", level="county")
    for n in range(10):
        household = register(f"H1{n:02d}", village=OWN_VILLAGE)
        pairing_start(
            actor=None,
            kind="cadre_household",
            household=household,
            helper_name=f"帮扶人{n}",
            valid_from=date(2017, 1, 1),
        )
        project = project_record(
            actor=None,
            year=2017,
            area_code=OWN_VILLAGE,
            unit=ledger.planning,
            name=f"项目{n}",
            funds=Decimal(1000),
        )
        fund_entry_record(
            actor=None,
            project=project,
            source=source,
            kind="allocation",
            on=date(2017, 3, 1),
            amount=Decimal(1000),
        )
        loan_record(
            actor=None,
            household=household,
            borrower="户主",
            lender="信用社",
            amount=Decimal(1000),
            term_months=12,
            issued_on=date(2017, 3, 1),
        )
        duty_record(
            actor=None,
            who=f"干部{n}",
            target_type="household",
            target_code=household.number,
            frequency="month",
            valid_from=date(2017, 1, 1),
        )
        visit_record(
            actor=None,
            who=f"干部{n}",
            on=date(2017, 2, 1),
            target_type="household",
            target_code=household.number,
            purpose="走访",
        )
        plan_record(
            actor=None,
            household=household,
            year=2018,
            path="务工",
            measures=["employment"],
            responsible=f"帮扶人{n}",
        )


@pytest.mark.parametrize("url", LISTS)
def test_list_pages_take_as_many_queries_for_many_rows_as_for_few(
    ledger: Ledger, own: User, url: str, register: RegisterHousehold
) -> None:
    client = client_for(own)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _more_rows(ledger, register)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 16


def test_the_forms_of_a_household_and_a_project_write_through_the_services(ledger: Ledger, own: User) -> None:
    client = client_for(own)
    page = "/assistance/households/H001/"
    plan = {
        "action": "plan",
        "year": "2018",
        "path": "发展养殖",
        "measures": ["industry", "microcredit"],
        "responsible": "赵帮扶",
    }
    assert client.post(page, plan).status_code == 302
    measure = {
        "action": "measure",
        "type": "industry",
        "on": "2018-04-02",
        "amount": "1200",
        "provider": "畜牧站",
    }
    assert client.post(page, measure).status_code == 302
    loan = {
        "action": "loan",
        "borrower": "王建国",
        "lender": "信用社",
        "amount": "50001",
        "term_months": "36",
        "issued_on": "2018-04-01",
    }
    refused = client.post(page, loan)
    assert refused.status_code == 400 and "50000" in refused.content.decode()
    body = client.get(page).content.decode()
    assert "发展养殖" in body and "扶贫小额信贷、" not in body and "产业帮扶" in body and "1200.00" in body
    project = ledger.projects["own"]
    url = f"/assistance/projects/{project.pk}/"
    fund = {
        "action": "fund",
        "kind": "disbursement",
        "source": "县级配套",
        "level": "county",
        "on": "2017-06-01",
        "amount": "100000",
    }
    assert client.post(url, fund).status_code == 302
    rejected = client.post(
        url, {"action": "accept", "year": "2017", "result": "rejected", "on": "2017-12-28"}
    )
    assert rejected.status_code == 400  # a rejection needs notes
    accepted = {
        "action": "accept",
        "year": "2017",
        "result": "rejected",
        "on": "2017-12-28",
        "notes": "未完工",
    }
    assert client.post(url, accepted).status_code == 302
    assert project.acceptances.get().notes == "未完工"
    assert "100000.00" in client.get(url).content.decode()


def test_a_visit_keeps_a_checked_photo_shown_only_in_scope(
    ledger: Ledger, own: User, neighbour: User, tmp_path: Any, settings: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    visit = {
        "who": "赵帮扶",
        "on": "2018-03-02",
        "target_type": "household",
        "target_code": "H001",
        "purpose": "入户走访",
    }
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 an executable", content_type="image/png")
    refused = client_for(own).post("/assistance/visits/", {**visit, "photo": fake})
    assert refused.status_code == 400 and "文件内容与扩展名不符" in refused.content.decode()
    assert not Visit.objects.filter(purpose="入户走访").exists() and not any(tmp_path.rglob("*.png"))
    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")
    assert client_for(own).post("/assistance/visits/", {**visit, "photo": png}).status_code == 302
    saved = Visit.objects.get(purpose="入户走访")
    response = client_for(own).get(f"/assistance/visits/{saved.pk}/photo/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    assert client_for(neighbour).get(f"/assistance/visits/{saved.pk}/photo/").status_code == 404


def test_a_county_pairing_is_seen_by_both_counties_offices(ledger: Ledger, own: User, make_user: Any) -> None:
    helped = make_user("zhangbei", "county", "130722")
    pairing = pairing_start(
        actor=None,
        kind="county_county",
        area_code="130722",
        helper_area_code="130126",
        valid_from=date(2017, 7, 27),
    )
    for user in (own, helped):
        assert client_for(user).get(f"/assistance/pairings/{pairing.pk}/").status_code == 200
    neighbour = make_user("gaoyi2", "county", "130127")
    assert client_for(neighbour).get(f"/assistance/pairings/{pairing.pk}/").status_code == 404
    data = {"title": "劳务协作协议", "signed_on": "2017-08-01", "funds": "1000000", "jobs": "30"}
    assert client_for(helped).post(f"/assistance/pairings/{pairing.pk}/agreements/", data).status_code == 302
    assert "劳务协作协议" in client_for(own).get(f"/assistance/pairings/{pairing.pk}/").content.decode()
    url = f"/assistance/pairings/{pairing.pk}/agreements/"
    assert client_for(own).post(url, {**data, "title": "培训协议"}).status_code == 302  # the helping side too
    assert client_for(neighbour).post(url, {**data, "title": "越权"}).status_code == 404
    assert "越权" not in client_for(own).get(f"/assistance/pairings/{pairing.pk}/").content.decode()
    totals = client_for(helped).get("/assistance/").content.decode()
    assert 'data-testid="agreement-totals"' in totals and "2000000.00" in totals
