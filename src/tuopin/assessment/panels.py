"""The exit decision on the household page (tuopin.registry.panels): the live checks of the year asked for."""

from __future__ import annotations

from typing import Any

from tuopin.assessment.services import assess_household
from tuopin.registry.panels import HouseholdPanel, PanelRequest


def _decision(asked: PanelRequest) -> dict[str, Any] | None:
    if asked.household.merged_into_id is not None:
        return None
    try:
        decision = assess_household(asked.household, asked.year)
    except ValueError:  # no policy profile for that year
        return None
    return {"decision": decision, "decision_years": sorted({*asked.years, asked.year})}


DECISION_PANEL = HouseholdPanel("decision", "assessment/_household_decision.html", _decision, order=10)
