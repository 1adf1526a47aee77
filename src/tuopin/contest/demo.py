"""The arena contest for the demo, written through the services by the demo's own offices and judges: seed 000's
third county-secretary contest (29 October 2018, eight speakers) and seed 001's (23 June 2019, three 交流发言 and three
检视发言), each scored by five judges on 汇报 100 + 答问 20, the highest and lowest judge total dropped, weighed 0.7
judges / 0.3 indicators, the indicators an indicator run of the national system over the speakers' counties for the
year before (computed from the demo's data; what a third party measured first: the counties' exit evaluations
where the demo has none, and the two entered indicators, satisfaction and the funds' evaluation), graded 好 / 较好 / 一般 by thirds of the field (POLICY.md §6) and published; and one
township round of 灵寿县 (130126) still open for scoring, two of its three judges' sheets in, so that the third
(`judge6`) scores it from a phone. Seeded: two runs build the same rounds, and a round already built is left as it is.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from tuopin.accounts.models import User
from tuopin.areas.codes import area_q
from tuopin.areas.models import Area
from tuopin.assessment.models import CountyEvaluation
from tuopin.assessment.services import evaluation_record
from tuopin.contest.models import IndicatorRun, IndicatorSystem, Round, SpeechType
from tuopin.contest.ranking import Grading, Item
from tuopin.contest.runs import indicator_run
from tuopin.contest.services import (
    ContestantData,
    RoundData,
    round_close,
    round_create,
    round_open,
    round_publish,
    round_run_set,
    sheet_submit,
)
from tuopin.contest.system_services import Entered, entered_values_set

PROVINCE_JUDGES = ("judge1", "judge2", "judge3", "judge4", "judge5")  # judge-only accounts registered at 13
COUNTY_JUDGES = ("judge6", "judge7", "judge8")  # judge-only accounts registered at 灵寿县 (130126)
ITEMS = (Item("汇报", Decimal(100)), Item("答问", Decimal(20)))
# Thirds of the field, the best grade a hair wider so that a field of six or nine splits evenly (2 × 0.3334 ≥ ⅔).
THIRDS = Grading(
    "shares", (("好", Decimal("0.3334")), ("较好", Decimal("0.3333")), ("一般", Decimal("0.3333")))
)
W_JUDGES, W_INDICATORS = Decimal("0.7"), Decimal("0.3")
EXCHANGE, REVIEW = SpeechType.EXCHANGE, SpeechType.REVIEW
# The seeds name the counties as they were then; 任县 became 任泽区 in 2020 and the divisions hold the new name.
RENAMED = {"任县": "任泽区"}
ENTERED_SOURCE = "第三方评估（演示数据）"


@dataclass(frozen=True)
class Contest:
    title: str
    held_on: date
    speakers: tuple[tuple[str, str], ...]  # (county as the seed names it, speech type)


CONTESTS = (
    Contest(
        "全省第三次县（市、区）委书记脱贫攻坚“擂台赛”",
        date(2018, 10, 29),
        tuple(
            (name, EXCHANGE)
            for name in (
                "平泉市",
                "青龙满族自治县",
                "阜平县",
                "张家口市万全区",
                "承德县",
                "尚义县",
                "唐县",
                "临漳县",
            )
        ),
    ),
    Contest(
        "全省县（市、区）委书记脱贫攻坚“擂台赛”（2019年6月）",
        date(2019, 6, 23),
        (
            ("承德县", EXCHANGE),
            ("赤城县", EXCHANGE),
            ("魏县", EXCHANGE),
            ("围场满族蒙古族自治县", REVIEW),
            ("博野县", REVIEW),
            ("任县", REVIEW),
        ),
    ),
)
TOWNSHIP_TITLE = "灵寿县乡镇党委书记脱贫攻坚“擂台赛”"
TOWNSHIPS = ("灵寿镇", "青同镇", "塔上镇", "陈庄镇", "慈峪镇")


def contest_demo(*, seed: int = 2018) -> int:
    """Build the demo's rounds that are missing (a round is known by its title); returns how many were built."""
    rng = random.Random(seed)  # noqa: S311 - demo scores, not security
    province = User.objects.filter(username="province", role="province").first()
    county = User.objects.filter(username="county", role="county").first()
    built = 0
    panel = _users(PROVINCE_JUDGES)
    for contest in CONTESTS:
        if len(panel) == len(PROVINCE_JUDGES) and not Round.objects.filter(title=contest.title).exists():
            _published(contest, province, panel, rng)
            built += 1
    panel = _users(COUNTY_JUDGES)
    if len(panel) == len(COUNTY_JUDGES) and not Round.objects.filter(title=TOWNSHIP_TITLE).exists():
        _township_round(county, panel, rng)
        built += 1
    return built


def _users(usernames: Sequence[str]) -> list[User]:
    found = User.objects.in_bulk(list(usernames), field_name="username")
    return [found[name] for name in usernames if name in found]


def county_code(name: str) -> str:
    """The code of a county of Hebei (13) by the name a seed gives it ("张家口市万全区" is 万全区 under 张家口市)."""
    name = RENAMED.get(name, name)
    counties = Area.objects.filter(area_q("code", "13"), level="county")
    city, _shi, county = name.partition("市")
    if county and county.endswith(("区", "县")) and city:
        found = counties.filter(name=county, parent__name=f"{city}市").first()
        if found is not None:
            return found.code
    return counties.get(name=name).code


