"""Scoped reads of indicator systems, runs and contest rounds, and a stored round's ranking.

A round is read by the offices of its organiser's scope (`rounds_for`) and by its judges through their own judge
rows (`judgings_for`, `judging_for`): a judge reads only its own sheets (`sheets_for`, `own_sheets`) and the ranking
only once the round is published (`ranking_visible_to`, the one predicate for pages, API and report)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, QuerySet, Sum

from tuopin.accounts.areas import areas_for
from tuopin.accounts.scope import area_codes, code_in, scope_q
from tuopin.areas.codes import ancestor_codes
from tuopin.areas.models import Area
from tuopin.contest.models import Contestant, IndicatorRun, Judge, Round, RoundLevel, RoundState, Sheet
from tuopin.contest.ranking import Contestant as RankedContestant
from tuopin.contest.ranking import Grading, Item, Placing, RoundInput, Score, rank_round

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
        items=round_items(contest_round),
        trim=contest_round.trim,
        w_judges=contest_round.w_judges,
        w_indicators=contest_round.w_indicators,
        grading=Grading(
            str(grading.get("method", "")),
            tuple((str(name), Decimal(str(value))) for name, value in grading.get("grades", [])),
            str(grading.get("else", "")),
        ),
        contestants=tuple(RankedContestant(c.area_id, c.indicator_score or Decimal(0)) for c in contestants),
        scores=tuple(
            Score(sheet.judge.label, sheet.contestant.area_id, str(name), Decimal(str(value)))
            for sheet in sheets
            for name, value in sheet.scores.items()
        ),
    )


def round_items(contest_round: Round) -> tuple[Item, ...]:
    """The round's score sheet as the ranking reads it."""
    return tuple(Item(str(item["name"]), Decimal(str(item["max"]))) for item in contest_round.items)


def round_ranking(contest_round: Round) -> list[Placing]:
    """THE ranking of a stored round; a published round answers the placings frozen when it was published."""
    if contest_round.state == RoundState.PUBLISHED and contest_round.placings:
        return placings_from_json(contest_round.placings)
    return rank_round(round_input(contest_round))


def placings_to_json(placings: list[Placing]) -> list[dict[str, Any]]:
    """Placings as `Round.placings` stores them (decimals as strings, so nothing is lost)."""
    return [
        {
            "area": p.area,
            "judges_score": str(p.judges_score),
            "indicator_score": str(p.indicator_score),
            "total": str(p.total),
            "rank": p.rank,
            "grade": p.grade,
            "judge_totals": {judge: str(total) for judge, total in p.judge_totals.items()},
            "dropped": list(p.dropped),
        }
        for p in placings
    ]


def placings_from_json(rows: list[dict[str, Any]]) -> list[Placing]:
    return [
        Placing(
            area=row["area"],
            judges_score=Decimal(row["judges_score"]),
            indicator_score=Decimal(row["indicator_score"]),
            total=Decimal(row["total"]),
            rank=int(row["rank"]),
            grade=row["grade"],
            judge_totals={judge: Decimal(total) for judge, total in row["judge_totals"].items()},
            dropped=tuple(row["dropped"]),
        )
        for row in rows
    ]


# --- rounds for their organisers ----------------------------------------------------------------------------------


def areas_of_level_for(user: User | AnonymousUser, level: str) -> list[Area]:
    """The areas of one level in the user's scope, by code (the round form's organisers and contestants)."""
    return list(areas_for(user).filter(level=level).order_by("code"))


def round_for(user: User | AnonymousUser, round_id: int) -> Round | None:
    return rounds_for(user).select_related("run__version__system").filter(pk=round_id).first()


def rounds_listed(user: User | AnonymousUser, *, limit: int = 200) -> list[Round]:
    """The rounds of the user's scope, newest first, with their counts (contestants, judges, sheets received)."""
    return list(
        rounds_for(user)
        .annotate(
            contestant_count=Count("contestants", distinct=True),
            judge_count=Count("judges", distinct=True),
            sheet_count=Count("judges__sheets", distinct=True),
        )
        .select_related("superseded_by")
        .order_by("-held_on", "-pk")[:limit]
    )


def round_revision(contest_round: Round) -> Round | None:
    """The revision that supersedes the round, if any."""
    return Round.objects.filter(supersedes=contest_round).first()


def round_contestants(contest_round: Round) -> list[Contestant]:
    return list(contest_round.contestants.select_related("area").order_by("position"))


def round_judges(contest_round: Round) -> list[Judge]:
    return list(contest_round.judges.select_related("user").order_by("label"))


