"""The board of coverage and compliance by area: its rows sort one compliance() run's findings to the children of
the area and add up to the run's totals; the page draws the shipped map (bars below a city), answers 404 outside
the scope (audited), shows the capacity gap for a city, exports its table and reads a bounded number of queries."""

from __future__ import annotations

import io
import zoneinfo
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.templatetags.static import static
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.medwaste.board import board
from tuopin.medwaste.compliance import compliance
from tuopin.medwaste.demo import medwaste_demo
from tuopin.medwaste.models import Facility, FacilityKind, Handover, PlaceKind, TransferPoint
from tuopin.medwaste.tests.conftest import Network
from tuopin.medwaste.tests.test_demo import shijiazhuang  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
AT = datetime(2019, 1, 2, 8, 0, tzinfo=SHANGHAI)
Q1 = (date(2019, 1, 1), date(2019, 3, 31))
# Where each place of the network stands: the county of its area.
COUNTY = {"F-CD": "130126", "F-LSH": "130126", "P-LS": "130126", "F-DG": "130127", "P-GY": "130127"}
# The session, the user and the scope; the area and its ancestors; compliance()'s reads (the policy,
# the handovers, the places, the tree); the board's (children, townships, facilities twice, points, kilograms).
QUERIES = 22
RULES = {
    "late_collection": "late_collections",
    "late_removal": "late_removals",
    "overstay": "overstays",
    "imbalance": "imbalances",
}


def _handover(number: str, at: datetime, giver: Any, receiver: Any, kg: str = "2.5") -> Handover:
    point = isinstance(giver, TransferPoint)
    return Handover.objects.create(
        number=number,
        at=at,
        giver_kind=PlaceKind.POINT if point else PlaceKind.FACILITY,
        giver_code=giver.code,
        receiver_kind=PlaceKind.DISPOSER if point else PlaceKind.POINT,
        receiver_code=receiver.code,
        area_id=giver.area_id,
        category="infectious",
        kg=Decimal(kg),
        packages=1,
        giver_person="王医生",
        receiver_person="李师傅",
    )


def _collections(network: Network, count: int, *, start: int = 0) -> None:
    """`count` collections from 城东村卫生室 four days apart (each gap late), one from 东关村卫生室, and a removal
    from 灵寿镇周转点 a week after each receipt (each an overstay)."""
    for n in range(start, start + count):
        _handover(f"LD-{n}", AT + timedelta(days=4 * n), network.clinic, network.point)
        _handover(f"RM-{n}", AT + timedelta(days=4 * n + 7), network.point, network.disposer)
    if not start:
        _handover("GY-1", AT, network.far_clinic, network.far_point, kg="1.5")


@pytest.fixture
def handovers(network: Network) -> None:
    _collections(network, 3)


def test_the_rows_sort_the_runs_findings_to_the_counties_and_add_up_to_its_totals(
    make_user: MakeUser, handovers: None
) -> None:
    user = make_user("sjz", "city", "1301")
    found = board(user, "1301", *Q1)
    run = compliance(*Q1, area="1301")
    rows = {row.code: row for row in found.rows}
    assert list(rows) == ["130126", "130127"] and found.own is None
    expected = {county: Counter[str]() for county in rows}
    for item in run.items:
        if item.rule in RULES:
            expected[COUNTY[item.place]][RULES[item.rule]] += 1
    for county, row in rows.items():
        assert {name: getattr(row, name) for name in RULES.values()} == {
            name: expected[county][name] for name in RULES.values()
        }
    lingshou, gaoyi = rows["130126"], rows["130127"]
    assert (lingshou.townships, lingshou.townships_with_point, lingshou.coverage) == (1, 1, 100.0)
    assert (lingshou.facilities, lingshou.facilities_attached) == (2, 1)  # the township hospital: no point
    assert (gaoyi.facilities, gaoyi.facilities_attached) == (1, 1)
    assert lingshou.received_kg == Decimal("7.5") and gaoyi.received_kg == Decimal("1.5")
    assert lingshou.overstays == 3 and lingshou.late_collections > 0  # what the board shows is not all zeros
    total = found.total
    for name in RULES.values():
        assert getattr(total, name) == sum(getattr(row, name) for row in rows.values())
    assert total.late_collections == run.count("late_collection")
    assert total.late_removals == run.count("late_removal")
    assert total.overstays == run.count("overstay") and total.imbalances == run.count("imbalance")
    assert total.townships - total.townships_with_point == len(run.townships_without_point) == 0
    assert total.facilities - total.facilities_attached == len(run.facilities_unattached) == 1


