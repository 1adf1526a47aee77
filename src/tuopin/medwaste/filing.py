"""A transfer point's quarterly filing (季度台账报送) with the county health and environment departments (issue 18
part 4): what it holds (`filing_data`), its two renderings (`filing_xlsx`, `filing_pdf`) and the service that marks a
quarter filed (`filing_mark`).

What it holds. A quarter runs in local time (settings.TIME_ZONE) from its first day's 00:00 to the next quarter's.
The point's ledger is the point's whole ledger — every handover it received or removed, whoever gave it — once the
point itself is in the user's scope: the balances must agree with the rules, which count a receipt from a facility
of another county too. Only effective handovers count, as in the rules (`rules.effective`): neither a reversed
handover nor its reversal. Per category: the opening balance (receipts less removals before the quarter), received,
removed, the closing balance; per week (Monday to Sunday, the first and last cut at the quarter's bounds) and
category: kilograms and packages received and removed; the findings of THE rules (compliance.py, run over the
point's township) that concern the point or the facilities attached to it.

The renderings follow the contest's report (tuopin.contest.report): XlsxWriter with formula-looking text escaped, and
WeasyPrint from an HTML template with the Noto CJK fonts embedded and every URL refused.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import xlsxwriter
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.permissions import write_required
from tuopin.audit.services import audit_record
from tuopin.ledgers.framework import FORMULA_STARTS
from tuopin.medwaste import selectors
from tuopin.medwaste.compliance import RULE_LABELS, ComplianceRefused, compliance
from tuopin.medwaste.models import (
    Facility,
    Filing,
    Handover,
    PlaceKind,
    TransferPoint,
    WasteCategory,
)
from tuopin.medwaste.services import may_write_at

if TYPE_CHECKING:
    from tuopin.accounts.models import User
    from tuopin.medwaste.selectors import AnyUser

ZERO = Decimal(0)
POINT_RULES = ("late_removal", "overstay", "imbalance")
SIGNATURES = (
    gettext_lazy("周转点负责人"),
    gettext_lazy("乡镇卫生院"),
    gettext_lazy("县卫生健康局"),
    gettext_lazy("县生态环境分局"),
)


class FilingInvalid(ValueError):
    """A marking refused for what it is (twice, a date in the future or before the quarter ended)."""


# What the filing holds --------------------------------------------------------------------------------------------


def quarter_bounds(year: int, quarter: int) -> tuple[datetime, datetime]:
    """The quarter's first instant and the next quarter's, local."""
    zone = timezone.get_current_timezone()
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=zone)
    end = (
        datetime(year + 1, 1, 1, tzinfo=zone)
        if quarter == 4
        else datetime(year, 3 * quarter + 1, 1, tzinfo=zone)
    )
    return start, end


@dataclass
class Flow:
    """Kilograms and packages received at the point and removed from it."""

    received_kg: Decimal = ZERO
    received_packages: int = 0
    removed_kg: Decimal = ZERO
    removed_packages: int = 0

    def add(self, *, removal: bool, kg: Decimal, packages: int) -> None:
        if removal:
            self.removed_kg += kg
            self.removed_packages += packages
        else:
            self.received_kg += kg
            self.received_packages += packages


@dataclass(frozen=True)
class Balance:
    category: str
    label: str
    opening: Decimal
    flow: Flow

    @property
    def closing(self) -> Decimal:
        return self.opening + self.flow.received_kg - self.flow.removed_kg


@dataclass(frozen=True)
class Week:
    number: int
    first: date
    last: date  # inclusive
    flows: dict[str, Flow]  # by category
    rows: tuple[Flow, ...]  # in the filing's order of categories

    @property
    def received_kg(self) -> Decimal:
        return sum((flow.received_kg for flow in self.flows.values()), ZERO)

    @property
    def removed_kg(self) -> Decimal:
        return sum((flow.removed_kg for flow in self.flows.values()), ZERO)


@dataclass(frozen=True)
class Finding:
    rule: str
    label: str
    place: str
    name: str
    category: str  # its label, "" where the rule is not per category
    start: datetime
    stop: datetime
    hours: float | None
    kg: Decimal | None


@dataclass(frozen=True)
class Line:
    """One handover of the quarter at the point (明细)."""

    number: str
    at: datetime  # local
    removal: bool
    giver: str
    receiver: str
    category: str  # label
    kg: Decimal
    packages: int
    giver_person: str
    receiver_person: str
    vehicle: str


@dataclass(frozen=True)
class FilingData:
    point: TransferPoint
    township: str
    county: str
    year: int
    quarter: int
    start: datetime
    end: datetime
    facilities: list[Facility]
    balances: list[Balance]
    weeks: list[Week]
    findings: list[Finding]
    lines: list[Line]
    filing: Filing | None
    filings: list[Filing] = field(default_factory=list)
    refused: str = ""  # why the rules could not run (a policy value not set), else ""

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()

    @property
    def title(self) -> str:
        return _("%(name)s %(year)s年第%(quarter)s季度医疗废物台账") % {
            "name": self.point.name,
            "year": self.year,
            "quarter": self.quarter,
        }

    @property
    def totals(self) -> Balance:
        flow = Flow()
        for balance in self.balances:
            flow.add(removal=False, kg=balance.flow.received_kg, packages=balance.flow.received_packages)
            flow.add(removal=True, kg=balance.flow.removed_kg, packages=balance.flow.removed_packages)
        return Balance("", _("合计"), sum((b.opening for b in self.balances), ZERO), flow)

    @property
    def categories(self) -> list[tuple[str, str]]:
        return [(b.category, b.label) for b in self.balances]


def _is_removal(giver_kind: str) -> bool:
    """A point gives only to a disposal unit (a removal); it receives the rest."""
    return giver_kind == PlaceKind.POINT


def _weeks(start: datetime, end: datetime) -> list[tuple[date, date]]:
    first, last = start.date(), (end - timedelta(days=1)).date()
    weeks, monday = [], first - timedelta(days=first.weekday())
    while monday <= last:
        weeks.append((max(first, monday), min(last, monday + timedelta(days=6))))
        monday += timedelta(days=7)
    return weeks


def _places(point: TransferPoint, handovers: list[Handover]) -> tuple[list[Facility], dict[str, str]]:
    """The facilities attached to the point, and the names of every place of the handovers: two queries (the
    attached facilities with the givers, then the disposal units)."""
    givers = {h.giver_code for h in handovers if h.giver_kind == PlaceKind.FACILITY}
    receivers = {h.receiver_code for h in handovers if h.receiver_kind == PlaceKind.DISPOSER}
    found = list(selectors.facilities_for(None).filter(Q(point=point) | Q(code__in=givers)).order_by("code"))
    names = {f"{PlaceKind.FACILITY}:{f.code}": f.name for f in found}
    names[f"{PlaceKind.POINT}:{point.code}"] = point.name
    for code, name in selectors.disposers_for(None).filter(code__in=receivers).values_list("code", "name"):
        names[f"{PlaceKind.DISPOSER}:{code}"] = name
    return [f for f in found if f.point_id == point.pk], names


def _named(names: dict[str, str], kind: str, code: str) -> str:
    return f"{code} {names.get(f'{kind}:{code}', '')}".strip()


def filing_data(user: AnyUser | None, point: TransferPoint, year: int, quarter: int) -> FilingData:
    """The filing of `point` for the quarter, for `user`, who read the point through its scope (with
    `area__parent`): the ledger read is then the point's whole (module docstring), whatever the user's giver areas.
    A bounded number of queries whatever the ledger's size."""
    start, end = quarter_bounds(year, quarter)
    opening = selectors.point_balance(point, until=start)
    handovers = list(selectors.point_ledger(point, since=start, until=end).order_by("at", "number"))
    facilities, names = _places(point, handovers)
    labels = dict(WasteCategory.choices)
    spans = _weeks(start, end)
    totals: dict[str, Flow] = {}
    by_week: list[dict[str, Flow]] = [{} for _span in spans]
    lines = []
    monday = spans[0][0] - timedelta(days=spans[0][0].weekday())
    for h in handovers:
        removal, at = _is_removal(h.giver_kind), timezone.localtime(h.at)
        week = (at.date() - monday).days // 7
        for flows in (totals, by_week[week]):
            flows.setdefault(h.category, Flow()).add(removal=removal, kg=h.kg, packages=h.packages)
        lines.append(
            Line(
                number=h.number,
                at=at,
                removal=removal,
                giver=_named(names, h.giver_kind, h.giver_code),
                receiver=_named(names, h.receiver_kind, h.receiver_code),
                category=str(labels.get(h.category, h.category)),
                kg=h.kg,
                packages=h.packages,
                giver_person=h.giver_person,
                receiver_person=h.receiver_person,
                vehicle=h.vehicle,
            )
        )
    shown = [c for c in WasteCategory.values if c in totals or opening.get(c)]
    shown = shown or [WasteCategory.INFECTIOUS.value]  # an empty quarter still shows a row
    findings, refused = _findings(point, facilities, start, end)
    filings = list(
        Filing.objects.filter(point=point).select_related("filed_by").order_by("-year", "-quarter")
    )
    area = point.area
    return FilingData(
        point=point,
        township=area.name,
        county=area.parent.name if area.parent else "",
        year=year,
        quarter=quarter,
        start=start,
        end=end,
        facilities=facilities,
        balances=[Balance(c, str(labels[c]), opening.get(c, ZERO), totals.get(c, Flow())) for c in shown],
        weeks=[
            Week(number, first, last, flows, tuple(flows.get(c, Flow()) for c in shown))
            for number, ((first, last), flows) in enumerate(zip(spans, by_week, strict=True), 1)
        ],
        findings=findings,
        lines=lines,
        filing=next((f for f in filings if (f.year, f.quarter) == (year, quarter)), None),
        filings=filings,
        refused=refused,
    )


