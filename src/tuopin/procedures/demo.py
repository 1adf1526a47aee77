"""Procedures for the demo, done through the services by the demo's own offices: the exit of the demo village
announced in 2019, and monitored households of that village proposed for identification and under notice."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta

from django.core.exceptions import ValidationError

from tuopin.accounts.models import User
from tuopin.procedures.flows import Kind
from tuopin.procedures.models import Procedure
from tuopin.procedures.services import Proposal, notice_start, procedure_act, procedure_propose
from tuopin.registry.models import Household

DEMO_VILLAGE_EXIT_YEAR = 2019


def procedures_demo(village: str, *, identifications: int = 3) -> int:
    """Create the demo's procedures once (nothing when the village has some already); returns how many."""
    if Procedure.objects.filter(area_id=village).exists():
        return 0
    offices = {u.role: u for u in User.objects.filter(username__in=["village", "township", "county"])}
    created = 0
    with suppress(ValidationError):  # a village that does not qualify in this demo's data has no exit to show
        created += _village_exit(village, offices)
    for household in Household.objects.filter(village_id=village, population_type="monitored").order_by(
        "number"
    ):
        if created > identifications:
            break
        year = household.incomes.order_by("-year").values_list("year", flat=True).first()
        if year is None:
            continue
        try:
            created += _identification(household, year, offices)
        except ValidationError:  # income above the line and every guarantee secured: not a candidate
            continue
    return created


def _village_exit(village: str, offices: dict[str, User]) -> int:
    township, county = offices.get("township"), offices.get("county")
    start = date(DEMO_VILLAGE_EXIT_YEAR, 10, 8)
    procedure = procedure_propose(
        actor=township,
        proposal=Proposal(Kind.VILLAGE_EXIT, DEMO_VILLAGE_EXIT_YEAR, area_code=village),
        on=start,
    )
    notice_start(actor=township, procedure=procedure, version=procedure.version, on=start + timedelta(days=1))
    assert procedure.notice_ends_on is not None
    procedure_act(actor=township, procedure=procedure, version=procedure.version, on=procedure.notice_ends_on)
    procedure_act(
        actor=county,
        procedure=procedure,
        version=procedure.version,
        on=start + timedelta(days=14),
        data={"approve": True},
        note="村贫困发生率低于 2%，基础设施和公共服务达标",
    )
    procedure_act(
        actor=county,
        procedure=procedure,
        version=procedure.version,
        on=start + timedelta(days=18),
        data={"document": f"灵扶贫〔{DEMO_VILLAGE_EXIT_YEAR}〕18号"},
    )
    return 1


def _identification(household: Household, year: int, offices: dict[str, User]) -> int:
    village = offices.get("village")
    start = date(year + 1, 3, 2)
    procedure = procedure_propose(
        actor=village, proposal=Proposal(Kind.HOUSEHOLD_IDENTIFICATION, year, household=household), on=start
    )
    procedure_act(
        actor=village,
        procedure=procedure,
        version=procedure.version,
        on=start + timedelta(days=3),
        data={"attendance": 31, "votes_for": 27, "votes_against": 2},
    )
    notice_start(actor=village, procedure=procedure, version=procedure.version, on=start + timedelta(days=4))
    return 1
