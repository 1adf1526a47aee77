"""Scoped reads of the registry. Every page, export and API goes through these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet, Subquery

from tuopin.accounts.scope import scope_q
from tuopin.accounts.throttle import throttle_check
from tuopin.audit.services import audit_record
from tuopin.core.bulk import lookup_chunk
from tuopin.core.crypto import blind_index
from tuopin.registry.idnumbers import ID_PATTERN, mask_id
from tuopin.registry.models import Change, Household, Income, Member

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    from tuopin.accounts.models import User

PAGE_SIZE = 50


def households_for(
    user: User | AnonymousUser, *, merged: bool = False, within: str = ""
) -> QuerySet[Household]:
    """The households in the user's scope (in the area `within` when given); those merged into another only when
    asked (their own page)."""
    households = Household.objects.filter(scope_q(user, "village_id", within=within))
    return households if merged else households.filter(merged_into__isnull=True)


@dataclass(frozen=True)
class HouseholdFilter:
    area: str = ""
    category: str = ""
    cause: str = ""
    status: str = ""
    population_type: str = ""
    year: int | None = None
    q: str = ""
    id_index: str = ""  # an exact ID search, already audited by whoever turned the number into its index


@dataclass(frozen=True)
class HouseholdPage:
    households: list[Household]
    next_after: str  # the cursor of the next page; blank on the last


def household_list_for(
    user: User | AnonymousUser,
    filters: HouseholdFilter,
    *,
    after: str = "",
    request: HttpRequest | None = None,
    size: int = PAGE_SIZE,
) -> HouseholdPage:
    """One page of households by village and number (keyset pagination: `after` is the last number of the page
    before; the page's `next_after` is blank on the last page)."""
    households = households_for(user, within=filters.area)
    for name in ("category", "status", "population_type"):
        if getattr(filters, name):
            households = households.filter(**{name: getattr(filters, name)})
    if filters.cause:
        cause = filters.cause
        households = households.filter(Q(main_cause=cause) | Q(other_cause_1=cause) | Q(other_cause_2=cause))
    if filters.year:
        households = households.filter(identification_year=filters.year)
    if filters.q:
        households = _search(households, filters.q, user, request)
    if filters.id_index:
        households = households.filter(pk__in=_holding(filters.id_index))
    if after:
        # Keyset on (village, number), the order of the list and of the index households_village_number, which
        # the scope and area filters (ranges on the village code) run along: no sort, whatever the scope's size.
        start = Household.objects.filter(number=after).values("village_id")[:1]
        households = households.filter(village_id__gte=Subquery(start)).exclude(
            village_id=Subquery(start), number__lte=after
        )
    page = list(households.select_related("village", "head").order_by("village_id", "number")[: size + 1])
    more = len(page) > size
    page = page[:size]
    # Sizes of this page only, in one more query: counting in the page query would join every member in scope.
    sizes = dict(
        Member.objects.filter(household__in=[household.pk for household in page], left_on__isnull=True)
        .values_list("household_id")
        .annotate(size=Count("id"))
        .order_by()
    )
    for household in page:
        household.size = sizes.get(household.pk, 0)  # type: ignore[attr-defined]
    return HouseholdPage(page, page[-1].number if more else "")


def id_search_record(user: User | AnonymousUser, number: str, *, request: HttpRequest | None = None) -> None:
    """A search by a full ID number, for the page and the API alike: limited per user (SECURITY.md F2; raises
    Throttled, its refusal audited) and audited (D1). The command line (no signed-in user) is audited only."""
    if user.pk is not None:
        through_api = (
            getattr(request, "auth", None) is not None
        )  # django-ninja's token authentication sets it
        throttle_check(
            user,
            "registry.search_id",
            request=request,
            object_type="member",
            object_id=mask_id(number),
            details={"api": True} if through_api else None,
        )
    audit_record(
        action="registry.search_id",
        actor=user,
        request=request,
        object_type="member",
        object_id=mask_id(number),
    )


def _search(
    households: QuerySet[Household], query: str, user: User | AnonymousUser, request: HttpRequest | None
) -> QuerySet[Household]:
    query = query.strip()
    if ID_PATTERN.fullmatch(query):
        # A full ID number: exact match through the blind index, the search itself limited and audited.
        id_search_record(user, query, request=request)
        return households.filter(pk__in=_holding(blind_index(query)))
    if query.isdigit():
        # A number or its beginning; as a subquery, so the database reads the matches, not the scope, first.
        return households.filter(pk__in=Household.objects.filter(number__prefix=query).values("pk"))
    # A name or its beginning (a surname), matched from the member-name index. A full name matches a few hundred
    # members in a province, a surname hundreds of thousands, and PostgreSQL cannot tell them apart from its
    # statistics: given the name as a subquery it walked the province's households in list order, probing each
    # for the name (1.2 s at a million households). So the matches are read first; only when there are too many
    # to hand over does the list walk in order and stop at the first page, which is quick for a common prefix.
    named = Member.objects.filter(name__prefix=query, left_on__isnull=True).values_list(
        "household_id", flat=True
    )
    limit = lookup_chunk()
    found = list(named[: limit + 1])
    if len(found) <= limit:
        return households.filter(pk__among=found)
    return households.filter(pk__in=named)


def _holding(id_index: str) -> QuerySet[Member, Any]:
    """The household of every member, past or present, with this ID (an exact match through the blind index)."""
    return Member.objects.filter(id_index=id_index).values("household_id")


def household_for(user: User | AnonymousUser, number: str) -> Household | None:
    members = Member.objects.order_by("left_on", "id")
    return (
        households_for(user, merged=True)
        .select_related("village", "village__parent", "head", "merged_into")
        .prefetch_related(
            Prefetch("members", queryset=members),
            Prefetch("incomes", queryset=Income.objects.order_by("-year")),
        )
        .filter(number=number)
        .first()
    )


def member_for(user: User | AnonymousUser, member_id: int) -> Member | None:
    return (
        Member.objects.filter(scope_q(user, "household__village__code"), pk=member_id)
        .select_related("household")
        .first()
    )


def timeline_for(household: Household, *, limit: int | None = None) -> QuerySet[Change]:
    """A household's changes, newest first (the last `limit` of them when given)."""
    changes = Change.objects.filter(household=household).order_by("-at", "-id")
    return changes[:limit] if limit is not None else changes


def latest_income_year(household: Household) -> int | None:
    """The latest year of the household's incomes, from those household_for prefetched."""
    return max((income.year for income in household.incomes.all()), default=None)


def current_members(household: Household) -> list[Member]:
    """The household's members who have not left, from those household_for prefetched."""
    return [member for member in household.members.all() if member.left_on is None]