def _findings(
    point: TransferPoint, facilities: list[Facility], start: datetime, end: datetime
) -> tuple[list[Finding], str]:
    """THE rules' findings over the point's township that concern the point (late removals, overstays,
    imbalances) or its attached facilities (late collections)."""
    try:
        found = compliance(start.date(), (end - timedelta(days=1)).date(), area=point.area_id)
    except ComplianceRefused as error:
        return [], str(error)
    attached = {facility.code: facility.name for facility in facilities}
    labels = dict(WasteCategory.choices)
    findings = []
    for item in found.items:
        if item.rule in POINT_RULES and item.place == point.code:
            name = point.name
        elif item.rule == "late_collection" and item.place in attached:
            name = attached[item.place]
        else:
            continue
        findings.append(
            Finding(
                rule=item.rule,
                label=str(RULE_LABELS[item.rule]),
                place=item.place,
                name=name,
                category=str(labels.get(item.category, item.category)),
                start=item.start,
                stop=item.stop,
                hours=item.hours,
                kg=item.kg,
            )
        )
    return findings, ""


# Marking a quarter filed ------------------------------------------------------------------------------------------


def may_file(actor: User | None, point: TransferPoint) -> bool:
    """Who may mark a point's quarter filed: the medical-waste write rule at the point (services.may_write_at)."""
    return may_write_at(actor, area=point.area_id, points=[point.code])


