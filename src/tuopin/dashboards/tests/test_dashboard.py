"""The dashboards: stored figures refreshed in full and incrementally (the same result), read inside the scope, by
child area with drill-down, with bounded queries; the refresh after an import and an assessment; Excel export."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from python_calamine import CalamineWorkbook

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold, client_for
from tuopin.dashboards.figures import figures_refresh
from tuopin.dashboards.models import AreaFigures
from tuopin.registry.models import Household


@pytest.fixture
def registry(register: RegisterHousehold) -> None:
    register("H1", identification_year=2014)
    register(
        "H2",
        village="130126100202",
        head="赵大山",
        status="exited_policy",
        exit_year=2018,
        category="dibao",
        identification_year=2015,
    )
    register("H3", village="130127100201", head="高大伟", identification_year=2014)
    figures_refresh()


def _stored() -> dict[str, dict[str, Any]]:
    return {f.area_id: f.registry for f in AreaFigures.objects.all()}


@pytest.mark.django_db
def test_the_refresh_counts_every_level(registry: None) -> None:
    stored = _stored()
    assert len(stored) == 19  # every area of the tree, empty ones too
    assert stored["130126100201"]["households"] == 1 and stored["130126100201"]["persons"] == 3
    county = stored["130126"]
    assert (county["households"], county["persons"], county["poor_households"]) == (2, 6, 1)
    assert county["by_status"] == {"poor": 1, "exited_policy": 1}
    assert county["by_category"] == {"general": 1, "dibao": 1}
    assert county["identified"] == {"2014": 1, "2015": 1} and county["exited"] == {"2018": 1}
    assert stored["13"]["households"] == 3 and stored["1301"]["households"] == 3
    assert stored["1307"] == {} and stored["130722100201"] == {}
    assert AreaFigures.objects.get(area_id="130126").parent_code == "1301"


@pytest.mark.django_db
def test_an_incremental_refresh_equals_a_full_one(registry: None, register: RegisterHousehold) -> None:
    register("H4", village="130126100202", head="孙小明", identification_year=2016)
    Household.objects.filter(number="H1").update(status="exited_policy", exit_year=2019)
    assert (
        figures_refresh(["130126100201", "130126100202"]) == 2 + 4
    )  # the two villages and their four ancestors
    partial = _stored()
    assert partial["130126"]["households"] == 3 and partial["13"]["households"] == 4
    assert partial["130126"]["exited"] == {"2018": 1, "2019": 1}
    assert partial["130127"]["households"] == 1  # a sibling county, untouched, still added to the city
    figures_refresh()
    assert _stored() == partial


@pytest.mark.django_db
def test_the_page_shows_the_scope_and_its_child_areas(registry: None, own: User) -> None:
    body = client_for(own).get("/dashboard/").content.decode()
    assert 'data-testid="kpi-households">2<' in body
    assert 'data-testid="kpi-persons">6<' in body
    assert 'href="?area=130126100"' in body  # 灵寿镇, the child of the county
    assert "高邑" not in body


@pytest.mark.django_db
def test_a_drill_down_outside_the_scope_is_404_and_audited(registry: None, own: User) -> None:
    assert client_for(own).get("/dashboard/", {"area": "130127"}).status_code == 404
    assert AuditEvent.objects.filter(action="access.not_found", object_id="130127").exists()
    village = client_for(own).get("/dashboard/", {"area": "130126100201"}).content.decode()
    assert 'data-testid="kpi-households">1<' in village


@pytest.mark.django_db
def test_the_old_address_redirects(registry: None, own: User) -> None:
    response = client_for(own).get("/registry/dashboard/", {"area": "130126100"})
    assert response.status_code == 301 and response["Location"] == "/dashboard/?area=130126100"


@pytest.mark.django_db
def test_before_any_refresh_the_page_says_how_figures_appear(own: User) -> None:
    body = client_for(own).get("/dashboard/").content.decode()
    assert 'data-testid="no-figures"' in body and "tuopin dashboards refresh" in body


@pytest.mark.django_db
def test_a_province_user_sees_every_city_on_the_map_with_bounded_queries(
    registry: None, register: RegisterHousehold, make_user: MakeUser
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(make_user("prov", "province", "13"))
    client.get("/dashboard/", {"area": "13"})  # the session's first request writes it

    def page() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/dashboard/", {"area": "13"}).content.decode()
        return body, len(queries.captured_queries)

    body, small = page()
    assert 'data-testid="kpi-households">3<' in body
    assert 'href="?area=1301"' in body and 'href="?area=1307"' in body
    assert 'data-shapes="/static/vendor/maps/13.json"' in body  # the province's cities ship as shapes
    for n in range(10):
        register(f"B{n}", village="130722100201", head=f"张{n}")
    figures_refresh()
    body, large = page()
    assert 'data-testid="kpi-households">13<' in body
    assert large == small <= 12  # the same number at more than four times the size


@pytest.mark.django_db
def test_a_township_falls_back_to_bars(registry: None, own: User) -> None:
    body = client_for(own).get("/dashboard/", {"area": "130126100"}).content.decode()
    assert 'data-testid="chart-children"' in body and 'data-testid="chart-map"' not in body


@pytest.mark.django_db
def test_a_chart_exports_its_data_as_excel(registry: None, own: User) -> None:
    response = client_for(own).get("/dashboard/", {"area": "130126", "export": "children"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][:5] == ["区划代码", "区划", "户数", "人数", "未脱贫户数"]
    assert [row[:3] for row in sheet[1:]] == [["130126100", "灵寿镇", 2.0]]
    assert AuditEvent.objects.filter(action="dashboards.export", object_id="130126").exists()
    assert client_for(own).get("/dashboard/", {"export": "nothing"}).status_code == 404


@pytest.mark.django_db
def test_an_import_and_an_assessment_refresh_the_figures(
    register: RegisterHousehold, django_capture_on_commit_callbacks: Any
) -> None:
    from tuopin.assessment.services import assessment_run
    from tuopin.policy.seed import policy_seed

    policy_seed()
    register("H1", identification_year=2014)
    with override_settings(TUOPIN_FIGURES_REFRESH=True), django_capture_on_commit_callbacks(execute=True):
        assessment_run(actor=None, year=2019, area="130126")
    figures = AreaFigures.objects.get(area_id="130126")
    assert figures.registry["households"] == 1
    assert figures.yearly["2019"]["poor_persons"] == 3  # the household has no income record for 2019: poor
    assert not AreaFigures.objects.filter(area_id="130127").exists()  # only the assessed area and above
    assert AreaFigures.objects.get(area_id="13").registry["households"] == 1
    with override_settings(TUOPIN_FIGURES_REFRESH=False), django_capture_on_commit_callbacks(execute=True):
        register("H2")
        assessment_run(actor=None, year=2019, area="130126")
    assert AreaFigures.objects.get(area_id="130126").registry["households"] == 1  # turned off: not refreshed


@pytest.mark.django_db
def test_the_programme_figures_come_from_the_contest_indicators(registry: None, own: User) -> None:
    figures = AreaFigures.objects.get(area_id="130126").programme
    assert figures["year"] == timezone.localdate().year  # no project anywhere: this year
    assert set(figures["values"]) >= {"fund_disbursement", "rectification_closure", "visit_compliance"}
    assert figures["alerts"] == {"new": 0, "checking": 0, "no_risk": 0, "case": 0}
    assert AreaFigures.objects.get(area_id="130126100").programme == {}  # townships and villages: none
    body = client_for(own).get("/dashboard/").content.decode()
    assert 'data-figure="fund_disbursement"' in body


@pytest.mark.django_db
def test_the_latest_years_measures_are_stored_and_shown(
    register: RegisterHousehold, own: User, settings: Any, tmp_path: Any
) -> None:
    from decimal import Decimal

    from tuopin.assessment.services import assessment_run
    from tuopin.measures.registry import registry_measures
    from tuopin.measures.specs import DEFAULT, spec_named
    from tuopin.policy.seed import policy_seed
    from tuopin.registry.models import Income

    settings.DATA_DIR = tmp_path
    policy_seed()
    for number, village, wage in (("H1", "130126100201", "9000"), ("H2", "130126100202", "30000")):
        household = register(number, village=village)
        Income.objects.create(
            household=household,
            year=2019,
            wage=Decimal(wage),
            business=0,
            property_income=0,
            transfer=0,
            costs=0,
        )
    assessment_run(actor=None, year=2019, area="13")
    figures_refresh()
    stored = AreaFigures.objects.get(area_id="130126").yearly["2019"]["measures"]
    assert stored == registry_measures(2019, spec_named(DEFAULT), within=("130126",)).as_dict()
    assert (
        stored["fgt"]["poverty_line"]["P0"] == 0.5
    )  # 9000 / 3 = 3000 ≤ 3218 (2019): the first household is poor
    assert "measures" not in AreaFigures.objects.get(area_id="130126100").yearly.get(
        "2019", {}
    )  # townships: none
    body = client_for(own).get("/dashboard/").content.decode()
    assert '<td class="text-end" data-measure="P0">50.0%</td>' in body
    township = client_for(own).get("/dashboard/", {"area": "130126"}).content.decode()
    assert '"P0": 50.0' in township  # the map's data: the township's P0 from the county's decomposition


@pytest.mark.django_db
def test_a_full_refresh_measures_every_assessed_year_an_incremental_one_the_latest(
    register: RegisterHousehold, own: User, settings: Any, tmp_path: Any
) -> None:
    from decimal import Decimal

    from tuopin.assessment.services import assessment_run
    from tuopin.policy.seed import policy_seed
    from tuopin.registry.models import Income

    settings.DATA_DIR = tmp_path
    policy_seed()
    household = register("H1")
    for year in (2019, 2020):
        Income.objects.create(
            household=household,
            year=year,
            wage=Decimal("9000"),
            business=0,
            property_income=0,
            transfer=0,
            costs=0,
        )
        assessment_run(actor=None, year=year, area="13")
    figures_refresh()

    def p0(year: str) -> float:
        return AreaFigures.objects.get(area_id="130126").yearly[year]["measures"]["fgt"]["poverty_line"]["P0"]

    assert (p0("2019"), p0("2020")) == (1.0, 1.0)  # 3,000 a head: below 3,218 (2019) and 4,000 (2020)
    Income.objects.filter(household=household).update(wage=Decimal("30000"))
    figures_refresh(["130126100201"])
    assert (p0("2019"), p0("2020")) == (1.0, 0.0)  # the latest year recomputed, the year before kept
    figures_refresh()
    assert (p0("2019"), p0("2020")) == (0.0, 0.0)
    body = client_for(own).get("/dashboard/", {"year": "2019"}).content.decode()
    assert "贫困测度（2019年）" in body and 'data-line="monitoring_line"' in body


@pytest.mark.django_db
def test_the_contributions_export_as_excel(
    register: RegisterHousehold, own: User, settings: Any, tmp_path: Any
) -> None:
    from decimal import Decimal

    from tuopin.assessment.services import assessment_run
    from tuopin.policy.seed import policy_seed
    from tuopin.registry.models import Income

    settings.DATA_DIR = tmp_path
    policy_seed()
    household = register("H1", water_safe=False)
    Income.objects.create(
        household=household,
        year=2019,
        wage=Decimal("9000"),
        business=0,
        property_income=0,
        transfer=0,
        costs=0,
    )
    assessment_run(actor=None, year=2019, area="13")
    figures_refresh()
    body = client_for(own).get("/dashboard/").content.decode()
    assert 'data-testid="chart-contributions"' in body
    response = client_for(own).get("/dashboard/", {"export": "contributions"})
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    shares = {row[0]: row[2] for row in sheet[1:]}
    # Deprived in income (1/3) and water (1/6): score 1/2 ≥ 1/3; income is 2/3 of M0, water 1/3.
    assert shares["income"] == pytest.approx(2 / 3) and shares["water"] == pytest.approx(1 / 3)
    assert sum(shares.values()) == pytest.approx(1)
