"""Counts of the registry for dashboards: households and persons by status, category, cause, population type and
child area, always inside the user's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from tuopin.areas.codes import LENGTHS, child_length
from tuopin.areas.models import Area
from tuopin.registry.models import Member
from tuopin.registry.selectors import households_for
from tuopin.registry.vocab import Category, Cause, PopulationType, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User


@dataclass(frozen=True)
class Dashboard:
    area: Area | None
    households: int
    persons: int
    by_status: list[dict[str, Any]]
    by_category: list[dict[str, Any]]
    by_cause: list[dict[str, Any]]
    by_population_type: list[dict[str, Any]]
    by_child: list[dict[str, Any]]


def _labelled(rows: list[dict[str, Any]], key: str, choices: Any) -> list[dict[str, Any]]:
    labels = dict(choices.choices)
    return sorted(
        (
            {"code": r[key], "label": str(labels.get(r[key], r[key] or _("不适用"))), "households": r["n"]}
            for r in rows
        ),
        key=lambda r: -r["households"],
    )


def dashboard_for(user: User | AnonymousUser, area: Area | None) -> Dashboard:
    households = households_for(user, within=area.code if area is not None else "")
    members = Member.objects.filter(household__in=households, left_on__isnull=True)
    total = households.count()
    by = {
        name: list(households.values(name).annotate(n=Count("id")).order_by(name))
        for name in ("status", "category", "main_cause", "population_type")
    }
    return Dashboard(
        area=area,
        households=total,
        persons=members.count(),
        by_status=_labelled(by["status"], "status", Status),
        by_category=_labelled(by["category"], "category", Category),
        by_cause=_labelled(by["main_cause"], "main_cause", Cause),
        by_population_type=_labelled(by["population_type"], "population_type", PopulationType),
        by_child=_by_child(households, area),
    )


def _by_child(households: Any, area: Area | None) -> list[dict[str, Any]]:
    """Households per child area, split into not-exited and exited, for the drill-down bar chart."""
    if area is None or len(area.code) not in LENGTHS or (length := child_length(area.code)) is None:
        return []
    poor = Q(status__in=[Status.POOR, Status.RELAPSED])
    rows = (
        households.annotate(child=Substr("village_id", 1, length))
        .values("child")
        .annotate(n=Count("id"), poor=Count("id", filter=poor))
        .order_by("child")
    )
    counts = {row["child"]: row for row in rows}
    children = Area.objects.filter(parent=area).order_by("code").values_list("code", "name")
    return [
        {
            "code": code,
            "label": name,
            "households": counts.get(code, {}).get("n", 0),
            "poor": counts.get(code, {}).get("poor", 0),
        }
        for code, name in children
    ]
