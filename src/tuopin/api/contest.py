"""REST API v1, the arena contests: rounds, a round's ranking and the indicator values of a run, with the scope rules
of the report's pages (tuopin.contest.report): a round is listed to the offices at and above its organiser, to the
users it is circulated to once published, and to its judges; its ranking only once published, or as a preview to
the organiser's office. Anything else is 404, audited.

The ranking's JSON is the CLI's (`tuopin contest rank ROUND_ID --json`): THE ranking's `Placing.as_dict` in rank
order. Mounted under /api/v1/contest by tuopin.api.urls.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from tuopin.accounts.permissions import get_in_scope_or_404
from tuopin.accounts.roles import Capability
from tuopin.api.schemas import Problem
from tuopin.contest.models import IndicatorRun, Round
from tuopin.contest.ranking import RankingError
from tuopin.contest.report import (
    report_round_for,
    rounds_listed_for,
    run_for,
    run_values,
    visible_round_for,
)
from tuopin.contest.selectors import round_ranking

router = Router(tags=["contest"])

Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
ERRORS = {401: Problem, 403: Problem, 404: Problem}


class RoundOut(Schema):
    id: int
    title: str
    level: str = Field(description="province (county secretaries) or county (township secretaries)")
    held_on: date
    organiser: str = Field(description="the organiser's area code")
    organiser_name: str
    state: str = Field(description="draft, open, closed or published")
    revision: int
    published_at: datetime | None


class ContestantOut(Schema):
    area: str
    area_name: str
    speaker: str
    speech: str = Field(description="exchange (交流发言) or review (检视发言)")
    position: int


class ItemOut(Schema):
    name: str
    max: Decimal


class RoundDetailOut(RoundOut):
    items: list[ItemOut]
    trim: bool
    w_judges: Decimal
    w_indicators: Decimal
    grading: dict[str, Any]
    run: int | None = Field(description="the indicator run behind the indicator scores")
    judges: int = Field(description="how many judges score the round")
    contestants: list[ContestantOut]


class PlacingOut(Schema):
    area: str
    judges_score: float
    indicator_score: float
    total: float
    rank: int
    grade: str


class RankingOut(Schema):
    ranking: list[PlacingOut]


class RunOut(Schema):
    id: int
    system: str
    version: int
    organiser: str
    year: int
    as_of: date
    checksum: str


class ValueOut(Schema):
    area: str
    area_name: str
    indicator: str
    value: Decimal | None = Field(description="null: no data")
    score: Decimal
    details: dict[str, Any] = Field(description="numerator, denominator, source …")


class RunValuesOut(Schema):
    run: RunOut
    values: list[ValueOut]


class RoundFilters(Schema):
    state: str = Field(
        default="", pattern=r"^(draft|open|closed|published)?$", description="a state, or '' for all"
    )
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000)


def _reader(request: HttpRequest) -> Any:
    user = request.user
    if not user.can(Capability.READ):  # type: ignore[union-attr]
        raise PermissionDenied(f"needs {Capability.READ}")
    return user


def _round_out(contest_round: Round) -> dict[str, Any]:
    return {
        "id": contest_round.pk,
        "title": contest_round.title,
        "level": contest_round.level,
        "held_on": contest_round.held_on,
        "organiser": contest_round.organiser_id,
        "organiser_name": contest_round.organiser.name,
        "state": contest_round.state,
        "revision": contest_round.revision,
        "published_at": contest_round.published_at,
    }


@router.get(
    "/rounds",
    response={200: list[RoundOut], **ERRORS},
    summary="Contest rounds in the token's scope",
    url_name="contest_rounds",
)
def list_rounds(request: HttpRequest, filters: Query[RoundFilters]) -> list[dict[str, Any]]:
    rounds = rounds_listed_for(
        _reader(request), state=filters.state, offset=filters.offset, limit=filters.limit
    )
    return [_round_out(r) for r in rounds]


@router.get(
    "/rounds/{round_id}",
    response={200: RoundDetailOut, **ERRORS},
    summary="A round: its score sheet, weights, grading, contestants and state",
    url_name="contest_round",
)
def get_round(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    user = _reader(request)
    contest_round = get_in_scope_or_404(
        request, lambda: visible_round_for(user, round_id), what="contest_round", key=str(round_id)
    )
    return {
        **_round_out(contest_round),
        "items": [{"name": str(i["name"]), "max": Decimal(str(i["max"]))} for i in contest_round.items],
        "trim": contest_round.trim,
        "w_judges": contest_round.w_judges,
        "w_indicators": contest_round.w_indicators,
        "grading": contest_round.grading or {},
        "run": contest_round.run_id,
        "judges": contest_round.judge_count,  # type: ignore[attr-defined]
        "contestants": [
            {
                "area": c.area_id,
                "area_name": c.area.name,
                "speaker": c.speaker,
                "speech": c.speech,
                "position": c.position,
            }
            for c in contest_round.contestants.all()
        ],
    }


@router.get(
    "/rounds/{round_id}/ranking",
    response={200: RankingOut, 409: Problem, **ERRORS},
    summary="A round's ranking, as `tuopin contest rank ROUND_ID --json` prints it: once published, or for the "
    "organiser's office (409 while its sheets are incomplete)",
    url_name="contest_ranking",
)
def round_ranking_read(request: HttpRequest, round_id: Id) -> Any:
    user = _reader(request)
    contest_round = get_in_scope_or_404(
        request, lambda: report_round_for(user, round_id), what="contest_round", key=str(round_id)
    )
    try:
        placings = round_ranking(contest_round)
    except RankingError as error:
        return Status(409, {"detail": "conflict", "messages": error.problems})
    return {"ranking": [placing.as_dict() for placing in placings]}


@router.get(
    "/runs/{run_id}/values",
    response={200: RunValuesOut, **ERRORS},
    summary="The indicator values of a run: organised in the token's scope, or behind a round circulated to it",
    url_name="contest_run_values",
)
def run_values_read(request: HttpRequest, run_id: Id) -> dict[str, Any]:
    user = _reader(request)
    run: IndicatorRun = get_in_scope_or_404(
        request, lambda: run_for(user, run_id), what="indicator_run", key=str(run_id)
    )
    return {
        "run": {
            "id": run.pk,
            "system": run.version.system.key,
            "version": run.version.version,
            "organiser": run.organiser_id,
            "year": run.year,
            "as_of": run.as_of,
            "checksum": run.checksum,
        },
        "values": [
            {
                "area": v.area_id,
                "area_name": v.area.name,
                "indicator": v.indicator,
                "value": v.value,
                "score": v.score,
                "details": v.details if isinstance(v.details, dict) else {},
            }
            for v in run_values(run)
        ],
    }
