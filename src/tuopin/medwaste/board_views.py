"""The page of coverage and compliance by area (覆盖与合规, issue 18 part 4): the children of an area of the scope on
the map of the shipped shapes coloured by a chosen measure (bars where no shapes ship), their table linking down
to each child's board and up to the parent's, each city's disposal capacity gap for a province or a city, and the
table as Excel (?export=xlsx, audited). The figures are tuopin.medwaste.board's."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.areas import area_for, breadcrumbs_for
from tuopin.accounts.models import User
from tuopin.accounts.permissions import get_in_scope_or_404, require
from tuopin.accounts.roles import Capability
from tuopin.areas.maps import map_for
from tuopin.areas.models import Area, Level
from tuopin.audit.services import audit_record
from tuopin.core.downloads import download
from tuopin.medwaste import selectors
from tuopin.medwaste.board import Board, Row, board
from tuopin.medwaste.compliance import ComplianceRefused
from tuopin.medwaste.views import _area, _bounds, _quarter

# The measures the map (or the bars) may be coloured by: (label, unit).
MEASURES: dict[str, tuple[Any, Any]] = {
    "coverage": (gettext_lazy("乡镇周转点覆盖率"), "%"),
    "townships_without_point": (gettext_lazy("无周转点乡镇"), gettext_lazy("个")),
    "facilities_unattached": (gettext_lazy("未挂靠机构"), gettext_lazy("家")),
    "late_collections": (gettext_lazy("收集超时"), gettext_lazy("次")),
    "late_removals": (gettext_lazy("转运超时"), gettext_lazy("次")),
    "overstays": (gettext_lazy("贮存超时"), gettext_lazy("次")),
    "imbalances": (gettext_lazy("收支不平衡"), gettext_lazy("次")),
    "received_kg": (gettext_lazy("周转点接收量"), gettext_lazy("千克")),
}
# The table's columns and the export's, in order: (Row attribute, header).
COLUMNS: list[tuple[str, Any]] = [
    ("code", gettext_lazy("区划代码")),
    ("name", gettext_lazy("区划")),
    ("townships", gettext_lazy("乡镇数")),
    ("townships_with_point", gettext_lazy("有周转点乡镇")),
    ("coverage", gettext_lazy("覆盖率（%）")),
    ("facilities", gettext_lazy("医疗机构")),
    ("facilities_attached", gettext_lazy("已挂靠或直送机构")),
    ("late_collections", gettext_lazy("收集超时")),
    ("late_removals", gettext_lazy("转运超时")),
    ("overstays", gettext_lazy("贮存超时")),
    ("imbalances", gettext_lazy("收支不平衡")),
    ("received_kg", gettext_lazy("周转点接收量（千克）")),
]
GAP_LEVELS = (Level.PROVINCE, Level.CITY)  # whose board shows each city's capacity gap


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]  # signed in: @require
    return user


@require(Capability.MEDWASTE)
def coverage_board(request: HttpRequest) -> HttpResponse:
    """The board of an area of the scope (?area=, default the user's first) for a quarter (?quarter=, default the
    latest with handovers), the map coloured by ?measure=; ?export=xlsx downloads its table."""
    if selectors.reads_by_links(_user(request)):  # a keeper, a facility's user: an area's board is not theirs
        return redirect("medwaste:overview")  # which sends each to its own page
    user = _user(request)
    code = request.GET.get("area", "").strip() or _area(request, own=True)  # default: the user's first area
    area = get_in_scope_or_404(request, lambda: area_for(user, code), what="area", key=code)
    year, number = _quarter(request, code)
    start, end = _bounds(year, number)
    quarter = f"{year}Q{number}"
    try:
        found: Board | None = board(user, code, start, end)
    except ComplianceRefused as error:  # a policy value not set for the year: say so, show no figures
        messages.error(request, str(error))
        found = None
    rows = [] if found is None else [*found.rows, *([found.own] if found.own else [])]
    if request.GET.get("export") == "xlsx":
        return _export(request, area, quarter, rows, found)
    crumbs = [crumb for crumb in breadcrumbs_for(user, area) if crumb.code != area.code]
    measure = request.GET.get("measure", "")
    measure = measure if measure in MEASURES else "coverage"
    gaps = found.found.capacity_gaps if found is not None and area.level in GAP_LEVELS else []
    context: dict[str, Any] = {
        "area": area,
        "crumbs": crumbs,
        "quarter": quarter,
        "start": start,
        "end": end,
        "measure": measure,
        "measures": list(MEASURES.items()),
        "shapes": map_for(area.code),
        "headers": [header for _field, header in COLUMNS],
        "table": [
            {**line, "link": None if line["own"] else board_link(row.code, quarter, measure)}
            for row, line in zip(rows, _lines(rows, found), strict=True)
        ],
        "total": _line(found.total, name=_("合计")) if found is not None else None,
        "up": board_link(area.parent_id, quarter, measure)
        if area.parent_id in {crumb.code for crumb in crumbs}
        else None,
        "chart": _chart(found, measure),
        "gaps": gaps,
        "gap_chart": [
            {
                "label": gap.name,
                "expected": float(gap.expected_tonnes_per_day),
                "capacity": float(gap.capacity_tonnes_per_day),
                "gap": float(gap.gap_tonnes_per_day),
            }
            for gap in gaps
        ],
    }
    return render(request, "medwaste/board.html", context)


def _chart(found: Board | None, measure: str) -> dict[str, Any]:
    """The map's (or the bars') data: the children with every measure, the one chosen and its label."""
    label, unit = MEASURES[measure]
    rows = found.rows if found is not None else []
    return {
        "measure": measure,
        "label": str(label),
        "unit": str(unit),
        "rows": [{"code": row.code, "label": row.name, **_values(row)} for row in rows],
    }


def board_link(code: str, quarter: str, measure: str) -> str:
    return "?" + urlencode({"area": code, "quarter": quarter, "measure": measure})


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _values(row: Row) -> dict[str, Any]:
    return {key: _number(getattr(row, key)) for key in MEASURES}


def _line(row: Row, *, own: bool = False, name: str = "") -> dict[str, Any]:
    """A row of the table: its cells in COLUMNS' order; the area's own places and the total are named so."""
    cells = [_number(getattr(row, field)) for field, _header in COLUMNS]
    if own:
        cells[1] = _("本级")
    if name:
        cells[1] = name
    return {"code": row.code, "own": own, "cells": cells}


def _lines(rows: list[Row], found: Board | None) -> list[dict[str, Any]]:
    return [_line(row, own=found is not None and row is found.own) for row in rows]


def _export(
    request: HttpRequest, area: Area, quarter: str, rows: list[Row], found: Board | None
) -> HttpResponse:
    """The table as an Excel workbook, the total last (audited: a download of figures of the scope)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(quarter)
    bold = book.add_format({"bold": True})
    for column, (_field, header) in enumerate(COLUMNS):
        sheet.write(0, column, str(header), bold)
        sheet.set_column(column, column, 14)
    lines = _lines(rows, found)
    if found is not None:
        lines.append(_line(found.total, name=_("合计")))
    for number, line in enumerate(lines, start=1):
        for column, value in enumerate(line["cells"]):
            sheet.write(number, column, "" if value is None else value)
    book.close()
    audit_record(
        action="medwaste.board_export",
        request=request,
        object_type="area",
        object_id=area.code,
        area=area.code,
        details={"quarter": quarter, "rows": len(rows)},
    )
    return download(buffer.getvalue(), f"{area.name}-{_('覆盖与合规')}-{quarter}.xlsx")
