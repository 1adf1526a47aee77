"""Scoped reads for the measures page: the years a user's area has incomes for, and the registry's measures of an
area the user may see (or of the whole scope)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuopin.accounts.scope import area_codes, in_scope
from tuopin.measures.registry import RegistryMeasures, UnknownArea, registry_measures
from tuopin.measures.specs import Spec
from tuopin.registry.models import Income
from tuopin.registry.selectors import households_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User

    AnyUser = User | AnonymousUser


def income_years_for(user: AnyUser, *, within: str = "") -> list[int]:
    """The years with an income record of a household in the user's scope (in `within` when given), newest first."""
    households = households_for(user, within=within)
    years = Income.objects.filter(household__in=households).values_list("year", flat=True)
    return list(years.distinct().order_by("-year"))


def measures_for(user: AnyUser, year: int, spec: Spec, *, within: str = "") -> RegistryMeasures:
    """The registry's measures of year `year` for the area `within` (which must lie in the user's scope: UnknownArea
    otherwise, as for a code that does not exist) or, without one, for every area the user holds (each a group)."""
    if within and not in_scope(user, within):
        raise UnknownArea(within)
    roots = [within] if within else area_codes(user)
    if not roots:
        raise UnknownArea("")
    return registry_measures(year, spec, within=roots)
