"""A stored round for the report's and the API's tests, built through the services: 灵寿县's township contest
(four townships, five judges, 汇报 100 + 答问 20, trimmed, judges 0.6 and indicators 0.4 from a run of two
indicators, built with the ORM)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from tuopin.accounts.models import User
from tuopin.areas.models import Area
from tuopin.conftest import MakeUser
from tuopin.contest.models import IndicatorRun, IndicatorSystem, IndicatorValue, Round, RoundState, SpeechType
from tuopin.contest.ranking import Grading, Item
from tuopin.contest.services import (
    ContestantData,
    RoundData,
    round_close,
    round_create,
    round_open,
    round_publish,
    sheet_submit,
)

TOWNSHIPS = {
    "130126100": ("灵寿镇", "赵志刚"),
    "130126101": ("青同镇", "钱文斌"),
    "130126102": ("塔上镇", "孙丽华"),
    "130126103": ("陈庄镇", "李国强"),
}
# judge n's (汇报, 答问) for each township: 灵寿镇 first, 陈庄镇 last, 青同镇 and 塔上镇 tied
SCORES = {
    "130126100": [(92, 18), (95, 19), (90, 17), (98, 20), (85, 15)],
    "130126101": [(85, 16), (88, 17), (80, 15), (90, 18), (78, 14)],
    "130126102": [(85, 16), (88, 17), (80, 15), (90, 18), (78, 14)],
    "130126103": [(70, 12), (72, 13), (65, 10), (75, 14), (60, 9)],
}
INDICATOR_SCORES = {"130126100": "90", "130126101": "80", "130126102": "80", "130126103": "60"}
JUDGE_NAMES = ["周评审", "吴评审", "郑评审", "王评审", "冯评审"]
THIRDS = {"method": "shares", "grades": [["好", 0.25], ["较好", 0.5], ["一般", 0.25]]}


def township_areas() -> None:
    """The three townships the shared tree lacks (it has 灵寿镇)."""
    for code, (name, _speaker) in TOWNSHIPS.items():
        Area.objects.get_or_create(
            code=code, defaults={"name": name, "level": "township", "parent_id": "130126"}
        )


def judges(make_user: MakeUser) -> list[User]:
    return [make_user(f"judge{n}", "judge", "130126") for n in range(1, 6)]


def make_round(
    judge_users: list[User],
    *,
    state: str = RoundState.PUBLISHED,
    name_judges: bool = False,
    with_run: bool = True,
    missing: tuple[int, str] | None = None,
) -> Round:
    """The round through the services (created, opened, scored, closed, published as `state` says); `missing`
    (judge number, area) leaves one sheet out. No service links a round to its run yet: that link is the ORM's."""
    township_areas()
    for user, name in zip(judge_users, JUDGE_NAMES, strict=True):
        user.full_name = name
        user.save(update_fields=["full_name"])
    data = RoundData(
        title="灵寿县2019年第二次乡镇党委书记擂台赛",
        level="county",
        held_on=date(2019, 6, 20),
        organiser_code="130126",
        items=(Item("汇报", Decimal(100)), Item("答问", Decimal(20))),
        grading=Grading("shares", tuple((name, Decimal(str(share))) for name, share in THIRDS["grades"])),
        contestants=tuple(
            ContestantData(
                code,
                speaker,
                SpeechType.EXCHANGE if position < 3 else SpeechType.REVIEW,
                Decimal(INDICATOR_SCORES[code]),
            )
            for position, (code, (_name, speaker)) in enumerate(TOWNSHIPS.items(), 1)
        ),
        judges=tuple(user.pk for user in judge_users),
        trim=True,
        w_judges=Decimal("0.6"),
        w_indicators=Decimal("0.4"),
        name_judges=name_judges,
    )
    contest_round = round_create(actor=None, data=data)
    if with_run:
        Round.objects.filter(pk=contest_round.pk).update(run=_run("130126"))
    if state == RoundState.DRAFT:
        return Round.objects.get(pk=contest_round.pk)
    contest_round = round_open(actor=None, contest_round=contest_round)
    for number, user in enumerate(judge_users, 1):
        for contestant in contest_round.contestants.all():
            if missing == (number, contestant.area_id):
                continue
            talk, answers = SCORES[contestant.area_id][number - 1]
            sheet_submit(
                judge_user=user,
                contestant=contestant,
                scores={"汇报": Decimal(talk), "答问": Decimal(answers)},
            )
    if state != RoundState.OPEN:
        contest_round = round_close(actor=None, contest_round=contest_round)
    if state == RoundState.PUBLISHED:
        contest_round = round_publish(actor=None, contest_round=contest_round)
    return Round.objects.get(pk=contest_round.pk)


def province_round(make_user: MakeUser, *, state: str = RoundState.PUBLISHED) -> Round:
    """round_factories' province round (the tree's four counties, three judges), scored, closed and published as
    `state` says, with a run behind it."""
    from tuopin.contest.tests import round_factories

    panel = round_factories.judges(make_user)
    contest_round = round_factories.open_round(None, panel)
    round_factories.score_all(contest_round, panel)
    Round.objects.filter(pk=contest_round.pk).update(run=_run("13", round_factories.COUNTIES))
    contest_round = round_close(actor=None, contest_round=contest_round)
    if state == RoundState.PUBLISHED:
        contest_round = round_publish(actor=None, contest_round=contest_round)
    return Round.objects.get(pk=contest_round.pk)


def _run(organiser: str, areas: Iterable[str] = tuple(INDICATOR_SCORES)) -> IndicatorRun:
    system, _created = IndicatorSystem.objects.get_or_create(
        key="county-townships", defaults={"name": "乡镇脱贫攻坚考核", "level": "township"}
    )
    version = system.versions.first() or system.versions.create(
        version=1,
        source="灵寿县脱贫攻坚考核办法（2019）",
        definition={
            "groups": [
                {
                    "name": "减贫成效",
                    "weight": 60,
                    "indicators": [
                        {
                            "key": "exit_rate",
                            "name": "计划脱贫户退出率",
                            "weight": 1,
                            "direction": "higher",
                            "unit": "%",
                            "method": "linear",
                            "floor": 0,
                            "target": 100,
                            "entered": True,
                        }
                    ],
                },
                {
                    "name": "精准帮扶",
                    "weight": 40,
                    "indicators": [
                        {
                            "key": "visit_compliance",
                            "name": "走访达标率",
                            "weight": 1,
                            "direction": "higher",
                            "unit": "%",
                            "method": "pass_fail",
                            "threshold": 90,
                            "entered": True,
                        }
                    ],
                },
            ]
        },
    )
    run = IndicatorRun.objects.create(
        version=version,
        organiser_id=organiser,
        year=2019,
        as_of=date(2019, 5, 31),
        checksum="ab" * 32,
        created_by="lingshou",
    )
    for code, score in zip(areas, INDICATOR_SCORES.values(), strict=False):
        IndicatorValue.objects.create(
            run=run,
            area_id=code,
            indicator="exit_rate",
            value=Decimal(score),
            score=Decimal(score),
            details={
                "numerator": int(score),
                "denominator": 100,
                "source": "建档立卡数据库（2019-05-31快照）",
            },
        )
        IndicatorValue.objects.create(
            run=run, area_id=code, indicator="visit_compliance", value=None, score=Decimal(0), details={}
        )
    return run
