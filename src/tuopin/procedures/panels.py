"""The identification and exit procedures on the household page (tuopin.registry.panels)."""

from __future__ import annotations

from typing import Any

from tuopin.procedures.selectors import household_procedures_for, may_act
from tuopin.registry.panels import HouseholdPanel, PanelRequest


def _procedures(asked: PanelRequest) -> dict[str, Any]:
    user, household = asked.request.user, asked.household
    return {
        "procedures": household_procedures_for(user, household),
        "may_propose": household.merged_into_id is None and may_act(user, "village", household.village_id),  # type: ignore[arg-type]
    }


PROCEDURES_PANEL = HouseholdPanel(
    "procedures", "procedures/_household_procedures.html", _procedures, order=20
)
