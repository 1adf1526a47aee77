"""Writes on arena contest rounds (擂台赛) and their judges' sheets: keyword-only, atomic, audited.

A round is organised by an office (a province office for county secretaries, a county office for township
secretaries) and only that office changes it: draft (edited freely) → open (judges score) → closed (sheets frozen;
reopened when a sheet must still change) → published (the ranking computed once and frozen in `Round.placings`).
A published round never changes: every service refuses it (one denial row), and a late correction is a new revision
(`round_revise`: supersedes, revision + 1, contestants, judges and sheets copied, closed).

A round's definition is checked by THE ranking itself (`contest.ranking.rank_round` on a probe of zero scores), so a
round that could not be ranked is never saved and never opens. A judge writes only its own sheets, only while the
round is open; a change of a submitted sheet is audited with the old and the new scores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.accounts.permissions import can_write, write_required
from tuopin.accounts.scope import code_in
from tuopin.accounts.selectors import users_for
from tuopin.areas.models import Area
from tuopin.audit.services import audit_record
from tuopin.contest.models import (
    Contestant,
    IndicatorRun,
    Judge,
    Round,
    RoundLevel,
    RoundState,
    Sheet,
    SpeechType,
)
from tuopin.contest.ranking import Contestant as RankedContestant
from tuopin.contest.ranking import Grading, Item, RankingError, RoundInput, Score, rank_round
from tuopin.contest.runs import run_scores
from tuopin.contest.selectors import placings_to_json, round_input, round_items, round_ranking

# The level of the organiser's area and of its contestants' areas, by the round's level.
ORGANISER_LEVEL = {RoundLevel.PROVINCE: "province", RoundLevel.COUNTY: "county"}
CONTESTANT_LEVEL = {RoundLevel.PROVINCE: "county", RoundLevel.COUNTY: "township"}
SCORE_PLACES = 2  # a judge's score has at most two decimals


@dataclass(frozen=True)
class ContestantData:
    area_code: str
    speaker: str
    speech: str = SpeechType.EXCHANGE
    indicator_score: Decimal | None = None


@dataclass(frozen=True)
class RoundData:
    """Everything a draft round says. `judges` are user ids, labelled 评委1, 评委2 … in this order."""

    title: str
    level: str
    held_on: date
    organiser_code: str
    items: tuple[Item, ...]
    grading: Grading
    contestants: tuple[ContestantData, ...]
    judges: tuple[int, ...] = ()
    trim: bool = True
    w_judges: Decimal = Decimal(1)
    w_indicators: Decimal = Decimal(0)
    name_judges: bool = False


def _label(number: int) -> str:
    return f"评委{number}"  # data, not UI: the report's name of an unnamed judge, the same in every language


def _name(actor: User | None) -> str:
    return actor.get_username() if actor is not None else "system"


def organises(actor: User | None, contest_round: Round) -> bool:
    """Whether `actor` is the round's organising office (or the command line)."""
    return _organiser_may(actor, contest_round.organiser_id, contest_round.level)


def _organiser_may(actor: User | None, organiser_code: str, level: str) -> bool:
    office = ORGANISER_LEVEL.get(RoundLevel(level)) if level in RoundLevel.values else None
    return actor is None or (actor.role == office and can_write(actor, organiser_code))


def _require_organiser(actor: User | None, contest_round: Round, action: str) -> None:
    write_required(
        actor,
        allowed=organises(actor, contest_round),
        action=action,
        object_type="contest_round",
        object_id=str(contest_round.pk),
        message=_("只有组织擂台赛的单位可以办理。"),
    )


def _require_unpublished(actor: User | None, contest_round: Round, action: str) -> None:
    """A published round is immutable: refused for everyone, with one denial row. The state is read afresh, so a
    caller holding an older copy of the round is refused too (each service checks it again under its lock)."""
    state = Round.objects.filter(pk=contest_round.pk).values_list("state", flat=True).first()
    write_required(
        actor,
        allowed=state != RoundState.PUBLISHED,
        action=action,
        object_type="contest_round",
        object_id=str(contest_round.pk),
        message=_("已通报的擂台赛不能修改；更正请新建修订。"),
        details={"state": state},
    )
    if actor is None and state == RoundState.PUBLISHED:
        raise ValidationError(_("已通报的擂台赛不能修改；更正请新建修订。"))