def round_run_choices(
    user: User | AnonymousUser, contest_round: Round, *, limit: int = 50
) -> list[IndicatorRun]:
    """The indicator runs a round may score its indicators from: organised by the round's organiser or an office
    above it, that the user may read (its scope holds the organiser, or the run is organised above it), of the
    contestants' level (a province's round scores counties, a county's townships), newest first. Whether a run covers every contestant is the service's check."""
    organiser = contest_round.organiser_id
    if not code_in(organiser, area_codes(user)):
        return []
    level = "county" if contest_round.level == RoundLevel.PROVINCE else "township"
    return list(
        IndicatorRun.objects.filter(
            organiser_id__in=[*ancestor_codes(organiser), organiser], version__system__level=level
        )
        .select_related("version__system", "organiser")
        .order_by("-created_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class Progress:
    """Who has scored whom, without a score: what the organiser's pages and the projected page show while open."""

    judges: list[Judge]
    contestants: list[Contestant]
    done: frozenset[tuple[int, int]]  # (judge id, contestant id) of every sheet received

    @property
    def received(self) -> int:
        return len(self.done)

    @property
    def expected(self) -> int:
        return len(self.judges) * len(self.contestants)

    def rows(self) -> list[tuple[Contestant, list[bool]]]:
        return [(c, [(j.pk, c.pk) in self.done for j in self.judges]) for c in self.contestants]


def round_progress(contest_round: Round) -> Progress:
    done = Sheet.objects.filter(judge__round=contest_round).values_list("judge_id", "contestant_id")
    return Progress(round_judges(contest_round), round_contestants(contest_round), frozenset(done))


def round_version(contest_round: Round) -> str:
    """Changes whenever what the projected page shows changes: the state, a sheet received or changed, an indicator
    score set."""
    sheets = Sheet.objects.filter(judge__round=contest_round).aggregate(
        n=Count("pk"), last=Max("submitted_at")
    )
    last = sheets["last"].timestamp() if sheets["last"] else 0
    scores = contest_round.contestants.aggregate(n=Count("indicator_score"), total=Sum("indicator_score"))
    return f"{contest_round.state}-{sheets['n']}-{last:.6f}-{scores['n']}-{scores['total'] or 0}"


def ranking_visible_to(user: User | AnonymousUser, contest_round: Round) -> bool:
    """Whether the user may see the round's ranking (totals, grades): once published, its judges and the offices
    in, above or below the organiser's area; once closed, the offices of the organiser's scope that do not judge it;
    while draft or open, nobody. A judge never sees a ranking before publication, whatever office it holds."""
    if not user.is_authenticated or contest_round.state not in (RoundState.CLOSED, RoundState.PUBLISHED):
        return False
    judges = contest_round.judges.filter(user_id=user.pk).exists()
    organiser = contest_round.organiser_id
    if contest_round.state == RoundState.CLOSED:
        return not judges and code_in(organiser, area_codes(user))
    codes = area_codes(user)
    return judges or code_in(organiser, codes) or any(code.startswith(organiser) for code in codes)


# --- rounds for their judges -------------------------------------------------------------------------------------

JUDGED_STATES = (RoundState.OPEN, RoundState.CLOSED, RoundState.PUBLISHED)


def judgings_for(user: User | AnonymousUser) -> QuerySet[Judge]:
    """The user's own judge rows in rounds past their draft, newest round first, with its sheets counted."""
    if not user.is_authenticated:
        return Judge.objects.none()
    return (
        Judge.objects.filter(user_id=user.pk, round__state__in=JUDGED_STATES)
        .select_related("round", "round__organiser")
        .annotate(
            sheet_count=Count("sheets", distinct=True),
            contestant_count=Count("round__contestants", distinct=True),
        )
        .order_by("-round__held_on", "-round_id")
    )


def judging_for(user: User | AnonymousUser, round_id: int) -> Judge | None:
    """The user's own judge row in a round (None when it does not judge it, or the round is a draft)."""
    if not user.is_authenticated:
        return None
    return (
        Judge.objects.filter(user_id=user.pk, round_id=round_id, round__state__in=JUDGED_STATES)
        .select_related("round", "round__organiser")
        .first()
    )


def judge_contestant(judge: Judge, contestant_id: int) -> Contestant | None:
    return judge.round.contestants.select_related("area").filter(pk=contestant_id).first()


def sheets_for(user: User | AnonymousUser) -> QuerySet[Sheet]:
    """The user's own sheets, in every round it judges: never another judge's."""
    if not user.is_authenticated:
        return Sheet.objects.none()
    return Sheet.objects.filter(judge__user_id=user.pk)


def sheet_for(user: User | AnonymousUser, sheet_id: int) -> Sheet | None:
    return sheets_for(user).select_related("judge", "contestant").filter(pk=sheet_id).first()


def own_sheets(judge: Judge) -> dict[int, Sheet]:
    """The judge's own sheets of its round by contestant id."""
    return {sheet.contestant_id: sheet for sheet in Sheet.objects.filter(judge=judge)}
