"""What a dashboard shows, read from the stored figures (AreaFigures) of the area and its children — never the
registry row by row — and only inside the user's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuopin.accounts.scope import scope_q
from tuopin.dashboards.figures import _add
from tuopin.dashboards.models import AreaFigures
from tuopin.registry.vocab import Category, Cause, PopulationType, Status

if TYPE_CHECKING:
    from datetime import datetime

    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User
    from tuopin.areas.models import Area

# The measures a map can be coloured by: key -> (label, unit, where it is read: "year" or "registry" or "programme").
MAP_MEASURES: dict[str, tuple[Any, Any, str]] = {
    "incidence": (gettext_lazy("贫困发生率"), "%", "year"),
    "poor_persons": (gettext_lazy("贫困人口"), gettext_lazy("人"), "year"),
    "households": (gettext_lazy("户数"), gettext_lazy("户"), "registry"),
    "poor_households": (gettext_lazy("未脱贫户数"), gettext_lazy("户"), "registry"),
    "fund_disbursement": (gettext_lazy("资金支出率"), "%", "programme"),
    "rectification_closure": (gettext_lazy("问题整改销号率"), "%", "programme"),
    "visit_compliance": (gettext_lazy("帮扶走访履职率"), "%", "programme"),
    "P0": (gettext_lazy("收入贫困发生率（FGT P0）"), "%", "measures"),
    "M0": (gettext_lazy("多维贫困指数（M0）"), "", "measures"),
}


@dataclass
class Board:
    area: Area | None
    registry: dict[str, Any]
    yearly: dict[str, dict[str, Any]]
    programme: dict[str, Any]
    children: list[dict[str, Any]]
    refreshed_at: datetime | None
    years: list[int] = field(default_factory=list)
    year: str = ""  # the year asked for (?year=), for the measures

    @property
    def empty(self) -> bool:
        return self.refreshed_at is None


def _labelled(counts: dict[str, int], choices: Any) -> list[dict[str, Any]]:
    labels = dict(choices.choices)
    return sorted(
        (
            {"code": code, "label": str(labels.get(code, code or _("不适用"))), "households": n}
            for code, n in counts.items()
        ),
        key=lambda r: (-r["households"], r["code"]),
    )


def board_for(user: User | AnonymousUser, area: Area | None, held: list[str], year: str = "") -> Board:
    """The dashboard of `area` (in the user's scope: the caller checked), or of the held areas together when no
    area is chosen: two queries, the area's row (or the held areas' rows) and its children's rows. The children's
    measures are those of `year` where stored (else of the latest year measured)."""
    if area is not None:
        own = list(AreaFigures.objects.filter(area_id=area.code))
        children = list(
            AreaFigures.objects.filter(scope_q(user, "area_id"), parent_code=area.code)
            .select_related("area")
            .order_by("area_id")
        )
    else:
        own = list(AreaFigures.objects.filter(area_id__in=held).select_related("area").order_by("area_id"))
        children = own if len(own) > 1 else []
    registry: dict[str, Any] = {}
    yearly: dict[str, dict[str, Any]] = {}
    for row in own:
        _add(registry, row.registry)
        if len(own) == 1:
            yearly = row.yearly
    programme = own[0].programme if len(own) == 1 else {}
    measured = measures_of(yearly, year)
    by_area = measured[1].get("by_area", {}) if measured else {}
    return Board(
        area=area,
        registry=registry,
        yearly=yearly,
        programme=programme,
        children=[_child(row, by_area.get(row.area_id)) for row in children],
        refreshed_at=min((row.refreshed_at for row in own), default=None),
        years=sorted({int(y) for row in children for y in row.yearly} | {int(y) for y in yearly}),
        year=year,
    )


def measures_of(yearly: dict[str, dict[str, Any]], year: str = "") -> tuple[int, dict[str, Any]] | None:
    """The poverty measures stored for `year` (else the latest year that has them), as (year, tuopin.measures' JSON
    contract)."""
    if "measures" in yearly.get(year, {}):
        return int(year), yearly[year]["measures"]
    years = sorted((int(y) for y, figures in yearly.items() if "measures" in figures), reverse=True)
    return (years[0], yearly[str(years[0])]["measures"]) if years else None


def _child(row: AreaFigures, measured: dict[str, Any] | None) -> dict[str, Any]:
    registry = row.registry
    return {
        "code": row.area_id,
        "label": row.area.name,
        "households": registry.get("households", 0),
        "persons": registry.get("persons", 0),
        "poor": registry.get("poor_households", 0),
        "poor_households": registry.get("poor_households", 0),
        "yearly": {
            year: {k: v for k, v in figures.items() if k in ("incidence", "poor_persons")}
            for year, figures in row.yearly.items()
        },
        "programme": {k: v.get("value") for k, v in row.programme.get("values", {}).items()},
        # The child's measures as its parent's computation decomposed them (P0 in per cent, as the map shows it).
        "measures": {}
        if measured is None
        else {
            "P0": None if measured.get("P0") is None else round(measured["P0"] * 100, 4),
            "M0": measured.get("M0"),
        },
    }


def charts_for(board: Board) -> dict[str, Any]:
    """The data of the dashboard's charts (one json_script): the registry's breakdowns as the shared chart kinds
    of static/tuopin/app.js read them, the trend by year, the children for the map and the bars."""
    registry = board.registry
    years = sorted(board.yearly, key=int)
    identified = registry.get("identified", {})
    exited = registry.get("exited", {})
    trend_years = sorted({*years, *identified, *exited}, key=int)
    return {
        "status": _labelled(registry.get("by_status", {}), Status),
        "category": _labelled(registry.get("by_category", {}), Category),
        "cause": _labelled(registry.get("by_cause", {}), Cause),
        "population_type": _labelled(registry.get("by_population_type", {}), PopulationType),
        "children": board.children,
        "yearly": [
            {
                "year": int(year),
                "run": board.yearly[year].get("run"),
                "poor_persons": board.yearly[year].get("poor_persons"),
                "incidence": board.yearly[year].get("incidence"),
            }
            for year in years
        ],
        "trend": [
            {
                "year": int(year),
                "identified": identified.get(year, 0),
                "exited": exited.get(year, 0),
                "incidence": board.yearly.get(year, {}).get("incidence"),
            }
            for year in trend_years
        ],
        "measures": {
            key: {"label": str(label), "unit": str(unit), "from": where}
            for key, (label, unit, where) in MAP_MEASURES.items()
        },
        "contributions": contributions_of(board),
    }


def contributions_of(board: Board) -> list[dict[str, Any]]:
    """Each indicator's contribution to the area's M0, labelled as its specification labels it."""
    from tuopin.measures.specs import UnknownSpec, spec_named

    measured = measures_of(board.yearly, board.year)
    if measured is None or not measured[1]["mpi"]["M0"]:
        return []  # nothing to apportion
    figures = measured[1]
    try:
        labels = {i.name: i.label for i in spec_named(figures["spec"]).indicators}
    except UnknownSpec:
        labels = {}
    return [
        {"name": name, "label": labels.get(name, name), "share": share}
        for name, share in figures["mpi"]["contributions"].items()
    ]