# --- the definition of a round ----------------------------------------------------------------------------------


def _probe(definition: RoundInput) -> list[str]:
    """What THE ranking finds wrong with a definition: it ranks the contestants on zero scores of one judge."""
    zeros = tuple(
        Score("probe", c.area, item.name, Decimal(0))
        for c in definition.contestants
        for item in definition.items
    )
    try:
        rank_round(replace(definition, scores=zeros))
    except RankingError as error:
        return error.problems
    return []


def _input_of(data: RoundData) -> RoundInput:
    return RoundInput(
        items=data.items,
        trim=data.trim,
        w_judges=data.w_judges,
        w_indicators=data.w_indicators,
        grading=data.grading,
        contestants=tuple(
            RankedContestant(c.area_code, c.indicator_score or Decimal(0)) for c in data.contestants
        ),
        scores=(),
    )


def _check(actor: User | None, data: RoundData) -> tuple[Area, list[User]]:
    """The organiser and the judges of a valid definition; ValidationError lists every problem at once."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if not data.title.strip():
        add("title", _("请填写名称。"))
    if data.level not in RoundLevel.values:
        raise ValidationError({"level": [_("未知的擂台赛层级。")]})
    level = RoundLevel(data.level)
    organiser = Area.objects.filter(code=data.organiser_code).first()
    if organiser is None or organiser.level != ORGANISER_LEVEL[level]:
        add("organiser", _("组织单位须是%(level)s区划。") % {"level": _level_label(ORGANISER_LEVEL[level])})
    codes = [contestant.area_code for contestant in data.contestants]
    areas = Area.objects.in_bulk(codes)
    for contestant in data.contestants:
        area = areas.get(contestant.area_code)
        if (
            area is None
            or area.level != CONTESTANT_LEVEL[level]
            or not code_in(area.code, [data.organiser_code])
        ):
            add(
                "contestants",
                _("%(code)s 不是组织单位下属的%(level)s。")
                % {"code": contestant.area_code, "level": _level_label(CONTESTANT_LEVEL[level])},
            )
        if not contestant.speaker.strip():
            add("contestants", _("%(code)s 未填写发言人。") % {"code": contestant.area_code})
        if contestant.speech not in SpeechType.values:
            add("contestants", _("%(code)s 的发言类型不正确。") % {"code": contestant.area_code})
    if not codes:
        add("contestants", _("至少要有一个参赛单位。"))
    if len(set(codes)) != len(codes):
        add("contestants", _("同一单位不能参赛两次。"))
    judges = _judges(actor, data.judges, add)
    if not problems:
        for problem in _probe(_input_of(data)):
            add(NON_FIELD_ERRORS, _("该擂台赛无法排名：%(problem)s") % {"problem": problem})
    if problems:
        raise ValidationError(problems)
    assert organiser is not None
    return organiser, judges


def _judges(actor: User | None, ids: Sequence[int], add: Any) -> list[User]:
    if len(set(ids)) != len(ids):
        add("judges", _("同一评委不能列入两次。"))
    candidates = User.objects.all() if actor is None else users_for(actor)
    found = candidates.filter(pk__in=ids, is_active=True).in_bulk()
    if len(found) != len(set(ids)):
        add("judges", _("评委须是您管辖范围内的在用账户。"))
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


def _level_label(level: str) -> str:
    return {"province": _("省级"), "county": _("县级"), "township": _("乡镇级")}.get(level, level)


def _definition(contest_round: Round) -> dict[str, Any]:
    """What an audit row records of a round's definition."""
    return {
        "title": contest_round.title,
        "level": contest_round.level,
        "held_on": contest_round.held_on.isoformat(),
        "organiser": contest_round.organiser_id,
        "items": contest_round.items,
        "trim": contest_round.trim,
        "weights": [str(contest_round.w_judges), str(contest_round.w_indicators)],
        "grading": contest_round.grading,
        "contestants": [
            [c.area_id, c.speaker, c.speech, None if c.indicator_score is None else str(c.indicator_score)]
            for c in contest_round.contestants.order_by("position")
        ],
        "judges": [[j.label, j.user.get_username()] for j in contest_round.judges.select_related("user")],
    }


