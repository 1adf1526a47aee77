"""`tuopin contest rank --input ROUND.json --json` ranks a round described in a file (the JSON contract of issue
16); `tuopin contest rank ROUND_ID --json` ranks a stored round."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.contest.models import Round
from tuopin.contest.ranking import Placing, RankingError, rank_round, round_from_json
from tuopin.contest.selectors import round_ranking
from tuopin.core.commands import TuopinCommand, add_json_flag


class Command(TuopinCommand):
    help = "Arena contests: rank a round from a file or from the database."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rank = sub.add_parser("rank", help="the ranking, grades and totals of a round")
        rank.add_argument("round_id", nargs="?", type=int, help="a stored round's number")
        rank.add_argument("--input", type=Path, help="a round described in a JSON file")
        add_json_flag(rank)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rank":
            self._rank(options)

    def _rank(self, options: dict[str, Any]) -> None:
        path: Path | None = options["input"]
        round_id: int | None = options["round_id"]
        if (path is None) == (round_id is None):
            raise CommandError("give either --input ROUND.json or a round's number")
        try:
            placings = _from_file(path) if path is not None else _from_round(round_id or 0)
        except RankingError as error:
            raise CommandError("the round cannot be ranked:\n  " + "\n  ".join(error.problems)) from error
        data = {"ranking": [placing.as_dict() for placing in placings]}
        human = "\n".join(
            f"{p.rank:>3}  {p.area:<12} {p.total:>7}  {p.grade}  (judges {p.judges_score}, indicators "
            f"{p.indicator_score})"
            for p in placings
        )
        self.emit(options, data, human)


def _from_file(path: Path) -> list[Placing]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read {path}: {error}") from error
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{path} is not JSON: line {error.lineno}, column {error.colno}: {error.msg}"
        ) from error
    return rank_round(round_from_json(data))


def _from_round(round_id: int) -> list[Placing]:
    contest_round = Round.objects.filter(pk=round_id).first()
    if contest_round is None:
        raise CommandError(f"no round {round_id}")
    return round_ranking(contest_round)