def test_the_demo_citys_board_adds_up_to_its_compliance(shijiazhuang: None) -> None:  # noqa: F811
    from tuopin.accounts.services import UserFields, user_create

    medwaste_demo()
    user = user_create(
        actor=None, username="sjz", password="x" * 16, fields=UserFields(role="city", area_codes=["1301"])
    )
    found = board(user, "1301", *Q1)
    run = found.found.as_dict()
    assert len(found.rows) > 20 and found.own is None
    total = found.total
    for name in RULES.values():
        assert sum(getattr(row, name) for row in found.rows) == getattr(total, name) == run[name]
    assert sum(row.townships_without_point for row in found.rows) == total.townships_without_point
    assert total.townships_without_point == run["townships_without_point"] == 2
    assert total.facilities == Facility.objects.count() and total.facilities_unattached == 0
    assert sum(row.received_kg for row in found.rows) == total.received_kg > 0
    assert all(row.received_kg == row.received_kg.quantize(Decimal("0.001")) for row in found.rows)


def test_a_province_counts_the_townships_of_each_city(make_user: MakeUser, handovers: None) -> None:
    found = board(make_user("hebei", "province", "13"), "13", *Q1)
    rows = {row.code: row for row in found.rows}
    assert (rows["1301"].townships, rows["1301"].coverage) == (2, 100.0)
    assert (rows["1307"].townships, rows["1307"].townships_with_point, rows["1307"].coverage) == (2, 0, 0.0)
    run = compliance(*Q1, area="13")
    assert found.total.townships_without_point == len(run.townships_without_point) == 2


def test_places_at_the_areas_own_level_make_a_row_of_their_own(make_user: MakeUser, network: Network) -> None:
    Facility.objects.create(
        code="F-XY",
        name="灵寿县医院",
        kind=FacilityKind.HOSPITAL,
        area_id="130126",
        daily_kg=Decimal("30"),
    )
    found = board(make_user("lingshou", "county", "130126"), "130126", *Q1)
    assert [row.code for row in found.rows] == ["130126100"]
    assert found.own is not None and (found.own.facilities, found.own.facilities_attached) == (1, 0)
    assert found.own.late_collections == 1  # never collected in the quarter
    assert found.total.facilities == 3 and found.total.facilities_unattached == 2


def test_the_board_of_a_city_draws_its_map_and_capacity_gap(make_user: MakeUser, handovers: None) -> None:
    response = client_for(make_user("sjz", "city", "1301")).get("/medwaste/board/?area=1301&quarter=2019Q1")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-board-chart="map"' in body and f'data-shapes="{static("vendor/maps/1301.json")}"' in body
    assert 'data-board-chart="capacity"' in body and "石家庄医疗废物处置中心" not in body
    assert [gap.city for gap in response.context["gaps"]] == ["1301"]
    assert "?area=130126&amp;quarter=2019Q1&amp;measure=coverage" in body  # down to a county's board
    assert [line["code"] for line in response.context["table"]] == ["130126", "130127"]
    assert response.context["up"] is None  # the province is not the city's