def _grading_json(grading: Grading) -> dict[str, Any]:
    found: dict[str, Any] = {
        "method": grading.method,
        "grades": [[name, str(value)] for name, value in grading.grades],
    }
    if grading.otherwise:
        found["else"] = grading.otherwise
    return found


def _apply(contest_round: Round, data: RoundData, organiser: Area, judges: list[User]) -> None:
    contest_round.title = data.title.strip()
    contest_round.level = data.level
    contest_round.held_on = data.held_on
    contest_round.organiser = organiser
    contest_round.items = [{"name": item.name, "max": str(item.max)} for item in data.items]
    contest_round.trim = data.trim
    contest_round.w_judges = data.w_judges
    contest_round.w_indicators = data.w_indicators
    contest_round.grading = _grading_json(data.grading)
    contest_round.name_judges = data.name_judges
    contest_round.full_clean(exclude=["run", "supersedes", "created_by"])
    contest_round.save()
    contest_round.contestants.all().delete()
    contest_round.judges.all().delete()
    Contestant.objects.bulk_create(
        Contestant(
            round=contest_round,
            area_id=c.area_code,
            speaker=c.speaker.strip(),
            speech=c.speech,
            position=position,
            indicator_score=c.indicator_score,
        )
        for position, c in enumerate(data.contestants, 1)
    )
    Judge.objects.bulk_create(
        Judge(round=contest_round, user=user, label=_label(number)) for number, user in enumerate(judges, 1)
    )


def round_create(*, actor: User | None, data: RoundData) -> Round:
    """A draft round organised by `data.organiser_code`, an office in the actor's scope at the round's level."""
    write_required(
        actor,
        allowed=data.level in RoundLevel.values and _organiser_may(actor, data.organiser_code, data.level),
        action="contest.round_create",
        object_type="contest_round",
        object_id=data.title[:64],
        message=_("只有本级扶贫部门可以在其管辖范围内组织擂台赛。"),
        details={"organiser": data.organiser_code, "level": data.level},
    )
    organiser, judges = _check(actor, data)
    with transaction.atomic():
        contest_round = Round(created_by=_name(actor), state=RoundState.DRAFT)
        _apply(contest_round, data, organiser, judges)
        audit_record(
            action="contest.round_create",
            actor=actor,
            object_type="contest_round",
            object_id=str(contest_round.pk),
            area=organiser.code,
            details={"new": _definition(contest_round)},
        )
    return contest_round


def round_update(*, actor: User | None, contest_round: Round, data: RoundData) -> Round:
    """Change a draft round's definition (its contestants and judges are replaced by `data`'s)."""
    _require_organiser(actor, contest_round, "contest.round_update")
    _require_unpublished(actor, contest_round, "contest.round_update")
    write_required(
        actor,
        allowed=_organiser_may(actor, data.organiser_code, data.level),
        action="contest.round_update",
        object_type="contest_round",
        object_id=str(contest_round.pk),
        message=_("只有本级扶贫部门可以在其管辖范围内组织擂台赛。"),
        details={"organiser": data.organiser_code, "level": data.level},
    )
    organiser, judges = _check(actor, data)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=contest_round.pk)
        if locked.state != RoundState.DRAFT:
            raise ValidationError(_("只有草稿状态的擂台赛可以修改。"))
        old = _definition(locked)
        _apply(locked, data, organiser, judges)
        audit_record(
            action="contest.round_update",
            actor=actor,
            object_type="contest_round",
            object_id=str(locked.pk),
            area=organiser.code,
            details={"old": old, "new": _definition(locked)},
        )
    return locked


def round_indicators_set(*, actor: User | None, contest_round: Round, scores: Mapping[str, Decimal]) -> Round:
    """Set contestants' indicator scores (0–100, by area code), e.g. from an indicator run, before publication."""
    _require_organiser(actor, contest_round, "contest.round_indicators")
    _require_unpublished(actor, contest_round, "contest.round_indicators")
    with transaction.atomic():
        state = Round.objects.select_for_update().values_list("state", flat=True).get(pk=contest_round.pk)
        if state == RoundState.PUBLISHED:
            raise ValidationError(_("已通报的擂台赛不能修改；更正请新建修订。"))
        contestants = {
            c.area_id: c for c in Contestant.objects.select_for_update().filter(round=contest_round)
        }
        unknown = sorted(set(scores) - set(contestants))
        wrong = sorted(code for code, score in scores.items() if not Decimal(0) <= score <= Decimal(100))
        if unknown or wrong:
            raise ValidationError(
                _("指标得分须是参赛单位 0–100 的分数：%(codes)s") % {"codes": "、".join(unknown + wrong)}
            )
        changes = {}
        for code, score in scores.items():
            contestant = contestants[code]
            old = contestant.indicator_score
            contestant.indicator_score = score
            changes[code] = [None if old is None else str(old), str(score)]
        Contestant.objects.bulk_update([contestants[code] for code in scores], ["indicator_score"])
        audit_record(
            action="contest.round_indicators",
            actor=actor,
            object_type="contest_round",
            object_id=str(contest_round.pk),
            area=contest_round.organiser_id,
            details={"changes": changes},
        )
    return contest_round


