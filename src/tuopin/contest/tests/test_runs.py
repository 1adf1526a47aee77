"""Indicator runs: stored with their values, scores, policy values and input checksum, audited, reproduced from the
stored values; entered values imported through the ledger `contest_values`; the run pages held to the scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuopin.accounts.models import User
from tuopin.areas.models import Area, AreaYear
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold, client_for, write_workbook
from tuopin.contest.models import EnteredValue, IndicatorRun, IndicatorSystem, IndicatorValue, SystemVersion
from tuopin.contest.runs import indicator_run, run_reproduce, run_scores
from tuopin.contest.systems import definition_parse
from tuopin.core.models import Job
from tuopin.ledgers.framework import ledger_import
from tuopin.registry.models import Income

pytestmark = pytest.mark.django_db

YEAR, AS_OF = 2019, date(2020, 1, 10)
COUNTIES = ["130126", "130127"]
HEADERS = ["指标体系代码", "指标代码", "区域代码", "年度", "数值", "来源"]


@pytest.fixture
def province(make_user: MakeUser) -> User:
    return make_user("hebei", "province", "13")


@pytest.fixture
def registry(tree: dict[str, Area], register: RegisterHousehold) -> dict[str, Area]:
    for number, village, wage in (("H001", "130126100201", "9000"), ("H002", "130126100202", "12000")):
        household = register(number, village=village, water_safe=True)
        Income.objects.create(
            household=household,
            year=YEAR,
            wage=Decimal(wage),
            business=0,
            property_income=0,
            transfer=0,
            costs=0,
        )
    AreaYear.objects.create(area=tree["130126"], year=YEAR, rural_population=600)
    AreaYear.objects.create(area=tree["130126"], year=YEAR - 1, rural_population=600)
    AreaYear.objects.create(area=tree["130126100"], year=YEAR, rural_population=600)
    return tree


def _version(key: str) -> SystemVersion:
    return SystemVersion.objects.filter(system__key=key).order_by("-version").first()  # type: ignore[return-value]


def _national_run(actor: User | None, tree: dict[str, Area]) -> IndicatorRun:
    return indicator_run(
        actor=actor,
        version=_version("national"),
        organiser=tree["1301"],
        areas=COUNTIES,
        year=YEAR,
        as_of=AS_OF,
    )


def _ledger_file(tmp_path: Path, rows: list[list[Any]], name: str = "values.xlsx") -> Path:
    return write_workbook(tmp_path / name, {"指标录入": [HEADERS, *rows]})


def test_a_run_is_stored_audited_and_reproduced(province: User, registry: dict[str, Area]) -> None:
    run = _national_run(province, registry)
    indicators = definition_parse(run.version.definition).indicators()
    assert IndicatorValue.objects.filter(run=run).count() == len(indicators) * 2
    incidence = IndicatorValue.objects.get(run=run, area_id="130126", indicator="incidence")
    # H001's three members of 600: 0.5 %, scored linearly between 10 % (0) and 2 % (100).
    assert (incidence.value, incidence.score) == (Decimal("0.5000"), Decimal(100))
    assert incidence.details["numerator"] == 3 and incidence.details["denominator"] == 600
    assert len(run.checksum) == 64
    assert run.policy_values["13"]["values"]["poverty_line"]["value"] == 3218
    assert (
        run.policy_values["13/2020"]["values"]["idle_months"]["value"] == 12
    )  # idle funds are judged in 2020
    audit = AuditEvent.objects.get(action="contest.run", object_id=str(run.pk))
    assert (audit.details["organiser"], audit.details["checksum"]) == ("1301", run.checksum)
    totals = run_scores(run)
    assert set(totals) == set(COUNTIES) and all(Decimal(0) <= t <= 100 for t in totals.values())
    assert totals["130126"] > totals["130127"]
    again = run_reproduce(run)
    assert again.differences == []
    assert again.totals == totals
    stored = {(v.indicator, v.area_id): v.score for v in IndicatorValue.objects.filter(run=run)}
    assert {(key, area): s for key, by_area in again.scores.items() for area, s in by_area.items()} == stored


def test_a_tampered_score_is_found_by_reproducing(province: User, registry: dict[str, Area]) -> None:
    run = _national_run(province, registry)
    IndicatorValue.objects.filter(run=run, area_id="130127", indicator="incidence").update(score=Decimal(99))
    assert run_reproduce(run).differences == ["incidence 130127: 99.00 → 0.00"]


def test_the_checksum_is_equal_on_the_same_data_and_changes_with_it(
    province: User, registry: dict[str, Area]
) -> None:
    first, second = _national_run(province, registry), _national_run(province, registry)
    assert first.checksum == second.checksum
    Income.objects.filter(household__number="H002").update(wage=Decimal(6000))  # H002 falls below the line
    third = _national_run(province, registry)
    assert third.checksum != first.checksum
    assert IndicatorValue.objects.get(run=third, area_id="130126", indicator="incidence").value == Decimal(
        "1.0000"
    )
    # The first run keeps what it stored.
    assert IndicatorValue.objects.get(run=first, area_id="130126", indicator="incidence").value == Decimal(
        "0.5000"
    )


def test_entered_values_come_from_the_ledger_and_feed_the_run(
    province: User, registry: dict[str, Area], tmp_path: Path
) -> None:
    rows = [
        ["national", "satisfaction", "130126", 2019, "92.5", "第三方评估报告"],
        ["national", "funds_performance", "130126", 2019, 80, "绩效评价"],
    ]
    result = ledger_import("contest_values", _ledger_file(tmp_path, rows), actor=province)
    assert (result.ok, result.created, result.errors) == (True, 2, [])
    assert AuditEvent.objects.filter(action="contest.entered").exists()
    run = _national_run(province, registry)
    satisfaction = IndicatorValue.objects.get(run=run, area_id="130126", indicator="satisfaction")
    assert (satisfaction.value, satisfaction.score) == (
        Decimal("92.5000"),
        Decimal("81.25"),
    )  # 60 → 0, 100 → 100
    assert satisfaction.details["source"] == "第三方评估报告"
    missing = IndicatorValue.objects.get(run=run, area_id="130127", indicator="satisfaction")
    assert (missing.value, missing.score, missing.details["missing"]) == (None, Decimal(0), True)
    # A new import of the same key replaces the value, and changes the next run's checksum.
    again = ledger_import(
        "contest_values", _ledger_file(tmp_path, [[*rows[0][:4], "95", "复核"]], "again.xlsx"), actor=province
    )
    assert again.ok and EnteredValue.objects.get(indicator="satisfaction").value == Decimal(95)
    assert _national_run(province, registry).checksum != run.checksum


def test_the_ledger_refuses_a_file_with_bad_rows_whole_naming_every_problem(
    own: User, registry: dict[str, Area], tmp_path: Path
) -> None:
    rows = [
        ["national", "satisfaction", "130126", 2019, "90", "评估"],  # good
        ["nosuch", "satisfaction", "130126", 2019, "90", "评估"],
        ["national", "incidence", "130126", 2019, "90", "评估"],  # computed, not entered
        ["national", "satisfaction", "130127", 2019, "90", "评估"],  # the neighbour's county
        ["national", "funds_performance", "130126", 1990, "很好", "评估"],
        ["national", "satisfaction", "130126", 2019, "91", "评估"],  # the first row again
        ["national", "satisfaction", "130126", 2019, "", "评估"],
    ]
    result = ledger_import("contest_values", _ledger_file(tmp_path, rows), actor=own)
    assert not result.ok and result.created == 0
    found = {(e["row"], e["column"], e["message"]) for e in result.errors}
    assert found == {
        (3, "指标体系代码", "没有这个指标体系，或您无权使用。"),
        (4, "指标代码", "该指标体系当前版本中没有这个录入指标。"),
        (5, "区域代码", "不在您的管辖范围内。"),
        (6, "年度", "年度应在2000到2100之间。"),
        (6, "数值", "应为数值。"),
        (7, "指标代码", "与第2行重复。"),
        (8, "数值", "必填。"),
    }
    assert not EnteredValue.objects.exists()
    assert AuditEvent.objects.filter(action="ledger.import", result="refused").exists()


def test_a_run_is_refused_outside_the_scope_and_below_nothing(
    own: User, neighbour: User, registry: dict[str, Area]
) -> None:
    version = _version("hebei_township")
    with pytest.raises(PermissionDenied):
        indicator_run(
            actor=neighbour,
            version=version,
            organiser=registry["130126"],
            areas=["130126100"],
            year=YEAR,
            as_of=AS_OF,
        )
    assert AuditEvent.objects.filter(action="contest.run", result="denied").exists()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="不在组织单位之下"):
        indicator_run(
            actor=own, version=version, organiser=registry["130126"], areas=["130126"], year=YEAR, as_of=AS_OF
        )
    with pytest.raises(ValidationError, match="考核的是县级区划"):
        indicator_run(
            actor=own,
            version=_version("national"),
            organiser=registry["130126"],
            areas=["130126100"],
            year=YEAR,
            as_of=AS_OF,
        )
    assert not IndicatorRun.objects.exists()


def test_the_run_pages_for_the_three_personas(
    own: User,
    neighbour: User,
    inspector: User,
    registry: dict[str, Area],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(own)
    page = client.get("/contest/systems/hebei_township/run/")
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/contest/systems/hebei_township/run/",
            {"organiser": "130126", "year": YEAR, "as_of": AS_OF.isoformat()},
        )
    job = Job.objects.get(kind="contest.run")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == "done", job.result
    run = IndicatorRun.objects.get()
    assert (run.organiser_id, sorted(set(run.values.values_list("area_id", flat=True)))) == (
        "130126",
        ["130126100"],
    )
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/contest/runs/{run.pk}/")
    assert page.status_code == 200 and len(queries) <= 16
    body = page.content.decode()
    assert "灵寿镇" in body and run.checksum in body and "分母" in body
    assert client_for(inspector).get(f"/contest/runs/{run.pk}/").status_code == 200
    assert client_for(neighbour).get(f"/contest/runs/{run.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="access.not_found", object_id=str(run.pk)).exists()
    refused = client_for(inspector).post(
        "/contest/systems/hebei_township/run/",
        {"organiser": "130126", "year": YEAR, "as_of": AS_OF.isoformat()},
    )
    assert refused.status_code == 403
    assert IndicatorRun.objects.count() == 1
    detail = client.get("/contest/systems/hebei_township/")
    assert [r.pk for r in detail.context["runs"]] == [run.pk]
    assert client_for(neighbour).get("/contest/systems/hebei_township/").context["runs"] == []


def test_a_run_of_a_system_with_rank_and_two_levels_reproduces(own: User, registry: dict[str, Area]) -> None:
    system = IndicatorSystem.objects.get(key="hebei_township")
    run = indicator_run(
        actor=own,
        version=_version(system.key),
        organiser=registry["130126"],
        areas=["130126100"],
        year=YEAR,
        as_of=AS_OF,
    )
    # One contestant: a rank of one is 100 when it has a value, 0 without.
    exit_score = IndicatorValue.objects.get(run=run, indicator="exit_as_planned")
    assert (exit_score.value, exit_score.score) == (None, Decimal(0))
    assert run_reproduce(run).differences == []
    assert run_reproduce(run).totals == run_scores(run)


def test_a_run_assesses_each_year_once(
    province: User, registry: dict[str, Area], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuopin.assessment import services

    calls: list[tuple[int, str]] = []
    real = services.assess_areas

    def counted(year: int, **options: Any) -> Any:
        calls.append((year, options["area"]))
        return real(year, **options)

    monkeypatch.setattr(services, "assess_areas", counted)
    run = _national_run(
        province, registry
    )  # incidence and its reduction: each area in 2019 once, in 2018 once
    areas = sorted(set(run.values.values_list("area_id", flat=True)))
    assert sorted(calls) == sorted((year, area) for year in (2018, 2019) for area in areas)


def test_a_county_reads_its_own_values_in_its_provinces_run(
    province: User, own: User, neighbour: User, registry: dict[str, Area]
) -> None:
    run = _national_run(province, registry)
    page = client_for(own).get(f"/contest/runs/{run.pk}/")
    assert page.status_code == 200
    assert [row["area"].code for row in page.context["areas"]] == ["130126"]
    assert "高邑县" not in page.content.decode()
    both = client_for(province).get(f"/contest/runs/{run.pk}/")
    assert [row["area"].code for row in both.context["areas"]] == ["130126", "130127"]


def test_a_run_of_the_wrong_level_is_refused_on_the_form_before_any_job(
    own: User, registry: dict[str, Area]
) -> None:
    response = client_for(own).post(
        "/contest/systems/national/run/", {"organiser": "130126", "year": YEAR, "as_of": AS_OF.isoformat()}
    )
    assert response.status_code == 200
    assert "该指标体系考核的是县级区划" in response.content.decode()
    assert not Job.objects.exists() and not IndicatorRun.objects.exists()
