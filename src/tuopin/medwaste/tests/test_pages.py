"""The medical-waste pages: the overview shows what compliance() finds, the lists and a handover's page read in
scope (a neighbour's area or handover is a 404, audited), a handover is reversed from its page, and the pages'
query counts do not grow with the data."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.medwaste.compliance import compliance
from tuopin.medwaste.models import Handover, PlaceKind
from tuopin.medwaste.tests.conftest import Network

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
AT = datetime(2019, 1, 2, 8, 0, tzinfo=SHANGHAI)


def _handover(network: Network, number: str, at: datetime, *, far: bool = False) -> Handover:
    clinic, point = (network.far_clinic, network.far_point) if far else (network.clinic, network.point)
    return Handover.objects.create(
        number=number,
        at=at,
        giver_kind=PlaceKind.FACILITY,
        giver_code=clinic.code,
        receiver_kind=PlaceKind.POINT,
        receiver_code=point.code,
        area_id=clinic.area_id,
        category="infectious",
        kg=Decimal("2.5"),
        packages=1,
        giver_person="王医生",
        receiver_person="李师傅",
    )


@pytest.fixture
def handovers(network: Network) -> list[Handover]:
    # collections four days apart: late collections in the quarter
    return [_handover(network, f"LD-{n}", AT + timedelta(days=4 * n)) for n in range(3)] + [
        _handover(network, "GY-1", AT, far=True)
    ]


def test_it_shows_the_quarters_compliance(make_user: MakeUser, handovers: list[Handover]) -> None:
    office = make_user("lingshou", "county", "130126")
    response = client_for(office).get("/medwaste/?quarter=2019Q1")
    assert response.status_code == 200
    found = compliance(date(2019, 1, 1), date(2019, 3, 31), area="130126")
    counts = {rule: n for rule, _label, n in response.context["counts"]}
    assert counts["late_collection"] == found.count("late_collection") > 0
    assert counts["township_without_point"] == len(found.townships_without_point)
    assert len(response.context["items"]) == len(found.items)
    body = response.content.decode()
    assert (
        "收集超时" in body
        and "城东村卫生室" in body
        and 'data-medwaste-chart="pairs" data-keys="expected,capacity"' in body
    )
    assert "/ledgers/medwaste_handovers/template.xlsx" in body


def test_it_defaults_to_the_latest_quarter_with_handovers(
    make_user: MakeUser, handovers: list[Handover]
) -> None:
    response = client_for(make_user("lingshou", "county", "130126")).get("/medwaste/")
    assert response.status_code == 200 and response.context["quarter"] == "2019Q1"


def test_the_lists_show_the_places_and_handovers_in_scope(
    make_user: MakeUser, network: Network, handovers: list[Handover]
) -> None:
    client = client_for(make_user("lingshou", "county", "130126"))
    assert "灵寿镇周转点" in client.get("/medwaste/points/").content.decode()
    facilities = client.get("/medwaste/facilities/").content.decode()
    assert "城东村卫生室" in facilities and "东关村卫生室" not in facilities
    assert client.get("/medwaste/disposers/").status_code == 200
    listed = client.get("/medwaste/handovers/?place=F-CD&from=2019-01-01&to=2019-01-06&category=infectious")
    body = listed.content.decode()
    assert "LD-0" in body and "LD-1" in body and "LD-2" not in body and "GY-1" not in body
    assert "王医生" not in body  # persons' names: on the detail only


def test_a_handover_shows_its_persons(make_user: MakeUser, handovers: list[Handover]) -> None:
    response = client_for(make_user("lingshou", "county", "130126")).get("/medwaste/handovers/LD-0/")
    assert response.status_code == 200 and "王医生" in response.content.decode()


def test_it_answers_404_outside_the_scope_and_audits_it(
    make_user: MakeUser, handovers: list[Handover]
) -> None:
    client = client_for(make_user("lingshou", "county", "130126"))
    assert client.get("/medwaste/?area=130127").status_code == 404
    assert client.get("/medwaste/handovers/GY-1/").status_code == 404
    denied = AuditEvent.objects.filter(action="access.not_found", result="denied")
    assert set(denied.values_list("object_type", flat=True)) == {"area", "handover"}


def test_it_reverses_a_handover_once(make_user: MakeUser, handovers: list[Handover]) -> None:
    client = client_for(make_user("lingshou", "county", "130126"))
    response = client.post("/medwaste/handovers/LD-0/reverse/", {"reason": "重复录入"})
    assert response.status_code == 302
    reversal = Handover.objects.get(reverses__number="LD-0")
    assert reversal.kg == Decimal("-2.5") and reversal.reason == "重复录入"
    assert AuditEvent.objects.filter(action="medwaste.handover.reverse", object_id="LD-0").count() == 1
    again = client.post("/medwaste/handovers/LD-0/reverse/", {"reason": "再次"}, follow=True)
    assert "已经冲正过" in again.content.decode()
    assert Handover.objects.filter(reverses__number="LD-0").count() == 1
    assert reversal.number in client.get("/medwaste/handovers/LD-0/").content.decode()


def test_an_inspector_cannot_reverse(make_user: MakeUser, handovers: list[Handover]) -> None:
    client = client_for(make_user("look", "inspector", "130126"))
    assert client.post("/medwaste/handovers/LD-0/reverse/", {"reason": "x"}).status_code == 403
    assert not Handover.objects.filter(reverses__isnull=False).exists()


@pytest.mark.parametrize(
    "url", ["/medwaste/?quarter=2019Q1", "/medwaste/handovers/", "/medwaste/facilities/", "/medwaste/points/"]
)
def test_the_query_count_does_not_grow(make_user: MakeUser, network: Network, url: str) -> None:
    client = client_for(make_user("lingshou", "county", "130126"))
    counts = []
    for size in (2, 8):
        for n in range(Handover.objects.count(), size):
            _handover(network, f"Q-{n}", AT + timedelta(days=3 * n))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_overview_of_a_user_with_two_counties_reads_one(
    make_user: MakeUser, handovers: list[Handover]
) -> None:
    response = client_for(make_user("two", "inspector", "130126", "130127")).get("/medwaste/?quarter=2019Q1")
    assert response.status_code == 200 and response.context["area"] == "130126"


def test_a_reversal_has_its_own_page_and_a_get_is_refused(
    make_user: MakeUser, handovers: list[Handover]
) -> None:
    client = client_for(make_user("lingshou", "county", "130126"))
    assert client.get("/medwaste/handovers/LD-0/reverse/").status_code == 405
    client.post("/medwaste/handovers/LD-0/reverse/", {"reason": "称重错误"})
    reversal = Handover.objects.get(reverses__number="LD-0")
    page = client.get(f"/medwaste/handovers/{reversal.number}/")
    assert page.status_code == 200 and "称重错误" in page.content.decode()
    assert 'data-testid="reverse"' not in page.content.decode()  # a reversal is not reversed


def test_a_quarter_without_policy_values_is_said_not_a_crash(make_user: MakeUser, network: Network) -> None:
    response = client_for(make_user("lingshou", "county", "130126")).get("/medwaste/?quarter=1990Q1")
    assert response.status_code == 200 and response.context["items"] == []
    assert len(list(response.context["messages"])) == 1
