"""Every account `tuopin demo` prints can sign in with what it prints, and walks the demo without meeting a full ID
number or phone (SECURITY.md B2)."""

from __future__ import annotations

import json
import re
from base64 import b32decode
from collections import Counter, deque
from html import unescape

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client, override_settings
from django_otp.oath import TOTP

from tuopin.accounts.models import User
from tuopin.accounts.services import token_create
from tuopin.areas.models import Area, AreaYear
from tuopin.conftest import client_for
from tuopin.ledgers.framework import LEDGERS
from tuopin.registry.idnumbers import ID_PATTERN
from tuopin.registry.models import Household, Member

pytestmark = pytest.mark.django_db


@override_settings(
    TUOPIN_THROTTLE_EXPORTS=1000
)  # the crawl exports every ledger; the limit has its own tests
def test_every_printed_demo_account_can_sign_in(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", "--json", "--scale", "0.002")
    accounts = json.loads(capsys.readouterr().out)
    roles = {account["role"] for account in accounts}
    assert roles == {
        "admin",
        "province",
        "city",
        "county",
        "township",
        "village",
        "unit",
        "inspector",
        "judge",
        "health",
        "keeper",
        "facility",
    }
    crawled_judge = False
    for account in accounts:
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": account["username"], "password": account["password"]}
        )
        assert response.status_code == 302, account["username"]
        if "totp_secret" in account:
            assert response["Location"] == "/accounts/login/verify/"
            token = f"{TOTP(b32decode(account['totp_secret'])).token():06d}"
            response = client.post("/accounts/login/verify/", {"token": token})
            assert response.status_code == 302, account["username"]
        home = client.get("/")
        if account["role"] == "judge":  # a judge-only account reads no area: it lands on the rounds it judges
            assert home.status_code == 302 and home["Location"] == "/contest/judging/", account["username"]
            if not crawled_judge:
                _crawl(client, account["username"], start="/contest/judging/", least=5)
                crawled_judge = True
            continue
        if account["role"] in MEDWASTE_LANDING:  # the medical-waste roles read that ledger alone
            assert home.status_code == 302 and home["Location"] == "/medwaste/", account["username"]
            landing = MEDWASTE_LANDING[account["role"]]
            assert client.get(landing).status_code == 200, account["username"]
            _crawl(client, account["username"], start=landing, least=5)
            continue
        assert home.status_code == 200, account["username"]
        assert account["area"] in home.content.decode()
        _crawl(client, account["username"])
    _check_demo_registry()
    _check_demo_procedures()
    _check_demo_monitoring()
    _check_demo_contest()
    _check_demo_fieldforms()


# Where each medical-waste role's home (/medwaste/) leads: the linked keeper's point, the clinic's handovers.
MEDWASTE_LANDING = {"health": "/medwaste/", "keeper": "/medwaste/keeper/", "facility": "/medwaste/handovers/"}
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
LINK = re.compile(r'href="(/[^"#]*)')
SKIPPED = (
    "/static/",
    "/accounts/logout",
    "/i18n/",
    "/reveal/",
    "/phone/",
    ".xlsx",
    "/export",
    "/template",
    "/evidence/",
    "/photo/",
)
PAGES_PER_ROLE, PAGES_PER_SHAPE = 150, 2


