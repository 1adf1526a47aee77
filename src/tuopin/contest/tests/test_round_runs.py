"""A round scores its indicators from an indicator run (`round_run_set`, the round page's run form); the round page
offers the report's downloads to whoever may see the ranking; a judge-only account lands on its rounds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tuopin.accounts.models import User
from tuopin.areas.models import Area
from tuopin.audit.models import AuditEvent
from tuopin.conftest import PASSWORD, MakeUser, client_for
from tuopin.contest.models import IndicatorRun, IndicatorSystem, Round, RoundState
from tuopin.contest.runs import indicator_run, run_scores
from tuopin.contest.services import round_close, round_create, round_publish, round_run_set
from tuopin.contest.system_services import Entered, entered_values_set
from tuopin.contest.tests.round_factories import COUNTIES, judges, open_round, province_data, score_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(make_user: MakeUser) -> User:
    return make_user("hebei", "province", "13")


@pytest.fixture
def panel(make_user: MakeUser) -> list[User]:
    return judges(make_user)


def _run(organiser: str, areas: tuple[str, ...] = COUNTIES) -> IndicatorRun:
    """The national system over the areas, with a third party's satisfaction entered so that the totals differ."""
    system = IndicatorSystem.objects.get(key="national")
    entered_values_set(
        actor=None,
        values=[
            Entered(system, "satisfaction", code, 2017, Decimal(70 + 10 * i), "第三方评估")
            for i, code in enumerate(areas)
        ],
    )
    return indicator_run(
        actor=None,
        version=system.versions.order_by("-version").first(),  # type: ignore[arg-type]
        organiser=Area.objects.get(code=organiser),
        areas=areas,
        year=2017,
        as_of=date(2018, 9, 30),
    )


def test_it_sets_the_run_and_each_contestants_indicator_score(office: User, panel: list[User]) -> None:
    contest_round = round_create(actor=office, data=province_data(panel))
    run = _run("13")
    round_run_set(actor=office, contest_round=contest_round, run=run)
    stored = Round.objects.get(pk=contest_round.pk)
    assert stored.run_id == run.pk
    totals = run_scores(run)
    scores = dict(stored.contestants.values_list("area_id", "indicator_score"))
    assert scores == {code: totals[code] for code in COUNTIES}
    assert len(set(scores.values())) == len(COUNTIES)  # the entered satisfaction sets them apart
    row = AuditEvent.objects.get(action="contest.round_run")
    assert row.details["run"] == run.pk and row.details["changes"]["130126"] == [None, str(totals["130126"])]


def test_it_refuses_a_run_of_an_office_below_the_organiser_or_missing_a_contestant(
    office: User, panel: list[User]
) -> None:
    contest_round = round_create(actor=office, data=province_data(panel))
    with pytest.raises(ValidationError, match="组织单位"):
        round_run_set(actor=office, contest_round=contest_round, run=_run("1301", COUNTIES[:2]))
    with pytest.raises(ValidationError, match="130722"):
        round_run_set(actor=office, contest_round=contest_round, run=_run("13", COUNTIES[:2]))
    assert Round.objects.get(pk=contest_round.pk).run_id is None
    assert not AuditEvent.objects.filter(action="contest.round_run").exists()


def test_only_the_organiser_sets_the_run_and_never_on_a_published_round(
    office: User, panel: list[User], make_user: MakeUser
) -> None:
    run = _run("13")
    contest_round = open_round(office, panel)
    city = make_user("shijiazhuang", "city", "1301")
    with pytest.raises(PermissionDenied):
        round_run_set(actor=city, contest_round=contest_round, run=run)
    score_all(contest_round, panel)
    round_close(actor=office, contest_round=contest_round)
    round_publish(actor=office, contest_round=contest_round)
    with pytest.raises(PermissionDenied):
        round_run_set(actor=office, contest_round=contest_round, run=run)
    with pytest.raises(ValidationError):
        round_run_set(actor=None, contest_round=contest_round, run=run)
    denied = AuditEvent.objects.filter(action="contest.round_run", result="denied")
    assert denied.count() == 2  # one row for each office; the command line is told, not refused
    assert Round.objects.get(pk=contest_round.pk).run_id is None


def test_the_organiser_chooses_the_run_on_the_round_page(office: User, panel: list[User]) -> None:
    contest_round = round_create(actor=office, data=province_data(panel))
    run = _run("13")
    client = client_for(office)
    page = client.get(f"/contest/rounds/{contest_round.pk}/").content.decode()
    assert 'data-testid="run-form"' in page and f'value="{run.pk}"' in page
    response = client.post(f"/contest/rounds/{contest_round.pk}/run/", {"run": str(run.pk)})
    assert response.status_code == 302
    assert Round.objects.get(pk=contest_round.pk).run_id == run.pk
    assert 'data-testid="round-run"' in client.get(f"/contest/rounds/{contest_round.pk}/").content.decode()
    # a run the page does not offer is refused by the form, and nothing changes
    response = client.post(f"/contest/rounds/{contest_round.pk}/run/", {"run": "999999"})
    assert response.status_code == 302
    assert Round.objects.get(pk=contest_round.pk).run_id == run.pk


def test_the_round_page_links_the_report_once_its_ranking_may_be_seen(
    office: User, panel: list[User]
) -> None:
    contest_round = open_round(office, panel)
    client = client_for(office)
    page = f"/contest/rounds/{contest_round.pk}/"
    assert 'data-testid="report-downloads"' not in client.get(page).content.decode()
    score_all(contest_round, panel)
    round_close(actor=office, contest_round=contest_round)
    assert "预览通报（PDF）" in client.get(page).content.decode()
    round_publish(actor=office, contest_round=contest_round)
    body = client.get(page).content.decode()
    assert "下载通报（PDF）" in body and f"/contest/rounds/{contest_round.pk}/report.xlsx" in body
    assert Round.objects.get(pk=contest_round.pk).state == RoundState.PUBLISHED


def test_a_judge_only_account_lands_on_its_rounds_after_signing_in(panel: list[User], office: User) -> None:
    from django.test import Client

    client = Client()
    response = client.post("/accounts/login/", {"username": panel[0].username, "password": PASSWORD})
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 302 and home["Location"] == "/contest/judging/"
    assert client.get(home["Location"]).status_code == 200
    assert client_for(office).get("/").status_code == 200  # an office still reads its home page
