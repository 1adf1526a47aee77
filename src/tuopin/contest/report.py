"""The circulated report (通报) of a contest round: who may read it, what it holds, and its two renderings.

Who may read it: whoever may see the round's ranking (`selectors.ranking_visible_to`, the one rule). A published
round is circulated to the organiser's scope: every user whose area lies at or below the organiser's (the counties
of a province's round), the offices above the organiser, and its judges. A closed round, not yet published, is
previewed (marked 草稿/预览) by the offices of the organiser's scope that do not judge it; a draft or open round has
no report for anyone (404). The pages and the API read rounds and runs only through these selectors.

What it holds. The ranking is THE ranking (`selectors.round_ranking`, the same function the CLI and the big screen
use): rank, grade, judges' score, indicator score, total; each contestant's scores by item and by judge, the judges
named only where the round says so (else by their labels 评委1 …), the totals the trim dropped marked; and, when the
round scores indicators from a run, the values behind the indicator score with their sources.

The renderings. A PDF drawn by WeasyPrint from an HTML template (Pango and HarfBuzz shape the text; the Noto CJK
fonts of fonts-noto-cjk are embedded as subsets, so the file reads the same on any machine; the bar chart is an SVG
drawn here), and an Excel workbook (XlsxWriter: the sheets 排名, 评分明细, 指标 and a native bar chart of the totals).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import xlsxwriter
from django.db.models import Count, Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tuopin.accounts.scope import area_codes, scope_q
from tuopin.areas.codes import ancestor_codes
from tuopin.contest.models import Contestant, IndicatorRun, IndicatorValue, Judge, Round, RoundState, Sheet
from tuopin.contest.ranking import Placing
from tuopin.contest.selectors import ranking_visible_to, round_ranking
from tuopin.contest.systems import DefinitionInvalid, definition_parse
from tuopin.ledgers.framework import FORMULA_STARTS

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User

    AnyUser = User | AnonymousUser


# Who may read a round and its report ------------------------------------------------------------------------------


def _circulated(user: AnyUser) -> Q:
    """The published rounds circulated to the user: organised at or above one of its areas, or below them."""
    codes = area_codes(user)
    above = {ancestor for code in codes for ancestor in (*ancestor_codes(code), code)}
    return Q(state=RoundState.PUBLISHED) & (Q(organiser_id__in=above) | scope_q(user, "organiser_id"))


def _judged(user: AnyUser) -> Q:
    """The rounds the user judges: a subquery, not a join, so that a round is one row and counts annotated on it
    count every judge, not the user's."""
    judged = Judge.objects.filter(user_id=user.pk).values("round_id") if user.is_authenticated else []
    return Q(pk__in=judged)


def visible_rounds_for(user: AnyUser) -> QuerySet[Round]:
    """The rounds a user may list and open (title, contestants, state): those organised in its scope (the organiser's
    office and the offices above it), the published rounds circulated to it, and the rounds it judges once they open."""
    judging = _judged(user) & ~Q(state=RoundState.DRAFT)
    return Round.objects.filter(scope_q(user, "organiser_id") | _circulated(user) | judging).select_related(
        "organiser"
    )


def rounds_listed_for(user: AnyUser, *, state: str = "", offset: int = 0, limit: int = 100) -> list[Round]:
    """A page of the rounds the user may see, newest first, optionally of one state."""
    rounds = visible_rounds_for(user).order_by("-held_on", "-id")
    if state:
        rounds = rounds.filter(state=state)
    return list(rounds[offset : offset + limit])


def visible_round_for(user: AnyUser, pk: int) -> Round | None:
    """One round the user may see, with its contestants (and their areas) and its number of judges."""
    return (
        visible_rounds_for(user)
        .annotate(judge_count=Count("judges", distinct=True))
        .prefetch_related(
            Prefetch("contestants", Contestant.objects.select_related("area").order_by("position"))
        )
        .filter(pk=pk)
        .first()
    )


def report_round_for(user: AnyUser, pk: int) -> Round | None:
    """The round whose ranking and report the user may read: one it may see whose ranking it may see
    (`selectors.ranking_visible_to`, the one rule of the pages, the API and the report)."""
    contest_round = visible_rounds_for(user).select_related("run__version__system").filter(pk=pk).first()
    if contest_round is None or not ranking_visible_to(user, contest_round):
        return None
    return contest_round


