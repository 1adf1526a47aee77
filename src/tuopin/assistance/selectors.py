"""Scoped reads of the assistance ledgers, all through tuopin.accounts.scope.ledger_q: offices see the rows of their
area scope, a helping unit's user exactly the rows of its units (pairings, projects and their funds, duties and
visits) and nothing else, inspectors read their scope. `user` None is the command line run by the operator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from tuopin.accounts.models import User
from tuopin.accounts.scope import ledger_q
from tuopin.areas.codes import area_q, code_at
from tuopin.areas.models import AreaYear
from tuopin.assistance import periods
from tuopin.assistance.funds import FundPosition, fund_position, idle_policy, loan_rate, loan_status
from tuopin.assistance.models import (
    Acceptance,
    Agreement,
    Duty,
    FundEntry,
    HelpingUnit,
    Loan,
    MeasureRecord,
    Pairing,
    PairingKind,
    Plan,
    Project,
    UnitMember,
    Visit,
)
from tuopin.assistance.visits import DutyFacts, Report, VisitFacts, compliance
from tuopin.registry.models import Household
from tuopin.registry.vocab import PopulationType, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser


def _q(
    user: AnyUser | None,
    *,
    area: str,
    unit: str | None = None,
    also_area: str | None = None,
    within: str = "",
) -> Q:
    if user is None:
        return area_q(area, within) if within else Q()
    return ledger_q(user, area=area, unit=unit, also_area=also_area, within=within)


def current_q(on: date, prefix: str = "") -> Q:
    """Pairings in force on a day: started on or before it, not ended before it."""
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__valid_to__gte": on})
    )


# ------------------------------------------------------------------------------------------------- pairings


def pairings_for(
    user: AnyUser | None, *, kind: str = "", within: str = "", on: date | None = None
) -> QuerySet[Pairing]:
    """Pairings in scope (a county pairing also for the helping county's offices); only those in force `on` when
    given."""
    rows = Pairing.objects.filter(
        _q(user, area="area_id", unit="unit_id", also_area="helper_area_id", within=within)
    )
    if kind:
        rows = rows.filter(kind=kind)
    if on is not None:
        rows = rows.filter(current_q(on))
    return rows.select_related("area", "helper_area", "unit", "group", "household", "end")


def pairing_for(user: AnyUser | None, pairing_id: int) -> Pairing | None:
    return pairings_for(user).filter(pk=pairing_id).first()


def pairings_listed(
    user: AnyUser | None, *, kind: str = "", within: str = "", on: date | None = None
) -> QuerySet[Pairing]:
    """pairings_for in the order of the pairings page: by area, kind and id."""
    return pairings_for(user, kind=kind, within=within, on=on).order_by("area_id", "kind", "id")


def pairing_counts_by_kind(user: AnyUser | None, *, on: date) -> list[dict[str, Any]]:
    """`[{"kind", "n"}]`: the pairings in force on a day, per kind."""
    return [dict(row) for row in pairings_for(user, on=on).order_by().values("kind").annotate(n=Count("id"))]


def household_pairings_for(user: AnyUser | None, household: Household) -> QuerySet[Pairing]:
    """The household's pairings in scope, past and present, oldest first."""
    return pairings_for(user).filter(household=household).order_by("valid_from", "id")


def agreements_for(user: AnyUser | None, pairing: Pairing) -> QuerySet[Agreement]:
    return Agreement.objects.filter(pairing=pairing, successor__isnull=True).order_by("signed_on", "id")


def agreement_totals(user: AnyUser | None, *, within: str = "") -> dict[str, Any]:
    """Outputs of the county pairings' agreements in scope (current rows only)."""
    rows = Agreement.objects.filter(successor__isnull=True, pairing__in=pairings_for(user, within=within))
    totals = rows.aggregate(
        funds=Sum("funds"),
        training_places=Sum("training_places"),
        jobs=Sum("jobs"),
        cadres_exchanged=Sum("cadres_exchanged"),
        projects=Sum("projects"),
    )
    return {key: value or 0 for key, value in totals.items()}


@dataclass
class Coverage:
    households: list[
        Household
    ]  # registered-poor and monitored households without a current responsible cadre
    households_total: int
    villages: list[dict[str, Any]]  # poor villages lacking a task force or a first secretary
    villages_total: int


def coverage_for(
    user: AnyUser | None, *, on: date | None = None, within: str = "", limit: int = 200
) -> Coverage:
    """Who lacks help on a day: every registered-poor household not out of poverty for good, and every monitored
    household (population type, or an open monitoring case), needs a current responsible cadre; every poor village
    of the year a task force and a first secretary. Offices only (a unit's user sees no households)."""
    on = on or timezone.localdate()
    scope = _q(user, area="village_id", within=within)
    if user is not None and getattr(user, "role", "") == "unit":
        scope = Q(pk__in=[])
    cadre = Pairing.objects.filter(current_q(on), kind=PairingKind.CADRE_HOUSEHOLD, household=OuterRef("pk"))
    open_case = Q(cases__state="monitoring")
    needing = (
        Household.objects.filter(scope, merged_into__isnull=True)
        .filter(
            Q(population_type=PopulationType.REGISTERED) & ~Q(status=Status.EXITED)
            | Q(population_type=PopulationType.MONITORED)
            | open_case
        )
        .exclude(Exists(cadre))
        .distinct()
    )
    households = list(needing.select_related("head", "village").order_by("village_id", "number")[:limit])
    village_scope = _q(user, area="area_id", within=within)
    if user is not None and getattr(user, "role", "") == "unit":
        village_scope = Q(pk__in=[])
    year = (
        AreaYear.objects.filter(poor_village=True, year__lte=on.year)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    poor = (
        AreaYear.objects.filter(village_scope, year=year, poor_village=True)
        if year
        else AreaYear.objects.none()
    )
    posts = {}
    for kind in (PairingKind.TASK_FORCE, PairingKind.FIRST_SECRETARY):
        posts[kind] = Exists(Pairing.objects.filter(current_q(on), kind=kind, area_id=OuterRef("area_id")))
    lacking = (
        poor.annotate(task_force=posts[PairingKind.TASK_FORCE], secretary=posts[PairingKind.FIRST_SECRETARY])
        .filter(Q(task_force=False) | Q(secretary=False))
        .select_related("area")
        .order_by("area_id")
    )
    villages = [
        {
            "code": row.area_id,
            "name": row.area.name,
            "task_force": row.task_force,
            "first_secretary": row.secretary,
        }
        for row in lacking[:limit]
    ]
    return Coverage(households, needing.count(), villages, lacking.count())


# ------------------------------------------------------------------------------------------ plans and measures


def plans_for(user: AnyUser | None, *, within: str = "") -> QuerySet[Plan]:
    """Current plans (those no later plan supersedes) in scope."""
    return Plan.objects.filter(
        _q(user, area="area_id", within=within), successor__isnull=True
    ).select_related("household", "household__head", "area")


def plan_of(user: AnyUser | None, household: Household) -> Plan | None:
    """The household's current plan, if any."""
    return plans_for(user).filter(household=household).first()


def plan_counts_by_group(user: AnyUser | None) -> dict[str, int]:
    """The current plans in scope per labour group."""
    return dict(plans_for(user).order_by().values_list("labour_group").annotate(n=Count("id")))


def plans_listed(user: AnyUser | None, *, group: str = "") -> QuerySet[Plan]:
    """The current plans in scope (of one labour group when given) by area and household."""
    rows = plans_for(user)
    if group:
        rows = rows.filter(labour_group=group)
    return rows.order_by("area_id", "household_id", "id")


def household_for(user: AnyUser | None, number: str) -> Household | None:
    """A household of the office's scope (a unit's user sees none)."""
    if user is not None and getattr(user, "role", "") == "unit":
        return None
    return Household.objects.filter(_q(user, area="village_id"), number=number).select_related("head").first()


def measures_for(
    user: AnyUser | None, *, household: Household | None = None, within: str = ""
) -> QuerySet[MeasureRecord]:
    rows = MeasureRecord.objects.filter(_q(user, area="area_id", within=within), successor__isnull=True)
    if household is not None:
        rows = rows.filter(household=household)
    return rows.select_related("household")


def household_measures_for(user: AnyUser | None, household: Household) -> QuerySet[MeasureRecord]:
    """The household's current measure records, newest first."""
    return measures_for(user, household=household).order_by("-on", "-id")


# ------------------------------------------------------------------------------------- projects and funds


def projects_for(user: AnyUser | None, *, year: int | None = None, within: str = "") -> QuerySet[Project]:
    rows = Project.objects.filter(
        _q(user, area="area_id", unit="unit_id", within=within), successor__isnull=True
    )
    if year:
        rows = rows.filter(year=year)
    return rows.select_related("area", "unit", "group")


def project_for(user: AnyUser | None, project_id: int) -> Project | None:
    return projects_for(user).filter(pk=project_id).first()


def projects_listed(user: AnyUser | None, *, year: int | None = None) -> QuerySet[Project]:
    """projects_for in the order of the projects page: newest year first, then by area."""
    return projects_for(user, year=year).order_by("-year", "area_id", "id")


def acceptances_of(project: Project) -> QuerySet[Acceptance]:
    """A project's acceptances, newest first (the project read through projects_for)."""
    return project.acceptances.order_by("-year", "-id")


def fund_entries_for(user: AnyUser | None, project: Project) -> QuerySet[FundEntry]:
    """A project's entries (the project was read through projects_for, so they are in scope)."""
    return FundEntry.objects.filter(project=project).select_related("source", "reverses").order_by("on", "id")


def fund_entry_of(project: Project, entry_id: int) -> FundEntry | None:
    """One of a project's entries (the project read through projects_for)."""
    return FundEntry.objects.filter(project=project, pk=entry_id).first()


def positions_for(projects: list[Project], *, as_of: date) -> dict[int, FundPosition]:
    """Each project's fund position and idle status on `as_of`, in one query."""
    entries: dict[int, list[tuple[str, date, Decimal]]] = {p.pk: [] for p in projects}
    for project_id, kind, on, amount in FundEntry.objects.filter(
        project__in=[p.pk for p in projects]
    ).values_list("project_id", "kind", "on", "amount"):
        entries[project_id].append((kind, on, amount))
    policies: dict[str, tuple[int | None, Decimal | None]] = {}
    positions = {}
    for project in projects:
        province = code_at(project.area_id, "province")
        if province not in policies:
            policies[province] = idle_policy(as_of, province)
        months, ratio = policies[province]
        positions[project.pk] = fund_position(entries[project.pk], as_of=as_of, months=months, ratio=ratio)
    return positions


# ---------------------------------------------------------------------------------------------------- loans


def loans_for(user: AnyUser | None, *, within: str = "") -> QuerySet[Loan]:
    if user is not None and getattr(user, "role", "") == "unit":
        return Loan.objects.none()
    return (
        Loan.objects.filter(_q(user, area="area_id", within=within), successor__isnull=True)
        .select_related("household", "area")
        .prefetch_related("repayments")
    )


def loan_for(user: AnyUser | None, loan_id: int) -> Loan | None:
    return loans_for(user).filter(pk=loan_id).first()


def loans_listed(user: AnyUser | None) -> QuerySet[Loan]:
    """loans_for in the order of the loans page: by area and issue date."""
    return loans_for(user).order_by("area_id", "issued_on", "id")


def household_loans_for(user: AnyUser | None, household: Household) -> list[Loan]:
    return list(loans_for(user).filter(household=household))


def loan_rows(loans: list[Loan], *, as_of: date) -> list[dict[str, Any]]:
    rows = []
    rates: dict[tuple[int, str], Decimal | None] = {}
    for loan in loans:
        key = (loan.issued_on.year, code_at(loan.area_id, "province"))
        if key not in rates:
            rates[key] = loan_rate(loan)
        status = loan_status(
            amount=loan.amount,
            issued_on=loan.issued_on,
            term_months=loan.term_months,
            repayments=[(r.on, r.principal) for r in loan.repayments.all()],
            as_of=as_of,
            rate=rates[key],
        )
        rows.append({"loan": loan, "status": status})
    return rows


# ------------------------------------------------------------------------------------------ duties and visits


def duties_for(user: AnyUser | None, *, within: str = "") -> QuerySet[Duty]:
    return Duty.objects.filter(
        _q(user, area="area_id", unit="unit_id", within=within), successor__isnull=True
    ).select_related("area", "unit")


def visits_for(user: AnyUser | None, *, within: str = "") -> QuerySet[Visit]:
    return Visit.objects.filter(
        _q(user, area="area_id", unit="unit_id", within=within), successor__isnull=True
    ).select_related("area", "unit")


def duties_listed(user: AnyUser | None) -> QuerySet[Duty]:
    """duties_for in the order of the duties page: by person and target."""
    return duties_for(user).order_by("who", "target_code", "id")


def visits_listed(user: AnyUser | None) -> QuerySet[Visit]:
    """visits_for in the order of the visits page: newest first."""
    return visits_for(user).order_by("-on", "-id")


def visit_photo_for(user: AnyUser | None, visit_id: int) -> Visit | None:
    """A visit the user sees, when it has a photo."""
    return visits_for(user).filter(pk=visit_id, photo__gt="").first()


def compliance_for(
    user: AnyUser | None, period: periods.Period, *, as_of: date | None = None, within: str = ""
) -> Report:
    """Duty compliance in `period` over the duties the user sees, against the visits made by the same people (any
    visit of theirs, whoever recorded it: a duty is met by the visit, not by who keyed it in)."""
    duties = list(
        duties_for(user, within=within).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=period.start), valid_from__lte=period.end
        )
    )
    names = {d.who for d in duties}
    visits = Visit.objects.filter(
        successor__isnull=True,
        who__in=names,
        on__gte=period.start - periods.WEEK_SLACK,
        on__lte=period.end + periods.WEEK_SLACK,
    ).values_list("who", "target_type", "target_code", "area_id", "on")
    facts = [
        DutyFacts(
            d.who,
            d.target_type,
            d.target_code,
            d.frequency,
            d.per_period,
            d.valid_from,
            d.valid_to,
            d.area.name,
        )
        for d in duties
    ]
    return compliance(
        facts, [VisitFacts(*row) for row in visits], period, as_of=as_of or timezone.localdate()
    )