def test_the_board_of_a_county_draws_bars_and_links_up(make_user: MakeUser, handovers: None) -> None:
    client = client_for(make_user("sjz", "city", "1301"))
    response = client.get("/medwaste/board/?area=130126&quarter=2019Q1&measure=overstays")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-board-chart="bars"' in body and 'data-board-chart="map"' not in body
    assert 'data-board-chart="capacity"' not in body  # a county's board shows no city's gap
    assert response.context["up"] == "?area=1301&quarter=2019Q1&measure=overstays"
    assert response.context["chart"]["measure"] == "overstays"


def test_it_answers_404_outside_the_scope_and_audits_it(make_user: MakeUser, handovers: None) -> None:
    client = client_for(make_user("lingshou", "county", "130126"))
    assert client.get("/medwaste/board/?area=130127").status_code == 404
    assert client.get("/medwaste/board/?area=1301").status_code == 404
    denied = AuditEvent.objects.filter(action="access.not_found", result="denied", object_type="area")
    assert sorted(denied.values_list("object_id", flat=True)) == ["1301", "130127"]
    assert client.get("/medwaste/board/").context["area"].code == "130126"  # the user's own by default


def test_a_keeper_is_sent_to_its_own_pages(make_user: MakeUser, network: Network) -> None:
    response = client_for(make_user("keeper", "keeper", "130126")).get("/medwaste/board/?area=130126")
    assert response.status_code == 302 and response["Location"] == "/medwaste/"


def test_the_export_holds_the_table_and_is_audited(make_user: MakeUser, handovers: None) -> None:
    user = make_user("sjz", "city", "1301")
    response = client_for(user).get("/medwaste/board/?area=1301&quarter=2019Q1&export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    sheet = book.get_sheet_by_name("2019Q1").to_python()
    assert sheet[0][:5] == ["区划代码", "区划", "乡镇数", "有周转点乡镇", "覆盖率（%）"]
    assert [row[:2] for row in sheet[1:]] == [["130126", "灵寿县"], ["130127", "高邑县"], ["1301", "合计"]]
    found = board(user, "1301", *Q1)
    assert sheet[3][7:11] == [
        found.total.late_collections,
        found.total.late_removals,
        found.total.overstays,
        found.total.imbalances,
    ]
    assert sheet[1][11] == 7.5
    exported = AuditEvent.objects.get(action="medwaste.board_export")
    assert exported.object_id == "1301" and exported.details["rows"] == 2


def test_a_quarter_without_policy_values_is_said_not_a_crash(make_user: MakeUser, network: Network) -> None:
    response = client_for(make_user("sjz", "city", "1301")).get("/medwaste/board/?area=1301&quarter=1990Q1")
    assert response.status_code == 200 and response.context["table"] == []
    assert len(list(response.context["messages"])) == 1


def test_the_query_count_is_bounded(
    make_user: MakeUser, network: Network, django_assert_max_num_queries: Any
) -> None:
    client = client_for(make_user("sjz", "city", "1301"))
    counts = []
    for size, start in ((2, 0), (12, 2)):
        _collections(network, size - start, start=start)
        for n in range(start, size):  # more places too: an unattached clinic in each size
            Facility.objects.create(
                code=f"F-N{n}", name=f"诊所{n}", kind=FacilityKind.CLINIC, area_id="130127100", daily_kg=1
            )
        with django_assert_max_num_queries(QUERIES), CaptureQueriesContext(connection) as captured:
            assert client.get("/medwaste/board/?area=1301&quarter=2019Q1").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_point_counts_what_it_received_from_a_giver_outside_the_area_as_the_rules_do(
    network: Network, make_user: MakeUser
) -> None:
    """东关村卫生室 (高邑县) hands 1.5 kg to 灵寿镇周转点: 灵寿县's board counts it at the point, as the overstay and
    imbalance rules count every receipt at a point of the area."""
    _handover("X-1", AT, network.far_clinic, network.point, kg="1.5")
    _handover("X-2", AT + timedelta(hours=1), network.clinic, network.point, kg="2")
    found = board(make_user("lingshou", "county", "130126"), "130126", *Q1)
    assert sum(row.received_kg for row in found.rows) == Decimal("3.5")
