"""Pages of the arena contest rounds: the organiser's list, round page and draft form, the projected page (大屏)
with its live fragment, and the judges' phone pages (their rounds, one sheet per contestant).

The organiser's pages read rounds through `rounds_for` (the organiser's scope); the judges' pages through the
judge's own judge row (`judging_for`), so a judge reaches no other judge's sheet and no round it does not judge.
The ranking is shown only where `ranking_visible_to` says so."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tuopin.accounts.models import User
from tuopin.accounts.permissions import get_in_scope_or_404, require, signed_in_user
from tuopin.accounts.roles import Capability, Role
from tuopin.accounts.selectors import users_listed
from tuopin.contest import selectors
from tuopin.contest.models import Round, RoundLevel, RoundState, SpeechType
from tuopin.contest.ranking import RankingError
from tuopin.contest.round_forms import ContestantFormSet, ReviseForm, RoundForm, RunForm, SheetForm
from tuopin.contest.services import (
    CONTESTANT_LEVEL,
    ORGANISER_LEVEL,
    ContestantData,
    RoundData,
    organises,
    round_create,
    round_move,
    round_revise,
    round_run_set,
    round_update,
    sheet_submit,
)
from tuopin.core.forms import add_service_errors

LEVEL_OF_ROLE: dict[str, str] = {Role.PROVINCE: RoundLevel.PROVINCE, Role.COUNTY: RoundLevel.COUNTY}
POLL_SECONDS = 4


def _round_or_404(request: HttpRequest, contest_round_id: int) -> Round:
    return get_in_scope_or_404(
        request,
        lambda: selectors.round_for(request.user, contest_round_id),
        what="contest_round",
        key=str(contest_round_id),
    )


def _refused(form: Any, error: ValidationError | PermissionDenied) -> None:
    if isinstance(error, ValidationError):
        add_service_errors(form, error)
    else:
        form.add_error(None, str(error))


def _say(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    texts = error.messages if isinstance(error, ValidationError) else [str(error)]
    for text in texts:
        messages.error(request, text)


# --- the organiser's pages ---------------------------------------------------------------------------------------


@require(Capability.READ)
def rounds(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "contest/rounds/list.html",
        {
            "rounds": selectors.rounds_listed(user),
            "judgings": list(selectors.judgings_for(user)),
            "may_create": user.can(Capability.WRITE) and user.role in LEVEL_OF_ROLE,
        },
    )


@require(Capability.READ)
def round_detail(request: HttpRequest, contest_round_id: int) -> HttpResponse:
    contest_round = _round_or_404(request, contest_round_id)
    user = signed_in_user(request)
    progress = selectors.round_progress(contest_round)
    visible = selectors.ranking_visible_to(user, contest_round)
    ranking, problem = _ranking(user, contest_round, visible)
    may_act = user.can(Capability.WRITE) and organises(user, contest_round)
    runs = (
        selectors.round_run_choices(user, contest_round)
        if may_act and contest_round.state != RoundState.PUBLISHED
        else []
    )
    return render(
        request,
        "contest/rounds/detail.html",
        {
            "round": contest_round,
            "progress": progress,
            "ranking": ranking,
            "ranking_problem": problem,
            "may_act": may_act,
            "revise_form": ReviseForm(),
            "run_form": RunForm(runs=runs, initial={"run": contest_round.run_id}) if runs else None,
            "report_visible": visible,
            "superseded_by": selectors.round_revision(contest_round),
        },
    )


def _ranking(
    user: User, contest_round: Round, visible: bool | None = None
) -> tuple[list[dict[str, Any]], str]:
    """The ranking rows the user may see (with the areas' names), or why there is none yet."""
    if not (selectors.ranking_visible_to(user, contest_round) if visible is None else visible):
        return [], ""
    try:
        placings = selectors.round_ranking(contest_round)
    except RankingError:
        return [], _("评分表尚未收齐，暂不能排名。")
    names = {c.area_id: c for c in selectors.round_contestants(contest_round)}
    return [{"placing": p, "contestant": names.get(p.area)} for p in placings], ""


def _form_context(user: User, level: str) -> dict[str, Any]:
    organisers = selectors.areas_of_level_for(user, ORGANISER_LEVEL[RoundLevel(level)])
    candidates = selectors.areas_of_level_for(user, CONTESTANT_LEVEL[RoundLevel(level)])
    return {
        "organisers": [(a.code, a.name) for a in organisers],
        "candidates": [(a.code, f"{a.name}（{a.code}）") for a in candidates],
        "judges": [(u.pk, f"{u.display_name}（{u.username}）") for u in users_listed(user) if u.is_active],
    }


def _round_data(form: RoundForm, level: str, contestants: Any) -> RoundData:
    data = form.cleaned_data
    return RoundData(
        title=data["title"],
        level=level,
        held_on=data["held_on"],
        organiser_code=data["organiser"],
        items=data["items"],
        grading=data["grading"],
        contestants=tuple(
            ContestantData(row["area"], row["speaker"], row["speech"], row.get("indicator_score"))
            for row in contestants.cleaned_data
            if row.get("area")
        ),
        judges=tuple(int(pk) for pk in data["judges"]),
        trim=data["trim"],
        w_judges=data["w_judges"],
        w_indicators=data["w_indicators"],
        name_judges=data["name_judges"],
    )


def _edit(request: HttpRequest, contest_round: Round | None) -> HttpResponse:
    user = signed_in_user(request)
    level = contest_round.level if contest_round is not None else LEVEL_OF_ROLE.get(user.role, "")
    if not level:
        raise PermissionDenied(_("只有省级和县级扶贫部门组织擂台赛。"))
    choices = _form_context(user, level)
    initial, rows = _initial(contest_round)
    form = RoundForm(
        request.POST or None, initial=initial, organisers=choices["organisers"], judges=choices["judges"]
    )
    contestants = ContestantFormSet(
        request.POST or None,
        initial=None
        if request.method == "POST"
        else rows,  # a posted row equal to its initial would be skipped
        prefix="contestants",
        form_kwargs={"areas": choices["candidates"]},
    )
    if request.method == "POST" and form.is_valid() and contestants.is_valid():
        data = _round_data(form, level, contestants)
        try:
            if contest_round is None:
                contest_round = round_create(actor=user, data=data)
            else:
                contest_round = round_update(actor=user, contest_round=contest_round, data=data)
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("擂台赛已保存。"))
            return redirect("contest:round", contest_round_id=contest_round.pk)
    return render(
        request,
        "contest/rounds/form.html",
        {"form": form, "contestants": contestants, "round": contest_round, "level": RoundLevel(level)},
    )