def filing_mark(
    *,
    actor: User | None,
    point: TransferPoint,
    year: int,
    quarter: int,
    filed_on: date,
    note: str = "",
) -> Filing:
    """Mark the point's quarter filed on `filed_on` (not in the future, not before the quarter ended), once.
    Raises WriteRefused (audited), FilingInvalid."""
    key = f"{point.code} {year}Q{quarter}"
    write_required(
        actor,
        allowed=may_file(actor, point),
        action="medwaste.filing.mark",
        object_type="transfer_point",
        object_id=key,
        message=_("您无权标记这个周转点的季度报送。"),
    )
    note = note.strip()
    if len(note) > 200:
        raise FilingInvalid(_("备注不能超过200个字。"))
    _start, end = quarter_bounds(year, quarter)
    if filed_on > timezone.localdate():
        raise FilingInvalid(_("报送日期不能晚于今天。"))
    if filed_on < end.date():
        raise FilingInvalid(_("报送日期不能早于季度结束（%(date)s）。") % {"date": f"{end.date():%Y-%m-%d}"})
    try:
        with transaction.atomic():
            _refuse_twice(point, year, quarter)
            filing = Filing.objects.create(
                point=point, year=year, quarter=quarter, filed_on=filed_on, filed_by=actor, note=note
            )
            audit_record(
                action="medwaste.filing.mark",
                actor=actor,
                object_type="transfer_point",
                object_id=key,
                area=point.area_id,
                details={"year": year, "quarter": quarter, "filed_on": filed_on.isoformat(), "note": note},
            )
    except IntegrityError:  # two markings racing: the other one won
        _refuse_twice(point, year, quarter)
        raise
    return filing