def round_run_set(*, actor: User | None, contest_round: Round, run: IndicatorRun) -> Round:
    """Score the round's indicators from an indicator run, before publication: the run is organised by the round's
    organiser or an office above it, and it covers every contestant; the round keeps the run (its report shows the
    values behind the scores) and each contestant's indicator score is its total in the run (`runs.run_scores`)."""
    _require_organiser(actor, contest_round, "contest.round_run")
    _require_unpublished(actor, contest_round, "contest.round_run")
    organiser = contest_round.organiser_id
    if not code_in(organiser, [run.organiser_id]):
        raise ValidationError(
            _("该指标计算的组织单位（%(run)s）不是本擂台赛的组织单位或其上级。") % {"run": run.organiser_id}
        )
    totals = run_scores(run)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=contest_round.pk)
        if locked.state == RoundState.PUBLISHED:
            raise ValidationError(_("已通报的擂台赛不能修改；更正请新建修订。"))
        contestants = list(Contestant.objects.select_for_update().filter(round=locked).order_by("position"))
        missing = [c.area_id for c in contestants if c.area_id not in totals]
        if missing:
            raise ValidationError(_("该指标计算没有这些参赛单位：%(codes)s") % {"codes": "、".join(missing)})
        changes = {}
        for contestant in contestants:
            old = contestant.indicator_score
            contestant.indicator_score = totals[contestant.area_id]
            changes[contestant.area_id] = [None if old is None else str(old), str(contestant.indicator_score)]
        Contestant.objects.bulk_update(contestants, ["indicator_score"])
        previous = locked.run_id
        locked.run = run
        locked.save(update_fields=["run"])
        contest_round.run = run
        audit_record(
            action="contest.round_run",
            actor=actor,
            object_type="contest_round",
            object_id=str(locked.pk),
            area=organiser,
            details={"run": run.pk, "previous": previous, "checksum": run.checksum, "changes": changes},
        )
    return locked


# --- state changes -----------------------------------------------------------------------------------------------

MOVES = {
    "open": (RoundState.DRAFT, RoundState.OPEN),
    "close": (RoundState.OPEN, RoundState.CLOSED),
    "reopen": (RoundState.CLOSED, RoundState.OPEN),
    "publish": (RoundState.CLOSED, RoundState.PUBLISHED),
}


def round_move(*, actor: User | None, contest_round: Round, move: str) -> Round:
    """One state change by its name (MOVES): what the round page's buttons post."""
    if move not in MOVES:
        raise ValidationError(_("未知的操作。"))
    service = {"open": round_open, "close": round_close, "reopen": round_reopen, "publish": round_publish}[
        move
    ]
    return service(actor=actor, contest_round=contest_round)


def round_open(*, actor: User | None, contest_round: Round) -> Round:
    """Draft → open for scoring: the round must have judges and be rankable."""
    return _move(actor, contest_round, "open", _open_problems)


def round_close(*, actor: User | None, contest_round: Round) -> Round:
    """Open → closed: the sheets freeze."""
    return _move(actor, contest_round, "close", lambda _round: [])


def round_reopen(*, actor: User | None, contest_round: Round) -> Round:
    """Closed → open again, so that a judge may still submit or change a sheet (before publication only)."""
    return _move(actor, contest_round, "reopen", lambda _round: [])


def round_publish(*, actor: User | None, contest_round: Round) -> Round:
    """Closed → published: every judge has a sheet for every contestant; the ranking is computed once and frozen."""
    return _move(actor, contest_round, "publish", _publish_problems)