BLANK_ROWS = 8


def _initial(contest_round: Round | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if contest_round is None:
        return {}, [{"speech": SpeechType.EXCHANGE} for _row in range(BLANK_ROWS)]
    grading = contest_round.grading or {}
    initial = {
        "title": contest_round.title,
        "held_on": contest_round.held_on,
        "organiser": contest_round.organiser_id,
        "items": "\n".join(f"{item['name']} {item['max']}" for item in contest_round.items),
        "trim": contest_round.trim,
        "w_judges": contest_round.w_judges,
        "w_indicators": contest_round.w_indicators,
        "grading_method": grading.get("method", "thresholds"),
        "grades": "\n".join(f"{name} {value}" for name, value in grading.get("grades", [])),
        "grade_else": grading.get("else", ""),
        "name_judges": contest_round.name_judges,
        "judges": [str(judge.user_id) for judge in selectors.round_judges(contest_round)],
    }
    rows = [
        {"area": c.area_id, "speaker": c.speaker, "speech": c.speech, "indicator_score": c.indicator_score}
        for c in selectors.round_contestants(contest_round)
    ]
    return initial, rows + [{"speech": SpeechType.EXCHANGE} for _row in range(4)]


@require(Capability.WRITE)
def round_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@require(Capability.WRITE)
def round_edit(request: HttpRequest, contest_round_id: int) -> HttpResponse:
    contest_round = _round_or_404(request, contest_round_id)
    if contest_round.state != RoundState.DRAFT:
        messages.error(request, _("只有草稿状态的擂台赛可以修改。"))
        return redirect("contest:round", contest_round_id=contest_round.pk)
    return _edit(request, contest_round)


@require(Capability.WRITE)
@require_POST
def round_state(request: HttpRequest, contest_round_id: int) -> HttpResponse:
    contest_round = _round_or_404(request, contest_round_id)
    try:
        round_move(
            actor=signed_in_user(request), contest_round=contest_round, move=request.POST.get("move", "")
        )
    except (ValidationError, PermissionDenied) as error:
        _say(request, error)
    else:
        messages.success(request, _("状态已更新。"))
    return redirect("contest:round", contest_round_id=contest_round.pk)


@require(Capability.WRITE)
@require_POST
def round_revise_view(request: HttpRequest, contest_round_id: int) -> HttpResponse:
    contest_round = _round_or_404(request, contest_round_id)
    form = ReviseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请说明修订原因。"))
        return redirect("contest:round", contest_round_id=contest_round.pk)
    try:
        revision = round_revise(
            actor=signed_in_user(request), contest_round=contest_round, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, PermissionDenied) as error:
        _say(request, error)
        return redirect("contest:round", contest_round_id=contest_round.pk)
    messages.success(request, _("已新建修订。"))
    return redirect("contest:round", contest_round_id=revision.pk)


@require(Capability.WRITE)
@require_POST
def round_run(request: HttpRequest, contest_round_id: int) -> HttpResponse:
    """Score the round's indicators from one of the organiser's indicator runs."""
    contest_round = _round_or_404(request, contest_round_id)
    user = signed_in_user(request)
    form = RunForm(request.POST, runs=selectors.round_run_choices(user, contest_round))
    if not form.is_valid():
        messages.error(request, _("请选择一次指标计算。"))
        return redirect("contest:round", contest_round_id=contest_round.pk)
    try:
        round_run_set(actor=user, contest_round=contest_round, run=form.cleaned_data["run"])
    except (ValidationError, PermissionDenied) as error:
        _say(request, error)
    else:
        messages.success(request, _("已按所选指标计算设置指标得分。"))
    return redirect("contest:round", contest_round_id=contest_round.pk)


# --- the projected page (大屏) -------------------------------------------------------------------------------------


@require(Capability.READ)
def screen(request: HttpRequest, contest_round_id: int) -> HttpResponse:
    contest_round = _round_or_404(request, contest_round_id)
    return render(request, "contest/rounds/screen.html", _screen_context(request, contest_round))


@require(Capability.READ)
def screen_live(request: HttpRequest, contest_round_id: int) -> HttpResponse:
    """The projected page's live part, polled every few seconds: 204 (nothing to swap) while nothing changed."""
    contest_round = _round_or_404(request, contest_round_id)
    version = selectors.round_version(contest_round)
    if request.GET.get("v") == version:
        return HttpResponse(status=204)
    return render(
        request, "contest/rounds/_screen_live.html", _screen_context(request, contest_round, version)
    )


def _screen_context(request: HttpRequest, contest_round: Round, version: str = "") -> dict[str, Any]:
    user = signed_in_user(request)
    ranking, problem = _ranking(user, contest_round)
    chart = [
        {
            "label": row["contestant"].area.name if row["contestant"] else row["placing"].area,
            "total": float(row["placing"].total),
            "grade": row["placing"].grade,
        }
        for row in ranking
    ]
    return {
        "round": contest_round,
        "version": version or selectors.round_version(contest_round),
        "progress": selectors.round_progress(contest_round),
        "ranking": ranking,
        "ranking_problem": problem,
        "chart": chart,
        "poll_seconds": POLL_SECONDS,
    }


# --- the judges' phone pages -------------------------------------------------------------------------------------


def _judging_or_404(request: HttpRequest, contest_round_id: int) -> Any:
    return get_in_scope_or_404(
        request,
        lambda: selectors.judging_for(request.user, contest_round_id),
        what="contest_judging",
        key=str(contest_round_id),
    )


@require(Capability.READ)
def judging(request: HttpRequest) -> HttpResponse:
    return render(
        request, "contest/rounds/judging.html", {"judgings": list(selectors.judgings_for(request.user))}
    )


@require(Capability.READ)
def judging_round(request: HttpRequest, contest_round_id: int) -> HttpResponse:
    judge = _judging_or_404(request, contest_round_id)
    sheets = selectors.own_sheets(judge)
    contestants = selectors.round_contestants(judge.round)
    ranking, _problem = _ranking(signed_in_user(request), judge.round)
    return render(
        request,
        "contest/rounds/judging_round.html",
        {
            "judge": judge,
            "round": judge.round,
            "rows": [(c, c.pk in sheets) for c in contestants],
            "scored": len(sheets),
            "ranking": ranking,
        },
    )


@require(Capability.READ)
def judging_sheet(request: HttpRequest, contest_round_id: int, contestant_id: int) -> HttpResponse:
    judge = _judging_or_404(request, contest_round_id)
    contestant = get_in_scope_or_404(
        request,
        lambda: selectors.judge_contestant(judge, contestant_id),
        what="contestant",
        key=str(contestant_id),
    )
    contest_round = judge.round
    contestant.round = contest_round
    items = selectors.round_items(contest_round)
    sheets = selectors.own_sheets(judge)
    own = sheets.get(contestant.pk)
    initial = {f"item_{i}": own.scores.get(item.name) for i, item in enumerate(items)} if own else {}
    form = SheetForm(request.POST or None, items=items, initial=initial)
    contestants = selectors.round_contestants(contest_round)
    position = [c.pk for c in contestants].index(contestant.pk)
    previous = contestants[position - 1] if position > 0 else None
    following = contestants[position + 1] if position + 1 < len(contestants) else None
    if request.method == "POST" and form.is_valid():
        try:
            sheet_submit(judge_user=signed_in_user(request), contestant=contestant, scores=form.scores())
        except (ValidationError, PermissionDenied) as error:
            _sheet_refused(form, error)
        else:
            messages.success(request, _("已提交%(area)s的评分。") % {"area": contestant.area.name})
            return redirect(
                _after(contest_round.pk, contestants, contestant.pk, set(sheets) | {contestant.pk})
            )
    return render(
        request,
        "contest/rounds/sheet.html",
        {
            "judge": judge,
            "round": contest_round,
            "contestant": contestant,
            "form": form,
            "submitted": own,
            "previous": previous,
            "following": following,
            "position": position + 1,
            "count": len(contestants),
            "open": contest_round.state == RoundState.OPEN,
        },
    )


def _sheet_refused(form: SheetForm, error: ValidationError | PermissionDenied) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for item, problems in error.message_dict.items():
            for problem in problems:
                form.add_error(form.field_of(item), problem)
    else:
        _refused(form, error)


def _after(round_id: int, contestants: list[Any], current: int, scored: set[int]) -> str:
    """Where a judge goes after a sheet: the next contestant it has not scored, else the round's list."""
    ids = [c.pk for c in contestants]
    start = ids.index(current)
    for pk in ids[start + 1 :] + ids[:start]:
        if pk not in scored:
            return reverse("contest:judging_sheet", args=[round_id, pk])
    return reverse("contest:judging_round", args=[round_id])


urlpatterns: list[URLPattern] = [
    path("rounds/", rounds, name="rounds"),
    path("rounds/new/", round_new, name="round_new"),
    path("rounds/<int:contest_round_id>/", round_detail, name="round"),
    path("rounds/<int:contest_round_id>/edit/", round_edit, name="round_edit"),
    path("rounds/<int:contest_round_id>/state/", round_state, name="round_state"),
    path("rounds/<int:contest_round_id>/revise/", round_revise_view, name="round_revise"),
    path("rounds/<int:contest_round_id>/run/", round_run, name="round_run"),
    path("rounds/<int:contest_round_id>/screen/", screen, name="round_screen"),
    path("rounds/<int:contest_round_id>/screen/live/", screen_live, name="round_screen_live"),
    path("judging/", judging, name="judging"),
    path("judging/<int:contest_round_id>/", judging_round, name="judging_round"),
    path("judging/<int:contest_round_id>/<int:contestant_id>/", judging_sheet, name="judging_sheet"),
]
