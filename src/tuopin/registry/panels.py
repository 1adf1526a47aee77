"""The household page composed of panels that other apps register in their AppConfig.ready (the exit decision, the
procedures, …), so that the registry shows what they know of a household without importing them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

    from tuopin.registry.models import Household


@dataclass(frozen=True)
class PanelRequest:
    """What a panel is given: the request (and its user), the household, the years the household has incomes for
    and the year asked for (?year=)."""

    request: HttpRequest
    household: Household
    years: list[int]
    year: int


@dataclass(frozen=True)
class HouseholdPanel:
    name: str
    template: str  # rendered with `panel` (the context below) and the page's own context
    context: Callable[[PanelRequest], dict[str, Any] | None]  # None: nothing to show
    order: int = 100


PANELS: dict[str, HouseholdPanel] = {}


def household_panel_register(panel: HouseholdPanel) -> HouseholdPanel:
    PANELS[panel.name] = panel
    return panel


def household_panels(asked: PanelRequest) -> list[dict[str, Any]]:
    """The panels to show, in order, each as its template and its context."""
    shown = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(asked)
        if context is not None:
            shown.append({"name": panel.name, "template": panel.template, **context})
    return shown