def _open_problems(contest_round: Round) -> list[str]:
    problems = []
    if not contest_round.judges.exists():
        problems.append(_("开始评分前须指定评委。"))
    problems += [
        _("该擂台赛无法排名：%(problem)s") % {"problem": p} for p in _probe(round_input(contest_round))
    ]
    return problems


def _publish_problems(contest_round: Round) -> list[str]:
    judges = list(contest_round.judges.order_by("label"))
    contestants = list(contest_round.contestants.select_related("area").order_by("position"))
    have = set(Sheet.objects.filter(judge__round=contest_round).values_list("judge_id", "contestant_id"))
    problems = [
        _("%(judge)s 尚未提交 %(area)s 的评分表。") % {"judge": judge.label, "area": contestant.area.name}
        for judge in judges
        for contestant in contestants
        if (judge.pk, contestant.pk) not in have
    ]
    if contest_round.w_indicators > 0:
        problems += [
            _("%(area)s 尚无指标得分。") % {"area": c.area.name}
            for c in contestants
            if c.indicator_score is None
        ]
    return problems


def _move(actor: User | None, contest_round: Round, move: str, problems_of: Any) -> Round:
    action = f"contest.round_{move}"
    _require_organiser(actor, contest_round, action)
    _require_unpublished(actor, contest_round, action)
    source, target = MOVES[move]
    with transaction.atomic():
        locked = Round.objects.select_for_update().select_related("organiser").get(pk=contest_round.pk)
        if locked.state != source:
            raise ValidationError(
                _("该擂台赛当前为“%(state)s”，不能%(move)s。")
                % {"state": RoundState(locked.state).label, "move": _move_label(move)}
            )
        problems = problems_of(locked)
        if problems:
            raise ValidationError(problems)
        details: dict[str, Any] = {"from": source.value, "to": target.value}
        locked.state = target
        if target == RoundState.PUBLISHED:
            try:
                placings = round_ranking(locked)
            except (
                RankingError
            ) as error:  # pragma: no cover - _publish_problems and the definition's probe ran
                raise ValidationError(error.problems) from error
            locked.placings = placings_to_json(placings)
            locked.published_at = datetime.now(UTC)
            details["ranking"] = [[p.area, str(p.total), p.rank, p.grade] for p in placings]
        locked.save(update_fields=["state", "placings", "published_at"])
        # the caller's instance follows, so that it never holds a state the round has left
        contest_round.state, contest_round.placings = locked.state, locked.placings
        contest_round.published_at = locked.published_at
        audit_record(
            action=action,
            actor=actor,
            object_type="contest_round",
            object_id=str(locked.pk),
            area=locked.organiser_id,
            details=details,
        )
    return locked


def _move_label(move: str) -> str:
    return {"open": _("开始评分"), "close": _("结束评分"), "reopen": _("重新开放评分"), "publish": _("通报")}[
        move
    ]


def round_revise(*, actor: User | None, contest_round: Round, reason: str) -> Round:
    """A late correction of a published round: a new revision (revision + 1, superseding it) with the same
    definition, contestants, judges and sheets, closed, so that the office may reopen it for a judge or publish it
    again. The published round stays as it was; the revision's reason is audited."""
    _require_organiser(actor, contest_round, "contest.round_revise")
    if not reason.strip():
        raise ValidationError({"reason": [_("请说明修订原因。")]})
    with transaction.atomic():
        old = Round.objects.select_for_update().get(pk=contest_round.pk)
        if old.state != RoundState.PUBLISHED:
            raise ValidationError(_("只有已通报的擂台赛需要修订；未通报的可直接修改或重新开放评分。"))
        if Round.objects.filter(supersedes=old).exists():
            raise ValidationError(_("该擂台赛已有修订，请修订最新的一版。"))
        new = Round.objects.create(
            title=old.title,
            level=old.level,
            held_on=old.held_on,
            organiser_id=old.organiser_id,
            items=old.items,
            trim=old.trim,
            w_judges=old.w_judges,
            w_indicators=old.w_indicators,
            grading=old.grading,
            run=old.run,
            name_judges=old.name_judges,
            state=RoundState.CLOSED,
            revision=old.revision + 1,
            supersedes=old,
            reason=reason.strip(),
            created_by=_name(actor),
        )
        contestants = {}
        for c in old.contestants.order_by("position"):
            contestants[c.pk] = Contestant.objects.create(
                round=new,
                area_id=c.area_id,
                speaker=c.speaker,
                speech=c.speech,
                position=c.position,
                indicator_score=c.indicator_score,
            )
        judges = {
            j.pk: Judge.objects.create(round=new, user_id=j.user_id, label=j.label) for j in old.judges.all()
        }
        Sheet.objects.bulk_create(
            Sheet(judge=judges[s.judge_id], contestant=contestants[s.contestant_id], scores=s.scores)
            for s in Sheet.objects.filter(judge__round=old)
        )
        audit_record(
            action="contest.round_revise",
            actor=actor,
            object_type="contest_round",
            object_id=str(new.pk),
            area=new.organiser_id,
            details={"supersedes": old.pk, "revision": new.revision, "reason": new.reason},
        )
    return new


