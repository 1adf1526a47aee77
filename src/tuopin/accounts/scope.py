"""The one selector layer for area scope.

Every page, API endpoint, export, report and job reads scoped data through these functions. A user's scope is the
set of area codes they hold (or the one of them chosen as active in the page); an object is in scope when its area
code starts with one of them.

Area codes are digits (NBS codes: 2, 4, 6, 9 or 12 of them), and a code's prefix is its ancestor's code. So "at or
below code C" is the range C <= code <= C padded with 9s to twelve digits: exact for digit strings under any
collation, and answered from the code column's index (or a composite index starting with it) on every database, in
the index's order. A LIKE 'C%' is not: SQLite never uses an index for Django's LIKE ... ESCAPE, and PostgreSQL only
under the C collation or with a pattern-ops index that cannot give the ORDER BY of a list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, Q, QuerySet

from tuopin.areas.codes import area_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User

_M = TypeVar("_M", bound=Model)

ACTIVE_SCOPE_SESSION_KEY = "tuopin_scope"


JUDGE_ROLE = "judge"


def held_area_codes(user: User | AnonymousUser) -> list[str]:
    """All area codes the user holds, whatever is active, sorted. None for a judge-only account: it reads the
    contest rounds it judges (through its judge rows), never an area's data."""
    if not user.is_authenticated or not user.is_active or getattr(user, "role", "") == JUDGE_ROLE:
        return []
    cached: list[str] | None = getattr(user, "_held_area_codes", None)
    if cached is None:
        cached = sorted(user.area_links.values_list("area_id", flat=True))
        setattr(user, "_held_area_codes", cached)  # noqa: B010 - a per-request cache on the user object
    return cached


def area_codes(user: User | AnonymousUser) -> list[str]:
    """The codes that bound what the user sees now: the active one if chosen, else all held."""
    held = held_area_codes(user)
    active: str | None = getattr(user, "active_area_code", None)
    if active and active in held:
        return [active]
    return held


def code_in(code: str, roots: Iterable[str]) -> bool:
    return any(code.startswith(root) for root in roots)


def in_scope(user: User | AnonymousUser, code: str) -> bool:
    return code_in(code, area_codes(user))


def scope_q(user: User | AnonymousUser, field: str, *, within: str = "") -> Q:
    """A filter matching rows whose `field` (an area code) lies in the user's scope, narrowed to the area `within`
    when given; matches nothing if none. Narrowing here, rather than adding a second filter on the same column,
    keeps one range per code: a database walks an index along one range of a column and checks the other row by
    row (SQLite read a whole province's households to list one county)."""
    codes = area_codes(user)
    if within:
        codes = [within] if code_in(within, codes) else [code for code in codes if code.startswith(within)]
    if not codes:
        return Q(pk__in=[])
    query = Q()
    for code in codes:
        query |= area_q(field, code)
    return query


def scoped(user: User | AnonymousUser, queryset: QuerySet[_M], field: str) -> QuerySet[_M]:
    return queryset.filter(scope_q(user, field))


UNIT_ROLE = "unit"


def held_unit_ids(user: User | AnonymousUser) -> list[int]:
    """The helping units a `unit` user acts for: those it is linked to and the departments under them. Empty for
    every other role. (The links belong to the assistance app and are read through the user's reverse relation and
    the app registry, so that this layer imports no domain app.)"""
    if not user.is_authenticated or not user.is_active or getattr(user, "role", "") != UNIT_ROLE:
        return []
    cached: list[int] | None = getattr(user, "_held_unit_ids", None)
    if cached is None:
        from django.apps import apps

        unit_model = apps.get_model("assistance", "HelpingUnit")
        linked = list(user.unit_links.values_list("unit_id", flat=True))
        cached = (
            sorted(
                unit_model.objects.filter(Q(pk__in=linked) | Q(parent_id__in=linked)).values_list(
                    "pk", flat=True
                )
            )
            if linked
            else []
        )
        setattr(user, "_held_unit_ids", cached)  # noqa: B010 - a per-request cache on the user object
    return cached


def ledger_q(
    user: User | AnonymousUser,
    *,
    area: str,
    unit: str | None = None,
    also_area: str | None = None,
    within: str = "",
) -> Q:
    """The rows of an assistance ledger the user may see. A `unit` user sees exactly the rows of its units (`unit`,
    the row's helping-unit field; nothing when the ledger has none), whatever its area scope; every other user sees
    the rows whose `area` (or `also_area`, e.g. the helping county of a county pairing) lies in its area scope."""
    if getattr(user, "role", "") == UNIT_ROLE:
        units = held_unit_ids(user)
        if unit is None or not units:
            return Q(pk__in=[])
        query = Q(**{f"{unit}__in": units})
        return query & area_q(area, within) if within else query
    query = scope_q(user, area, within=within)
    if also_area:
        query |= scope_q(user, also_area, within=within)
    return query


def in_units(user: User | AnonymousUser, unit_id: int | None) -> bool:
    """Whether a `unit` user acts for this helping unit."""
    return unit_id is not None and unit_id in held_unit_ids(user)
