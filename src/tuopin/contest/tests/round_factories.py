"""Contest rounds built through the services, for the tests of rounds, judging and the browser."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tuopin.accounts.models import User
from tuopin.conftest import MakeUser
from tuopin.contest.models import Contestant, Round
from tuopin.contest.ranking import Grading, Item
from tuopin.contest.services import ContestantData, RoundData, round_create, round_open, sheet_submit

COUNTIES = ("130126", "130127", "130722", "130724")  # the four counties of conftest's tree, in speaking order
ITEMS = (Item("汇报", Decimal(100)), Item("答问", Decimal(20)))
THRESHOLDS = Grading(
    "thresholds", (("好", Decimal(90)), ("较好", Decimal(80)), ("一般", Decimal(70))), "较差"
)


def province_data(judges: list[User], **changes: object) -> RoundData:
    fields: dict[str, object] = {
        "title": "全省县委书记脱贫攻坚擂台赛",
        "level": "province",
        "held_on": date(2018, 10, 29),
        "organiser_code": "13",
        "items": ITEMS,
        "grading": THRESHOLDS,
        "contestants": tuple(
            ContestantData(code, f"书记{i}", "exchange" if i < 3 else "review")
            for i, code in enumerate(COUNTIES)
        ),
        "judges": tuple(judge.pk for judge in judges),
        "trim": False,
        **changes,
    }
    return RoundData(**fields)  # type: ignore[arg-type]


def judges(make_user: MakeUser, count: int = 3) -> list[User]:
    """Judge-only accounts registered under the province."""
    return [make_user(f"judge{n}", "judge", "13") for n in range(1, count + 1)]


def open_round(actor: User | None, panel: list[User], **changes: object) -> Round:
    contest_round = round_create(actor=actor, data=province_data(panel, **changes))
    return round_open(actor=actor, contest_round=contest_round)


def contestant(contest_round: Round, code: str) -> Contestant:
    return contest_round.contestants.get(area_id=code)


def score_all(contest_round: Round, panel: list[User], base: int = 80) -> None:
    """Every judge scores every contestant: judge n gives the i-th contestant base + i + n on 汇报 and 15 on 答问."""
    for n, judge in enumerate(panel):
        for i, code in enumerate(COUNTIES):
            sheet_submit(
                judge_user=judge,
                contestant=contestant(contest_round, code),
                scores={"汇报": Decimal(base + i + n), "答问": Decimal(15)},
            )