def _refuse_twice(point: TransferPoint, year: int, quarter: int) -> None:
    filed = Filing.objects.filter(point=point, year=year, quarter=quarter).values_list("filed_on", flat=True)
    for filed_on in filed:
        raise FilingInvalid(
            _("%(year)s年第%(quarter)s季度已于%(date)s报送，不能重复标记。")
            % {"year": year, "quarter": quarter, "date": f"{filed_on:%Y-%m-%d}"}
        )


def filing_exported(*, request: Any, data: FilingData, kind: str) -> None:
    """The audit row of a download of the filing (`kind`: xlsx or pdf)."""
    audit_record(
        action="medwaste.filing.export",
        request=request,
        object_type="transfer_point",
        object_id=f"{data.point.code} {data.label}",
        area=data.point.area_id,
        details={"format": kind, "year": data.year, "quarter": data.quarter},
    )


# The PDF ----------------------------------------------------------------------------------------------------------


def filing_pdf(data: FilingData) -> bytes:
    """The filing as a PDF (A4), its Chinese text in embedded subsets of Noto CJK; nothing is fetched."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    with translation.override("zh-hans"):
        html = render_to_string(
            "medwaste/filing_pdf.html", {"data": data, "signatures": [str(s) for s in SIGNATURES]}
        )
    document = HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols=()))
    pdf: bytes = document.write_pdf()
    return pdf


# The workbook -----------------------------------------------------------------------------------------------------


class _Formats:
    def __init__(self, book: Any) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.header = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True})
        self.number = book.add_format({"num_format": "0.000", "border": 1})
        self.integer = book.add_format({"num_format": "0", "border": 1})
        self.text = book.add_format({"border": 1})
        self.line = book.add_format({"bottom": 1})


def _text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _row(sheet: Any, row: int, values: Iterable[Any], formats: _Formats, *, header: bool = False) -> None:
    for column, value in enumerate(values):
        if value is None:
            sheet.write_blank(row, column, None, formats.text)
        elif isinstance(value, int) and not isinstance(value, bool):
            sheet.write_number(row, column, value, formats.integer)
        elif isinstance(value, Decimal | float):
            sheet.write_number(row, column, float(value), formats.number)
        else:
            sheet.write_string(row, column, _text(str(value)), formats.header if header else formats.text)


def filing_xlsx(data: FilingData) -> bytes:
    """The filing as an Excel workbook: 汇总 (the balances by category and the signatures), 按周 (week × category),
    超时事项 (the findings), 明细 (every effective handover of the quarter at the point)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    with translation.override("zh-hans"):
        book.set_properties({"title": data.title, "subject": data.point.code})
        formats = _Formats(book)
        _summary_sheet(book, formats, data)
        _weeks_sheet(book, formats, data)
        _findings_sheet(book, formats, data)
        _lines_sheet(book, formats, data)
    book.close()
    return buffer.getvalue()