def runs_for(user: AnyUser) -> QuerySet[IndicatorRun]:
    """The indicator runs a user may read: organised in its scope, or behind a published round circulated to it or
    judged by it (what the round's report shows it)."""
    published = _circulated(user) | (Q(state=RoundState.PUBLISHED) & _judged(user))
    circulated = Round.objects.filter(published, run__isnull=False).values("run_id")
    return (
        IndicatorRun.objects.filter(scope_q(user, "organiser_id") | Q(pk__in=circulated))
        .select_related("version__system", "organiser")
        .distinct()
    )


def run_for(user: AnyUser, pk: int) -> IndicatorRun | None:
    return runs_for(user).filter(pk=pk).first()


def run_values(run: IndicatorRun) -> QuerySet[IndicatorValue]:
    return run.values.select_related("area").order_by("area_id", "indicator")


# What the report holds --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JudgeScores:
    """One judge's sheet for one contestant: the item scores in the sheet's order, their total, and whether the
    trim dropped this total."""

    judge: str  # the name where the round names judges, else the label
    scores: tuple[Decimal | None, ...]
    total: Decimal
    dropped: bool


@dataclass(frozen=True)
class Row:
    """One contestant's line of the report, in rank order."""

    placing: Placing
    area_name: str
    speaker: str
    speech: str
    sheets: tuple[JudgeScores, ...]


@dataclass(frozen=True)
class IndicatorLine:
    area: str
    area_name: str
    indicator: str
    name: str
    group: str
    unit: str
    value: Decimal | None
    score: Decimal
    source: str
    share: Decimal | None = None  # of the system's total, 0–1
    numerator: Any = None
    denominator: Any = None

    @property
    def share_percent(self) -> str:
        return "" if self.share is None else f"{(self.share * 100).quantize(Decimal('0.1'))}%"

    @property
    def basis(self) -> str:
        """What the value was computed from, e.g. 45/50."""
        if self.numerator is None or self.denominator is None:
            return ""
        return f"{self.numerator}/{self.denominator}"


CHART_WIDTH = 480  # the bars' room for a total of 100, in the SVG's units
CHART_LEFT = 150
CHART_TOP = 10
BAR_STEP = 26
BAR_HEIGHT = 18


@dataclass(frozen=True)
class Bar:
    """One bar of the SVG chart: its label, value and geometry in the chart's own units."""

    label: str
    value: Decimal
    y: int
    width: float
    grade: str

    x: ClassVar[int] = CHART_LEFT
    height: ClassVar[int] = BAR_HEIGHT

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 5

    @property
    def label_x(self) -> int:
        return CHART_LEFT - 6

    @property
    def value_x(self) -> float:
        return CHART_LEFT + self.width + 6


@dataclass(frozen=True)
class Report:
    round: Round
    title: str
    preview: bool
    organiser: str
    held_on: date
    issued_on: date
    items: tuple[tuple[str, Decimal], ...]
    rows: tuple[Row, ...]
    indicators: tuple[IndicatorLine, ...]
    run_label: str
    grade_counts: tuple[tuple[str, int], ...]
    bars: tuple[Bar, ...] = field(default=())
    revision_note: str = ""

    @property
    def indicator_note(self) -> str:
        """Where the indicator scores come from, in one sentence."""
        if self.indicators:
            return self.run_label
        if self.round.w_indicators > 0:
            return _("指标得分由组织单位录入，未关联指标计算。")
        return _("本轮不计指标得分。")

    chart_left: ClassVar[int] = CHART_LEFT

    @property
    def chart_height(self) -> int:
        return CHART_TOP + BAR_STEP * len(self.bars) + 10

    @property
    def chart_axis_end(self) -> int:
        return self.chart_height - 6

    @property
    def weights(self) -> tuple[str, str]:
        """The judges' and the indicators' weights as written (0.6, not 0.6000)."""
        return _plain(self.round.w_judges), _plain(self.round.w_indicators)

    @property
    def maximum(self) -> Decimal:
        return sum((maximum for _name, maximum in self.items), Decimal(0))