# --- the judges' sheets ------------------------------------------------------------------------------------------


def sheet_submit(*, judge_user: User, contestant: Contestant, scores: Mapping[str, Any]) -> Sheet:
    """A judge's scores for one contestant, every item of the round's sheet, each 0 ≤ score ≤ the item's maximum,
    only while the round is open. A change of a submitted sheet is audited with the old and the new scores."""
    contest_round = contestant.round
    judge = Judge.objects.filter(round=contest_round, user=judge_user).first()
    write_required(
        judge_user,
        allowed=judge is not None and judge_user.is_active,
        action="contest.sheet_submit",
        object_type="contestant",
        object_id=str(contestant.pk),
        message=_("您不是该擂台赛的评委。"),
    )
    assert judge is not None
    _require_unpublished(judge_user, contest_round, "contest.sheet_submit")
    clean = _scores(contest_round, scores)
    with transaction.atomic():
        state = Round.objects.select_for_update().values_list("state", flat=True).get(pk=contest_round.pk)
        if state != RoundState.OPEN:
            raise ValidationError(_("该擂台赛不在评分中，不能提交或修改评分表。"))
        sheet = Sheet.objects.select_for_update().filter(judge=judge, contestant=contestant).first()
        if sheet is not None and _same(sheet.scores, clean):
            return sheet
        action = "contest.sheet_submit" if sheet is None else "contest.sheet_change"
        details: dict[str, Any] = {"judge": judge.label, "area": contestant.area_id, "new": clean}
        if sheet is None:
            sheet = Sheet.objects.create(judge=judge, contestant=contestant, scores=clean)
        else:
            details["old"] = sheet.scores
            sheet.scores = clean
            sheet.save(update_fields=["scores", "submitted_at"])
        audit_record(
            action=action,
            actor=judge_user,
            object_type="sheet",
            object_id=str(sheet.pk),
            area=contestant.area_id,
            details=details,
        )
    return sheet


def _scores(contest_round: Round, scores: Mapping[str, Any]) -> dict[str, str]:
    """The scores as decimal strings, every item present and within 0–max; ValidationError keyed by item."""
    problems: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    items = round_items(contest_round)
    for item in items:
        raw = scores.get(item.name)
        try:
            value = Decimal(str(raw).strip()) if raw is not None and str(raw).strip() else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            problems[item.name] = [_("请填写“%(item)s”的得分。") % {"item": item.name}]
        elif not Decimal(0) <= value <= item.max:
            problems[item.name] = [
                _("“%(item)s”的得分须在 0 到 %(max)s 之间。") % {"item": item.name, "max": _plain(item.max)}
            ]
        elif -int(value.as_tuple().exponent) > SCORE_PLACES:
            problems[item.name] = [_("得分最多保留两位小数。")]
        else:
            clean[item.name] = _plain(value)
    unknown = sorted(set(scores) - {item.name for item in items})
    if unknown:
        problems[NON_FIELD_ERRORS] = [_("评分表没有这些项目：%(items)s") % {"items": "、".join(unknown)}]
    if problems:
        raise ValidationError(problems)
    return clean


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 88.50 → "88.5", 1E+2 → "100"."""
    return format(value.normalize(), "f")


def _same(old: Mapping[str, Any], new: Mapping[str, str]) -> bool:
    return set(old) == set(new) and all(Decimal(str(old[k])) == Decimal(new[k]) for k in new)