def _summary_sheet(book: Any, formats: _Formats, data: FilingData) -> None:
    sheet = book.add_worksheet(_("汇总"))
    sheet.write_string(0, 0, _text(data.title), formats.title)
    facts = [
        (_("周转点代码"), data.point.code),
        (_("周转点名称"), data.point.name),
        (_("所在乡镇"), f"{data.point.area_id} {data.township}"),
        (_("所属县"), data.county),
        (_("季度"), f"{data.start:%Y-%m-%d} — {data.last_day:%Y-%m-%d}"),
        (_("挂靠医疗机构"), "、".join(f"{f.code} {f.name}" for f in data.facilities) or _("无")),
        (_("报送日期"), f"{data.filing.filed_on:%Y-%m-%d}" if data.filing else _("未报送")),
    ]
    for number, (label, value) in enumerate(facts, 2):
        sheet.write_string(number, 0, label)
        sheet.write_string(number, 1, _text(value))
    first = len(facts) + 3
    headers = [_("类别"), _("期初结存(千克)"), _("本季接收(千克)"), _("接收包数")]
    headers += [_("本季转运(千克)"), _("转运包数"), _("期末结存(千克)")]
    _row(sheet, first, headers, formats, header=True)
    for number, balance in enumerate([*data.balances, data.totals], first + 1):
        flow = balance.flow
        values: list[Any] = [balance.label, balance.opening, flow.received_kg, flow.received_packages]
        _row(sheet, number, [*values, flow.removed_kg, flow.removed_packages, balance.closing], formats)
    row = first + len(data.balances) + 3
    sheet.write_string(row, 0, _("签字"), formats.title)
    for offset, signer in enumerate(SIGNATURES, 1):
        sheet.write_string(row + offset, 0, str(signer))
        sheet.write_string(row + offset, 1, _("签字："))
        sheet.write_blank(row + offset, 2, None, formats.line)
        sheet.write_string(row + offset, 3, _("日期："))
        sheet.write_blank(row + offset, 4, None, formats.line)
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 6, 15)


def _weeks_sheet(book: Any, formats: _Formats, data: FilingData) -> None:
    sheet = book.add_worksheet(_("按周"))
    headers = [_("周次"), _("起"), _("止"), _("类别"), _("接收(千克)"), _("接收包数")]
    _row(sheet, 0, [*headers, _("转运(千克)"), _("转运包数")], formats, header=True)
    number = 1
    for week in data.weeks:
        for category, label in data.categories:
            flow = week.flows.get(category, Flow())
            values: list[Any] = [week.number, f"{week.first:%Y-%m-%d}", f"{week.last:%Y-%m-%d}", label]
            values += [flow.received_kg, flow.received_packages, flow.removed_kg, flow.removed_packages]
            _row(sheet, number, values, formats)
            number += 1
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 7, 13)
    sheet.freeze_panes(1, 0)


def _findings_sheet(book: Any, formats: _Formats, data: FilingData) -> None:
    sheet = book.add_worksheet(_("超时事项"))
    headers = [_("事项"), _("代码"), _("名称"), _("类别"), _("起"), _("止"), _("小时"), _("千克")]
    _row(sheet, 0, headers, formats, header=True)
    for number, item in enumerate(data.findings, 1):
        values: list[Any] = [item.label, item.place, item.name, item.category]
        values += [f"{item.start:%Y-%m-%d %H:%M}", f"{item.stop:%Y-%m-%d %H:%M}", item.hours, item.kg]
        _row(sheet, number, values, formats)
    note = data.refused or ("" if data.findings else _("本季度没有发现问题。"))
    if note:
        sheet.write_string(len(data.findings) + 2, 0, _text(note))
    sheet.set_column(0, 3, 14)
    sheet.set_column(4, 5, 17)
    sheet.freeze_panes(1, 0)


def _lines_sheet(book: Any, formats: _Formats, data: FilingData) -> None:
    sheet = book.add_worksheet(_("明细"))
    headers = [_("联单编号"), _("交接时间"), _("交出方"), _("接收方"), _("类别"), _("重量(千克)")]
    headers += [_("包数"), _("交接人"), _("接收人"), _("车辆")]
    _row(sheet, 0, headers, formats, header=True)
    for number, line in enumerate(data.lines, 1):
        values: list[Any] = [
            line.number,
            f"{line.at:%Y-%m-%d %H:%M}",
            line.giver,
            line.receiver,
            line.category,
        ]
        values += [line.kg, line.packages, line.giver_person, line.receiver_person, line.vehicle]
        _row(sheet, number, values, formats)
    sheet.write_string(len(data.lines) + 2, 0, _("已冲正的交接记录及其冲正记录不计入本台账。"))
    sheet.set_column(0, 1, 18)
    sheet.set_column(2, 3, 26)
    sheet.set_column(4, 9, 11)
    sheet.freeze_panes(1, 0)
