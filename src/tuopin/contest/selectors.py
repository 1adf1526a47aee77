"""Scoped reads of indicator systems, runs and contest rounds, and a stored round's ranking."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from tuopin.accounts.scope import scope_q
from tuopin.contest.models import Round, Sheet
from tuopin.contest.ranking import Contestant, Grading, Item, Placing, RoundInput, Score, rank_round

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User


def rounds_for(user: User | AnonymousUser) -> QuerySet[Round]:
    """The rounds organised in the user's scope (an organiser's office and the offices above it)."""
    return Round.objects.filter(scope_q(user, "organiser_id")).select_related("organiser")


def round_input(contest_round: Round) -> RoundInput:
    """A stored round as the ranking reads it: the judges by their labels, scores as entered on the sheets."""
    grading = contest_round.grading or {}
    contestants = list(contest_round.contestants.order_by("position"))
    sheets = Sheet.objects.filter(contestant__round=contest_round).select_related("judge", "contestant")
    return RoundInput(
        items=tuple(Item(str(item["name"]), Decimal(str(item["max"]))) for item in contest_round.items),
        trim=contest_round.trim,
        w_judges=contest_round.w_judges,
        w_indicators=contest_round.w_indicators,
        grading=Grading(
            str(grading.get("method", "")),
            tuple((str(name), Decimal(str(value))) for name, value in grading.get("grades", [])),
            str(grading.get("else", "")),
        ),
        contestants=tuple(Contestant(c.area_id, c.indicator_score or Decimal(0)) for c in contestants),
        scores=tuple(
            Score(sheet.judge.label, sheet.contestant.area_id, str(name), Decimal(str(value)))
            for sheet in sheets
            for name, value in sheet.scores.items()
        ),
    )


def round_ranking(contest_round: Round) -> list[Placing]:
    return rank_round(round_input(contest_round))