def report_build(contest_round: Round) -> Report:
    """The report of a round as it stands (a preview before publication). RankingError when it cannot be ranked."""
    placings = round_ranking(contest_round)
    contestants = {
        c.area_id: c for c in Contestant.objects.filter(round=contest_round).select_related("area")
    }
    judges = list(Judge.objects.filter(round=contest_round).select_related("user"))
    judges.sort(key=lambda judge: _natural(judge.label))
    items = tuple((str(item["name"]), Decimal(str(item["max"]))) for item in contest_round.items)
    sheets = {
        (sheet.contestant_id, sheet.judge_id): sheet.scores
        for sheet in Sheet.objects.filter(contestant__round=contest_round)
    }
    rows = []
    for placing in placings:
        contestant = contestants[placing.area]
        rows.append(
            Row(
                placing=placing,
                area_name=contestant.area.name,
                speaker=contestant.speaker,
                speech=contestant.get_speech_display(),
                sheets=tuple(
                    _judge_scores(
                        judge, placing, sheets.get((contestant.pk, judge.pk), {}), items, contest_round
                    )
                    for judge in judges
                    if judge.label in placing.judge_totals
                ),
            )
        )
    preview = contest_round.state != RoundState.PUBLISHED
    published = contest_round.published_at
    return Report(
        round=contest_round,
        title=contest_round.title,
        preview=preview,
        organiser=contest_round.organiser.name,
        held_on=contest_round.held_on,
        issued_on=timezone.localdate(published) if published and not preview else timezone.localdate(),
        items=items,
        rows=tuple(rows),
        indicators=tuple(_indicator_lines(contest_round.run, contestants)) if contest_round.run_id else (),
        run_label=_run_label(contest_round.run),
        grade_counts=_grade_counts(contest_round, placings),
        bars=tuple(_bars(rows)),
        revision_note=_revision_note(contest_round),
    )


def _revision_note(contest_round: Round) -> str:
    """A revised round says so and why; a round a later revision corrected points to it."""
    notes = []
    if contest_round.revision > 1:
        notes.append(
            _("本通报为第%(revision)s版（修订原因：%(reason)s）。")
            % {"revision": contest_round.revision, "reason": contest_round.reason}
        )
    later = Round.objects.filter(supersedes=contest_round).values_list("revision", flat=True).first()
    if later is not None:
        notes.append(_("本轮已有修订版（第%(revision)s版），以修订版为准。") % {"revision": later})
    return "".join(notes)


