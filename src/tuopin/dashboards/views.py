from __future__ import annotations

import io
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.areas import area_for, breadcrumbs_for
from tuopin.accounts.permissions import get_in_scope_or_404, require
from tuopin.accounts.roles import Capability
from tuopin.accounts.scope import area_codes
from tuopin.areas.maps import map_for
from tuopin.audit.services import audit_record
from tuopin.core.downloads import download
from tuopin.dashboards.figures import PROGRAMME_INDICATORS
from tuopin.dashboards.selectors import MAP_MEASURES, Board, board_for, charts_for, measures_of


@require(Capability.READ)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard of an area of the scope (?area=, default the user's one area): key figures, the trend by year,
    the children on a map coloured by a chosen measure (bars where no shapes ship), the registry's breakdowns, the
    work figures and the measures; every chart exports PNG (in the page) and its data as Excel (?export=NAME)."""
    held = area_codes(request.user)
    code = request.GET.get("area") or (held[0] if len(held) == 1 else "")
    area = (
        get_in_scope_or_404(request, lambda: area_for(request.user, code), what="area", key=code)
        if code
        else None
    )
    board = board_for(request.user, area, held, request.GET.get("year", ""))
    charts = charts_for(board)
    if "export" in request.GET:
        return _export(request, board, charts, request.GET["export"])
    years = board.years
    year = request.GET.get("year", "")
    year = year if year.isdigit() and int(year) in years else (str(years[-1]) if years else "")
    measure = request.GET.get("measure", "")
    measure = measure if measure in MAP_MEASURES else "incidence"
    shapes = map_for(area.code) if area is not None else None
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "board": board,
            "crumbs": breadcrumbs_for(request.user, area) if area else [],
            "charts": charts,
            "kpis": _kpis(board, year),
            "year": year,
            "years": years,
            "measure": measure,
            "measures": [(key, label) for key, (label, _u, _w) in MAP_MEASURES.items()],
            "shapes": shapes,
            "programme": _programme_rows(board),
            "measured": _measured(board, year),
        },
    )


def _measured(board: Board, year: str) -> dict[str, Any] | None:
    """The area's stored poverty measures for the card: FGT at the poverty line and the Alkire–Foster figures."""
    found = measures_of(board.yearly, year)
    if found is None:
        return None
    measured_year, figures = found

    def percent(line: dict[str, Any]) -> dict[str, Any]:
        return {
            "line": line.get("line"),
            **{
                key: None if line.get(key) is None else round(line[key] * 100, 2)
                for key in ("P0", "P1", "P2")
            },
        }

    return {
        "year": measured_year,
        "spec": figures["spec"],
        "poverty_line": percent(figures["fgt"]["poverty_line"]),
        "monitoring_line": percent(figures["fgt"]["monitoring_line"]),
        **figures["mpi"],
        "persons": figures["population"]["persons"],
    }


def _kpis(board: Board, year: str) -> dict[str, Any]:
    registry = board.registry
    latest = board.yearly.get(year, {}) if year else {}
    by_type = registry.get("by_population_type", {})
    return {
        "households": registry.get("households", 0),
        "persons": registry.get("persons", 0),
        "poor_households": registry.get("poor_households", 0),
        "monitored": by_type.get("monitored", 0),
        "incidence": latest.get("incidence"),
        "poor_persons": latest.get("poor_persons"),
    }


def _programme_rows(board: Board) -> list[dict[str, Any]]:
    """The work figures, labelled as the contest's computed indicators (their one definition) label them."""
    from tuopin.contest.indicators import REGISTRY

    values = board.programme.get("values", {})
    return [
        {"key": key, "label": REGISTRY[key].label, "unit": REGISTRY[key].unit, **values[key]}
        for key in PROGRAMME_INDICATORS
        if key in values
    ]


# What each chart's Excel export holds: its rows and columns (field, header).
EXPORTS: dict[str, tuple[str, list[tuple[str, Any]]]] = {
    "children": (
        "children",
        [
            ("code", gettext_lazy("区划代码")),
            ("label", gettext_lazy("区划")),
            ("households", gettext_lazy("户数")),
            ("persons", gettext_lazy("人数")),
            ("poor_households", gettext_lazy("未脱贫户数")),
        ],
    ),
    "trend": (
        "trend",
        [
            ("year", gettext_lazy("年度")),
            ("identified", gettext_lazy("识别户数")),
            ("exited", gettext_lazy("脱贫户数")),
            ("incidence", gettext_lazy("贫困发生率（%）")),
        ],
    ),
    "yearly": (
        "yearly",
        [
            ("year", gettext_lazy("年度")),
            ("poor_persons", gettext_lazy("贫困人口")),
            ("incidence", gettext_lazy("贫困发生率（%）")),
        ],
    ),
    "status": ("status", [("label", gettext_lazy("脱贫状态")), ("households", gettext_lazy("户数"))]),
    "category": ("category", [("label", gettext_lazy("贫困户属性")), ("households", gettext_lazy("户数"))]),
    "cause": ("cause", [("label", gettext_lazy("主要致贫原因")), ("households", gettext_lazy("户数"))]),
    "contributions": (
        "contributions",
        [
            ("name", gettext_lazy("指标代码")),
            ("label", gettext_lazy("指标")),
            ("share", gettext_lazy("对 M0 的贡献")),
        ],
    ),
}


def _export(request: HttpRequest, board: Board, charts: dict[str, Any], name: str) -> HttpResponse:
    """One chart's data as an Excel workbook (audited: a download of figures of the scope)."""
    import xlsxwriter

    if name not in EXPORTS:
        raise Http404
    key, columns = EXPORTS[name]
    rows = charts[key]
    if name == "children":  # the map's data: the children with the year's figures
        rows = [
            {**row, **{f"{year}_{k}": v for year, fig in row["yearly"].items() for k, v in fig.items()}}
            for row in rows
        ]
        years = sorted({year for row in charts[key] for year in row["yearly"]})
        columns = columns + [
            (f"{year}_{k}", f"{year} {h}")
            for year in years
            for k, h in (("poor_persons", _("贫困人口")), ("incidence", _("贫困发生率（%）")))
        ]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(name)
    bold = book.add_format({"bold": True})
    for column, (_field, header) in enumerate(columns):
        sheet.write(0, column, str(header), bold)
        sheet.set_column(column, column, 14)
    for number, row in enumerate(rows, start=1):
        for column, (field, _header) in enumerate(columns):
            value = row.get(field)
            sheet.write(number, column, "" if value is None else value)
    book.close()
    code = board.area.code if board.area else ""
    audit_record(
        action="dashboards.export",
        request=request,
        object_type="area",
        object_id=code,
        area=code,
        details={"chart": name, "rows": len(rows)},
    )
    return download(buffer.getvalue(), f"{board.area.name if board.area else _('统计')}-{name}.xlsx")
