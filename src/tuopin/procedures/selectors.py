"""Scoped reads of procedures (SECURITY.md A: one selector layer): a user sees the procedures of areas in scope; and
who does a step (`may_act`, the rule the procedure services check)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from tuopin.accounts.areas import areas_for
from tuopin.accounts.permissions import can_write
from tuopin.accounts.scope import in_scope, scope_q
from tuopin.areas.models import Area
from tuopin.procedures.flows import Kind, State
from tuopin.procedures.models import Objection, Procedure
from tuopin.registry.models import Household
from tuopin.registry.vocab import PopulationType, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User

    AnyUser = User | AnonymousUser


def may_act(actor: User | None, level: str, code: str) -> bool:
    """The office of `level` over `code` (the command line, actor None, may do anything)."""
    return actor is None or (actor.role == level and can_write(actor, code))


@dataclass
class ProcedureFilter:
    kind: str = ""
    state: str = ""
    year: int | None = None
    area: str = ""


def procedures_for(user: AnyUser, filters: ProcedureFilter | None = None) -> QuerySet[Procedure]:
    filters = filters or ProcedureFilter()
    procedures = Procedure.objects.filter(scope_q(user, "area_id", within=filters.area))
    if filters.kind:
        procedures = procedures.filter(kind=filters.kind)
    if filters.state:
        procedures = procedures.filter(state=filters.state)
    if filters.year:
        procedures = procedures.filter(year=filters.year)
    return procedures.select_related("area", "household", "household__head")


def procedures_listed(user: AnyUser, filters: ProcedureFilter | None = None) -> QuerySet[Procedure]:
    """procedures_for in the order of the list page: the newest first."""
    return procedures_for(user, filters).order_by("-id")


def procedure_for(user: AnyUser, procedure_id: int) -> Procedure | None:
    """One procedure in scope, with its steps and objections (its page shows both)."""
    return procedures_for(user).prefetch_related("steps", "objections").filter(pk=procedure_id).first()


def objection_for(procedure: Procedure, objection_id: int) -> Objection | None:
    """One of the objections of a procedure read through procedure_for."""
    return Objection.objects.filter(procedure=procedure, pk=objection_id).first()


def area_choices_for(user: AnyUser, level: str, *, limit: int = 500) -> list[tuple[str, str]]:
    """The areas of one level in the user's scope, for a select (at most `limit`)."""
    areas = areas_for(user).filter(level=level).order_by("code")[:limit]
    return [(a.code, f"{a.name}（{a.code}）") for a in areas]


def village_for(user: AnyUser, code: str) -> Area | None:
    """A village in the user's scope."""
    return areas_for(user).filter(code=code, level="village").first()


def household_procedures_for(user: AnyUser, household: Household) -> QuerySet[Procedure]:
    return procedures_for(user).filter(household=household)


@dataclass
class VillageRow:
    household: Household
    decision: Any = None  # tuopin.assessment.services.Decision for the year
    procedure: Procedure | None = None  # the open one, if any

    @property
    def failing(self) -> list[str]:
        """The details of the checks the household fails."""
        return [r["detail"] for r in self.decision.reasons if not r["ok"]] if self.decision else []


@dataclass
class VillageList:
    rows: list[VillageRow] = field(default_factory=list)
    open_procedures: list[Procedure] = field(default_factory=list)


def village_list_for(user: AnyUser, village: str, kind: str, year: int) -> VillageList:
    """A village's candidates for a household procedure with their live decision of `year` (one run of the rules
    for the whole list) and their open procedure of any kind; empty outside the scope."""
    from tuopin.assessment.engine import run_db
    from tuopin.assessment.rules import household_exit
    from tuopin.assessment.services import decision_from, params_for

    if not in_scope(user, village):
        return VillageList()
    households = Household.objects.filter(village_id=village, merged_into__isnull=True).select_related("head")
    if kind == Kind.HOUSEHOLD_EXIT:
        households = households.filter(
            population_type=PopulationType.REGISTERED, status__in=[Status.POOR, Status.RELAPSED]
        )
    else:
        households = households.exclude(population_type=PopulationType.REGISTERED)
    open_procedures = list(
        procedures_for(user)
        .filter(area_id=village, state=State.OPEN, household__isnull=False)
        .order_by("household__number")
    )
    by_household = {p.household_id: p for p in open_procedures}
    rows = [VillageRow(h, procedure=by_household.get(h.pk)) for h in households.order_by("number")]
    if rows:
        params = params_for(year, village)
        decided = {
            r["household_id"]: r
            for r in run_db(household_exit(params, household_ids=[r.household.pk for r in rows]))
        }
        for row in rows:
            if row.household.pk in decided:
                row.decision = decision_from(decided[row.household.pk], params)
    return VillageList(rows, [p for p in open_procedures if p.kind == kind and p.year == year])