def _judge_scores(
    judge: Judge,
    placing: Placing,
    scores: dict[str, Any],
    items: tuple[tuple[str, Decimal], ...],
    contest_round: Round,
) -> JudgeScores:
    name = (judge.user.full_name or judge.user.username) if contest_round.name_judges else judge.label
    return JudgeScores(
        judge=name,
        scores=tuple(Decimal(str(scores[item])) if item in scores else None for item, _max in items),
        total=placing.judge_totals[judge.label],
        dropped=judge.label in placing.dropped,
    )


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _natural(text: str) -> tuple[Any, ...]:
    """评委2 before 评委10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _grade_counts(contest_round: Round, placings: list[Placing]) -> tuple[tuple[str, int], ...]:
    grading = contest_round.grading or {}
    names = [str(name) for name, _value in grading.get("grades", [])]
    if grading.get("else"):
        names.append(str(grading["else"]))
    names += [p.grade for p in placings if p.grade not in names]
    return tuple((name, sum(1 for p in placings if p.grade == name)) for name in names)


def _bars(rows: list[Row]) -> Iterator[Bar]:
    for index, row in enumerate(rows):
        total = row.placing.total
        yield Bar(
            label=row.area_name,
            value=total,
            y=CHART_TOP + index * BAR_STEP,
            width=round(float(max(total, Decimal(0))) / 100 * CHART_WIDTH, 1),
            grade=row.placing.grade,
        )


def _run_label(run: IndicatorRun | None) -> str:
    if run is None:
        return ""
    return _("%(system)s（第%(version)s版），%(year)s年度，数据截至%(as_of)s，输入校验和 %(checksum)s") % {
        "system": run.version.system.name,
        "version": run.version.version,
        "year": run.year,
        "as_of": run.as_of.isoformat(),
        "checksum": run.checksum[:16],
    }


def _indicator_lines(run: IndicatorRun | None, contestants: dict[str, Contestant]) -> Iterator[IndicatorLine]:
    if run is None:
        return
    labels = _indicator_labels(run.version.definition)
    fallback = _("%(system)s 第%(version)s版") % {
        "system": run.version.system.name,
        "version": run.version.version,
    }
    for value in run_values(run).filter(area_id__in=list(contestants)):
        name, group, unit, share = labels.get(value.indicator, (value.indicator, "", "", None))
        details = value.details if isinstance(value.details, dict) else {}
        yield IndicatorLine(
            area=value.area_id,
            area_name=value.area.name,
            indicator=value.indicator,
            name=name,
            group=group,
            unit=unit,
            value=value.value,
            score=value.score,
            source=str(details.get("source") or fallback),
            share=share,
            numerator=details.get("numerator"),
            denominator=details.get("denominator"),
        )


def _indicator_labels(definition: Any) -> dict[str, tuple[str, str, str, Decimal | None]]:
    """key → (name, group path, unit, share of the system's total) of every indicator of a version's definition
    (THE parse of tuopin.contest.systems; a stored version always parses, else the report shows bare keys)."""
    try:
        parsed = definition_parse(definition)
    except DefinitionInvalid:
        return {}
    return {
        indicator.key: (indicator.name, " / ".join(path), indicator.unit, share)
        for path, indicator, share in parsed.rows()
    }


# The PDF ----------------------------------------------------------------------------------------------------------


def report_pdf(report: Report) -> bytes:
    """The report as a PDF (A4), its Chinese text in embedded subsets of Noto CJK. Nothing is fetched: the template
    carries its styles and the chart inline, and the fetcher refuses every URL."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    with translation.override("zh-hans"):
        html = render_to_string("contest/report/report.html", {"report": report})
    document = HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols=()))
    pdf: bytes = document.write_pdf()
    return pdf


# The workbook -----------------------------------------------------------------------------------------------------