def _published(contest: Contest, office: User | None, panel: list[User], rng: random.Random) -> Round:
    codes = [county_code(name) for name, _speech in contest.speakers]
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    data = RoundData(
        title=contest.title,
        level="province",
        held_on=contest.held_on,
        organiser_code="13",
        items=ITEMS,
        grading=THIRDS,
        contestants=tuple(
            ContestantData(code, f"{names[code]}委书记", speech)
            for code, (_name, speech) in zip(codes, contest.speakers, strict=True)
        ),
        judges=tuple(judge.pk for judge in panel),
        trim=True,
        w_judges=W_JUDGES,
        w_indicators=W_INDICATORS,
    )
    contest_round = round_create(actor=office, data=data)
    round_run_set(actor=office, contest_round=contest_round, run=_run(office, codes, contest.held_on, rng))
    round_open(actor=office, contest_round=contest_round)
    speeches = dict(zip(codes, (speech for _name, speech in contest.speakers), strict=True))
    _score(contest_round, panel, {code: _quality(rng, speeches[code]) for code in codes}, rng)
    round_close(actor=office, contest_round=contest_round)
    return round_publish(actor=office, contest_round=contest_round)


def _run(office: User | None, codes: list[str], held_on: date, rng: random.Random) -> IndicatorRun:
    """The national system over the counties for the year before the round, on the data as of the eve of the round;
    the third party's satisfaction and funds evaluation entered first (what the system takes from outside)."""
    system = IndicatorSystem.objects.get(key="national")
    version = system.versions.order_by("-version").first()
    assert version is not None
    year = held_on.year - 1
    _evaluations(office, codes, year, rng)
    entered_values_set(
        actor=office,
        values=[
            Entered(system, key, code, year, Decimal(rng.randint(780, 960)) / 10, ENTERED_SOURCE)
            for code in codes
            for key in ("satisfaction", "funds_performance")
        ],
    )
    return indicator_run(
        actor=office,
        version=version,
        organiser=Area.objects.get(code="13"),
        areas=codes,
        year=year,
        as_of=held_on - timedelta(days=1),
    )


def _evaluations(office: User | None, codes: list[str], year: int, rng: random.Random) -> None:
    """The year's third-party exit evaluation of each county the demo has none for (wrong exits, missed persons,
    approval: what the national system's 精准识别 and 群众认可度 read), through the assessment's service."""
    done = set(
        CountyEvaluation.objects.filter(county_id__in=codes, year=year).values_list("county_id", flat=True)
    )
    for code in codes:
        if code in done:
            continue
        exited, unregistered, surveyed = rng.randint(300, 600), rng.randint(800, 1500), rng.randint(300, 600)
        evaluation_record(
            actor=office,
            county=code,
            year=year,
            counts={
                "sampled_exited": exited,
                "wrong_exits": rng.randint(0, 6),
                "sampled_unregistered": unregistered,
                "missed": rng.randint(0, 12),
                "surveyed_households": surveyed,
                "approving_households": round(surveyed * rng.uniform(0.92, 0.99)),
            },
            evaluated_on=date(year + 1, 1, 15),
            evaluator=ENTERED_SOURCE,
        )


def _quality(rng: random.Random, speech: str) -> float:
    """A speaker's 汇报 as the judges hear it: an exchange of experience a little above a review of problems."""
    return rng.uniform(84, 95) if speech == EXCHANGE else rng.uniform(78, 88)


def _score(contest_round: Round, panel: list[User], quality: dict[str, float], rng: random.Random) -> None:
    """Each judge scores each contestant near its quality: 汇报 to the half point, 答问 in proportion."""
    contestants = list(contest_round.contestants.select_related("round").order_by("position"))
    for judge in panel:
        leniency = rng.uniform(-2, 2)
        for contestant in contestants:
            if contestant.area_id not in quality:
                continue
            report = _half(quality[contestant.area_id] + leniency + rng.gauss(0, 1.5), 60, 100)
            answers = _half(quality[contestant.area_id] / 5 + rng.gauss(0, 0.8), 10, 20)
            sheet_submit(judge_user=judge, contestant=contestant, scores={"汇报": report, "答问": answers})


def _half(value: float, low: int, high: int) -> Decimal:
    return Decimal(max(low * 2, min(high * 2, round(value * 2)))) / 2


def _township_round(office: User | None, panel: list[User], rng: random.Random) -> Round:
    """This month's township round of 灵寿县, open: judge7 has scored everyone, judge8 the first three, judge6 none."""
    townships = dict(Area.objects.filter(parent_id="130126", name__in=TOWNSHIPS).values_list("name", "code"))
    codes = [townships[name] for name in TOWNSHIPS if name in townships]
    data = RoundData(
        title=TOWNSHIP_TITLE,
        level="county",
        held_on=timezone.localdate(),
        organiser_code="130126",
        items=ITEMS,
        grading=THIRDS,
        contestants=tuple(
            ContestantData(townships[name], f"{name}党委书记") for name in TOWNSHIPS if name in townships
        ),
        judges=tuple(judge.pk for judge in panel),
        trim=False,
    )
    contest_round = round_open(actor=office, contest_round=round_create(actor=office, data=data))
    quality = {code: rng.uniform(80, 94) for code in codes}
    _score(contest_round, panel[1:2], quality, rng)
    _score(contest_round, panel[2:3], {code: quality[code] for code in codes[:3]}, rng)
    return contest_round