def _crawl(client: Client, who: str, *, start: str = "/", least: int = 20) -> None:
    """SECURITY.md B2: every page a role reaches from its home page by following links (a few of each URL shape,
    e.g. two households' pages), and the API's lists, never show a full ID number or phone; none is a server error."""
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    queue = deque([start])
    while queue and len(seen) < PAGES_PER_ROLE:
        url = unescape(queue.popleft())
        shape = re.sub(r"\d+", "N", url.split("?")[0]) + ("?" if "?" in url else "")
        if url in seen or shapes[shape] >= PAGES_PER_SHAPE or any(part in url for part in SKIPPED):
            continue
        seen.add(url)
        shapes[shape] += 1
        response = client.get(url)
        assert response.status_code < 500, (who, url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        assert not ID_PATTERN.search(body), (who, url)
        assert not FULL_PHONE.search(body), (who, url, FULL_PHONE.search(body))
        queue.extend(LINK.findall(body))
    assert len(seen) > least, (who, len(seen))  # the crawl really walked the site
    user = User.objects.get(username=who)
    token = token_create(user=user, name="crawl")
    api = [
        "/api/v1/households",
        "/api/v1/alerts?status=",
        *(f"/api/v1/ledgers/{name}?reason=crawl" for name in sorted(LEDGERS)),
    ]
    for url in api:
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code in (200, 403), (who, url)
        body = response.content.decode()
        assert not ID_PATTERN.search(body) and not FULL_PHONE.search(body), (who, url)


def _check_demo_contest() -> None:
    """Seed 000's and seed 001's county-secretary contests published, their speakers in the seeds' order and speech
    types, ranked and graded by thirds from judges' scores and an indicator run of the national system; and 灵寿县's
    township round open, two judges' sheets in, the third judge's sheet page ready on its phone."""
    from tuopin.contest.models import Round, Sheet
    from tuopin.contest.runs import run_scores

    third, june = (
        Round.objects.get(held_on="2018-10-29", state="published"),
        Round.objects.get(held_on="2019-06-23", state="published"),
    )
    assert "第三次" in third.title and "擂台赛" in third.title
    names = {
        r: list(r.contestants.order_by("position").values_list("area__name", "speech")) for r in (third, june)
    }
    assert [name for name, _speech in names[third]] == [
        "平泉市", "青龙满族自治县", "阜平县", "万全区", "承德县", "尚义县", "唐县", "临漳县"
    ]  # fmt: skip
    assert third.contestants.get(area__name="万全区").area.parent_id == "1307"  # 张家口市万全区
    assert names[june] == [
        ("承德县", "exchange"), ("赤城县", "exchange"), ("魏县", "exchange"),
        ("围场满族蒙古族自治县", "review"), ("博野县", "review"), ("任泽区", "review"),  # 任县, renamed in 2020
    ]  # fmt: skip
    for contest_round, grades in ((third, [2, 3, 3]), (june, [2, 2, 2])):
        assert contest_round.judges.count() == 5 and contest_round.trim
        assert Sheet.objects.filter(judge__round=contest_round).count() == 5 * len(names[contest_round])
        placings = contest_round.placings
        assert [p["rank"] for p in placings] == sorted(p["rank"] for p in placings)
        counted = Counter(p["grade"] for p in placings)
        assert [counted["好"], counted["较好"], counted["一般"]] == grades, placings
        assert all(60 < float(p["judges_score"]) <= 100 for p in placings)
        assert contest_round.run is not None and contest_round.run.version.system.key == "national"
        assert contest_round.run.year == contest_round.held_on.year - 1
        totals = run_scores(contest_round.run)
        scores = dict(contest_round.contestants.values_list("area_id", "indicator_score"))
        assert scores == {code: totals[code] for code in scores}
        assert all(0 < score <= 100 for score in scores.values())
    township = Round.objects.get(organiser_id="130126", level="county")
    assert township.state == "open" and township.contestants.count() == 5
    sheets = Counter(
        Sheet.objects.filter(judge__round=township).values_list("judge__user__username", flat=True)
    )
    assert sheets == {"judge7": 5, "judge8": 3}
    judge = User.objects.get(username="judge6")
    client = client_for(judge)
    assert township.title in client.get("/contest/judging/").content.decode()
    first = township.contestants.order_by("position").first()
    assert first is not None
    page = client.get(f"/contest/judging/{township.pk}/{first.pk}/")
    assert page.status_code == 200 and "汇报" in page.content.decode()
    assert (
        client_for(User.objects.get(username="judge1")).get(f"/contest/judging/{township.pk}/").status_code
        == 404
    )


def _check_demo_fieldforms() -> None:
    """The village task force's phone has a device credential and submissions waiting in the review queue."""
    from tuopin.accounts.models import User
    from tuopin.fieldforms.models import Device, Submission, SubmissionStatus
    from tuopin.registry.selectors import households_for

    village = User.objects.get(username="village")
    assert Device.objects.filter(user=village, revoked_at=None).count() == 1
    sent = 3 if households_for(village).exists() else 0  # a demo this small may leave the village empty
    assert Submission.objects.filter(user=village, status=SubmissionStatus.REVIEW).count() == sent * 2 // 3
    assert Submission.objects.filter(user=village, status=SubmissionStatus.APPLIED).count() == sent // 3


def _check_demo_monitoring() -> None:
    """A believable inbox and case board: open alerts of today's screening, overdue ones of a screening still being
    worked (escalated), alerts checked and awaiting their conclusion, cases monitored and eliminated."""
    from django.utils import timezone

    from tuopin.monitoring.models import Alert, Case
    from tuopin.monitoring.selectors import overdue_q

    today = timezone.localdate()
    open_alerts = Alert.objects.filter(status__in=("new", "checking"))
    assert open_alerts.filter(first_seen=today).exists()
    assert open_alerts.filter(overdue_q(today)).exists()
    assert open_alerts.filter(status="checking", conclusion_due__gte=today).exists()
    assert {"monitoring", "eliminated"} <= set(Case.objects.values_list("state", flat=True))


def _check_demo_procedures() -> None:
    """The demo village's exit announced in 2019 by its township and county."""
    from tuopin.procedures.models import Procedure

    exit_ = Procedure.objects.get(kind="village_exit")
    assert (exit_.state, exit_.year, exit_.started_by) == ("announced", 2019, "township")
    assert [s.actor for s in exit_.steps.all()] == ["township", "county", "county"]


def _check_demo_registry() -> None:
    """The demo province: Langfang exactly as seed 003 counts it, the rest at scale, exits on Hebei's path."""
    langfang = Household.objects.filter(village__code__prefix="1310")
    assert langfang.count() == 2327
    assert Member.objects.filter(household__in=langfang).count() == 6274
    assert dict(langfang.values_list("category").annotate(n=Count("id"))) == {
        "general": 1789,
        "dibao": 489,
        "tekun": 49,
    }
    four = langfang.filter(main_cause__in=["illness", "disability", "labour", "schooling"]).count()
    assert four / 2327 >= 0.95
    others = Household.objects.exclude(village__code__prefix="1310")
    assert others.filter(population_type="registered").count() == 2000  # scale 0.002 of one million
    assert others.filter(population_type="monitored", status="", identification_year__gte=2021).count() == 82
    assert all(Household.objects.filter(village__code__prefix=c).exists() for c in ("130126", "130127"))
    assert not Household.objects.filter(head__isnull=True).exists()
    exits = set(Household.objects.filter(population_type="registered").values_list("exit_year", flat=True))
    assert exits <= set(range(2015, 2021))
    ill = others.filter(main_cause="illness", population_type="registered").count() / 2000
    assert 0.35 < ill < 0.5
    members = Member.objects.count()
    assert Member.objects.values("id_index").distinct().count() == members
    heads = Member.objects.filter(relation="head").count()
    assert heads == Household.objects.count()
    _check_demo_area_years()


def _check_demo_area_years() -> None:
    """Rural population per area and year: 9.84% incidence in 2014 outside Langfang, sums up the tree."""
    years = AreaYear.objects.filter(year=2014)
    poor = Member.objects.filter(household__population_type="registered").exclude(
        household__village__code__prefix="1310"
    )
    rural = sum(
        years.filter(area__level="city").exclude(area="1310").values_list("rural_population", flat=True)
    )
    assert abs(poor.count() / rural - 0.0984) < 0.0001
    villages = Area.objects.filter(level="village").count()
    assert years.filter(area__level="village", rural_population__isnull=False).count() == villages
    province = dict(AreaYear.objects.filter(area="13").values_list("year", "rural_population"))
    assert sorted(province) == list(range(2014, 2026)) and province[2025] < province[2014]
    county = years.filter(area__level="county").first()
    assert county is not None
    inside = years.filter(area__level="village", area__code__prefix=county.area_id)
    assert county.rural_population == sum(inside.values_list("rural_population", flat=True))
    assert years.filter(poor_county=True).count() == 62
    assert years.filter(poor_village=True).count() == min(7746, villages)
    assert not AreaYear.objects.filter(western=True).exists()


def test_the_province_dashboard_shows_langfang_as_seed_003_counts_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("demo", "--json", "--scale", "0")
    accounts = {a["username"]: a for a in json.loads(capsys.readouterr().out)}
    client = client_for(User.objects.get(username="province"))
    page = client.get("/dashboard/", {"area": "13"})
    assert "廊坊市" in page.content.decode()
    page = client.get("/dashboard/", {"area": "1310"}).content.decode().replace(",", "")
    assert '<div class="stat" data-testid="kpi-households">2327</div>' in page
    assert '<div class="stat" data-testid="kpi-persons">6274</div>' in page
    for label, count in (("一般贫困户", "1789"), ("低保贫困户", "489"), ("特困供养贫困户", "49")):
        assert f"{label} <strong>{count}</strong>" in page
    assert accounts["province"]["area"] == "13"
    # Each year of the poverty period was assessed; the dashboard draws the incidence of those runs.
    from tuopin.assessment.models import Run

    assert sorted(Run.objects.filter(status="done", area="13").values_list("year", flat=True)) == list(
        range(2014, 2021)
    )
    yearly = page[page.index('data-testid="incidence-by-year"') :]
    assert all(f">{year}</a>" in yearly for year in range(2014, 2021))
    # The province's map is coloured for each of those years: every city with rural people (only Langfang at scale
    # 0) has its incidence of the year in the stored figures the map reads.
    from tuopin.dashboards.models import AreaFigures

    cities = list(AreaFigures.objects.filter(parent_code="13"))
    peopled = [c for c in cities if any(f.get("rural_population") for f in c.yearly.values())]
    assert [c.area_id for c in peopled] == ["1310"] and len(cities) == 11
    for city in peopled:
        assert all(city.yearly[str(year)]["incidence"] is not None for year in range(2014, 2021)), (
            city.area_id
        )


def test_running_the_demo_twice_gives_working_new_passwords(capsys: pytest.CaptureFixture[str]) -> None:
    from tuopin.contest.models import IndicatorRun, Round, Sheet
    from tuopin.medwaste.models import TransferPoint

    call_command("demo", "--json", "--scale", "0")
    first = {a["username"]: a for a in json.loads(capsys.readouterr().out)}
    contest = [model.objects.count() for model in (Round, Sheet, IndicatorRun)]
    call_command("demo", "--json", "--scale", "0")
    second = {a["username"]: a for a in json.loads(capsys.readouterr().out)}
    assert contest[0] == 3 and [model.objects.count() for model in (Round, Sheet, IndicatorRun)] == contest
    assert TransferPoint.objects.count() == 278  # the medical-waste demo (石家庄市), built once
    assert first["county"]["password"] != second["county"]["password"]
    assert first["admin"]["totp_secret"] == second["admin"]["totp_secret"]
    login = Client().post(
        "/accounts/login/", {"username": "county", "password": second["county"]["password"]}
    )
    assert login.status_code == 302