def report_workbook(report: Report) -> bytes:
    """The report as an Excel workbook: 排名 (with a bar chart of the totals), 评分明细 (a row per contestant and
    judge), 指标 (the values behind the indicator scores). Text cells that look like formulas are escaped (E5)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    with translation.override("zh-hans"):
        book.set_properties({"title": _report_title(report), "subject": report.organiser})
        formats = _Formats(book)
        _ranking_sheet(book, formats, report)
        _scores_sheet(book, formats, report)
        _indicators_sheet(book, formats, report)
    book.close()
    return buffer.getvalue()


def _report_title(report: Report) -> str:
    title = _("%(title)s通报") % {"title": report.title}
    return f"{title}（{_('草稿/预览')}）" if report.preview else title


class _Formats:
    def __init__(self, book: Any) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.header = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True})
        self.number = book.add_format({"num_format": "0.00", "border": 1})
        self.integer = book.add_format({"num_format": "0", "border": 1})
        self.text = book.add_format({"border": 1})
        self.dropped = book.add_format({"num_format": "0.00", "border": 1, "font_strikeout": True})


def _text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _write_row(sheet: Any, row: int, values: Iterable[Any], formats: _Formats) -> None:
    for column, value in enumerate(values):
        if value is None:
            sheet.write_blank(row, column, None, formats.text)
        elif isinstance(value, bool):
            sheet.write_string(row, column, _("是") if value else "", formats.text)
        elif isinstance(value, int):
            sheet.write_number(row, column, value, formats.integer)
        elif isinstance(value, Decimal | float):
            sheet.write_number(row, column, float(value), formats.number)
        else:
            sheet.write_string(row, column, _text(str(value)), formats.text)


RANKING_FIRST_ROW = 3  # the header row of 排名; rows above it: the title and the date and organiser


def _ranking_sheet(book: Any, formats: _Formats, report: Report) -> None:
    sheet = book.add_worksheet(_("排名"))
    sheet.write_string(0, 0, _text(_report_title(report)), formats.title)
    sheet.write_string(1, 0, _text(_meta_line(report) + report.revision_note))
    headers = [_("名次"), _("区划代码"), _("参赛单位"), _("发言人"), _("发言类型")]
    headers += [_("评委评分"), _("指标得分"), _("总分"), _("等次")]
    _write_row(sheet, RANKING_FIRST_ROW, headers, formats)
    for offset, row in enumerate(report.rows, 1):
        p = row.placing
        values = [p.rank, p.area, row.area_name, row.speaker, row.speech]
        values += [p.judges_score, p.indicator_score, p.total, p.grade]
        _write_row(sheet, RANKING_FIRST_ROW + offset, values, formats)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 4, 16)
    sheet.set_column(5, 8, 10)
    sheet.freeze_panes(RANKING_FIRST_ROW + 1, 0)
    if report.rows:
        sheet.insert_chart(RANKING_FIRST_ROW, len(headers) + 1, _chart(book, sheet.get_name(), report))


def _meta_line(report: Report) -> str:
    line = _("日期：%(held)s　组织单位：%(organiser)s　预览日期：%(issued)s") if report.preview else None
    return (line or _("日期：%(held)s　组织单位：%(organiser)s　通报日期：%(issued)s")) % {
        "held": report.held_on.isoformat(),
        "organiser": report.organiser,
        "issued": report.issued_on.isoformat(),
    }


def _chart(book: Any, sheet_name: str, report: Report) -> Any:
    first, last = RANKING_FIRST_ROW + 1, RANKING_FIRST_ROW + len(report.rows)
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": _("总分"),
            "categories": [sheet_name, first, 2, last, 2],
            "values": [sheet_name, first, 7, last, 7],
            "data_labels": {"value": True, "num_format": "0.00"},
            "fill": {"color": "#C0392B"},
        }
    )
    chart.set_title({"name": _("各单位总分")})
    chart.set_y_axis({"reverse": True})  # the first in rank at the top
    chart.set_x_axis({"min": 0, "max": 100})
    chart.set_legend({"none": True})
    chart.set_size({"width": 560, "height": max(240, 28 * len(report.rows) + 80)})
    return chart


def _scores_sheet(book: Any, formats: _Formats, report: Report) -> None:
    sheet = book.add_worksheet(_("评分明细"))
    headers = [_("名次"), _("区划代码"), _("参赛单位"), _("评委")]
    headers += [f"{name}（{maximum}）" for name, maximum in report.items]
    headers += [_("合计"), _("去掉的分数")]
    _write_row(sheet, 0, headers, formats)
    number = 1
    for row in report.rows:
        for scores in row.sheets:
            values = [row.placing.rank, row.placing.area, row.area_name, scores.judge, *scores.scores]
            _write_row(sheet, number, [*values, scores.total, scores.dropped], formats)
            if scores.dropped:
                sheet.write_number(number, len(headers) - 2, float(scores.total), formats.dropped)
            number += 1
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 3, 14)
    sheet.set_column(4, len(headers) - 1, 11)
    sheet.freeze_panes(1, 0)


def _indicators_sheet(book: Any, formats: _Formats, report: Report) -> None:
    sheet = book.add_worksheet(_("指标"))
    headers = [_("区划代码"), _("参赛单位"), _("指标组"), _("指标代码"), _("指标"), _("权重")]
    headers += [_("数值"), _("单位"), _("计算依据"), _("得分"), _("来源")]
    _write_row(sheet, 0, headers, formats)
    for number, line in enumerate(report.indicators, 1):
        values: list[Any] = [
            line.area,
            line.area_name,
            line.group,
            line.indicator,
            line.name,
            line.share_percent,
        ]
        values += [line.value, line.unit, line.basis, line.score, line.source]
        _write_row(sheet, number, values, formats)
    sheet.write_string(len(report.indicators) + 2, 0, _text(report.indicator_note))
    sheet.set_column(0, 4, 14)
    sheet.set_column(5, 9, 10)
    sheet.set_column(10, 10, 40)
    sheet.freeze_panes(1, 0)