def units_for(user: AnyUser | None) -> QuerySet[HelpingUnit]:
    """Units a user may pick when recording: its own for a unit's user, all for offices."""
    if user is not None and getattr(user, "role", "") == "unit":
        from tuopin.accounts.scope import held_unit_ids

        return HelpingUnit.objects.filter(pk__in=held_unit_ids(user))
    return HelpingUnit.objects.all()


def has_units(user: AnyUser | None) -> bool:
    """Whether the user may pick any unit (a unit's user linked to none may not)."""
    return units_for(user).exists()


def unit_choices_for(user: AnyUser | None, *, limit: int = 500) -> list[HelpingUnit]:
    """The units a user may pick, by name, for a select (at most `limit`)."""
    return list(units_for(user).order_by("name")[:limit])


def unit_for(user: AnyUser | None, unit_id: int) -> HelpingUnit | None:
    """A helping unit the user may open: its own for a unit's user, any for offices."""
    return units_for(user).select_related("parent", "group", "area").filter(pk=unit_id).first()


def units_listed(user: AnyUser | None) -> QuerySet[HelpingUnit]:
    return units_for(user).select_related("parent", "group", "area").order_by("name")


def unit_children_for(user: AnyUser | None, unit: HelpingUnit) -> QuerySet[HelpingUnit]:
    """The departments of a unit that the user may open."""
    return units_listed(user).filter(parent=unit)


def unit_members_for(user: AnyUser | None, unit: HelpingUnit) -> QuerySet[UnitMember]:
    """The users linked to the unit that the viewer may see (tuopin.accounts.selectors.users_for: the users inside
    its area scope); the command line sees all."""
    rows = UnitMember.objects.filter(unit=unit)
    if user is not None:
        from tuopin.accounts.selectors import users_for

        rows = rows.filter(user__in=users_for(user).values("pk"))
    return rows.select_related("user").order_by("user__username")


def linkable_users_for(actor: AnyUser, unit: HelpingUnit) -> QuerySet[User]:
    """Active users of role unit that the actor manages (users_for) and that are not linked to the unit yet."""
    from tuopin.accounts.selectors import users_for

    return users_for(actor).filter(role="unit", is_active=True).exclude(unit_links__unit=unit)


def linkable_choices_for(actor: AnyUser, unit: HelpingUnit, *, limit: int = 500) -> list[User]:
    """linkable_users_for, at most `limit`, for a select."""
    return list(linkable_users_for(actor, unit)[:limit])


def linkable_user_for(actor: AnyUser, unit: HelpingUnit, user_id: int) -> User | None:
    return linkable_users_for(actor, unit).filter(pk=user_id).first()
