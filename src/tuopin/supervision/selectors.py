"""Scoped reads of the supervision ledgers: every page, export and command reads through these."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Length, Substr
from django.utils import translation

from tuopin.accounts.scope import area_codes, scope_q
from tuopin.areas.codes import LENGTH_OF_LEVEL, ancestor_codes, area_q, child_length, code_at
from tuopin.areas.models import Area
from tuopin.supervision.models import (
    Answer,
    Checklist,
    Evidence,
    Finding,
    Item,
    ListedArea,
    ListedList,
    ListedPerson,
    Question,
    Round,
    Source,
    Status,
)
from tuopin.supervision.services import RESPONSIBLE, VERIFIER, days_overdue

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User

    AnyUser = User | AnonymousUser


def ancestors(user: AnyUser) -> list[str]:
    """The codes above the user's areas: an office there may publish to, list, or inspect the user's area."""
    return sorted({above for code in area_codes(user) for above in ancestor_codes(code)})


# --- rectification ---------------------------------------------------------------------------------------------


def overdue_q(as_of: date) -> Q:
    """Overdue: the deadline is before the as-of date and the item is not closed (a deadline of today is not)."""
    return Q(deadline__lt=as_of) & ~Q(status=Status.CLOSED)


def items_for(
    user: AnyUser | None,
    *,
    within: str = "",
    status: str = "",
    source: str = "",
    category: str = "",
    overdue_as_of: date | None = None,
    query: str = "",
) -> QuerySet[Item]:
    """Items in the user's scope (None: the system, everything), narrowed by the filters given."""
    items = Item.objects.all()
    if user is None:
        items = items.filter(area_q("area_id", within)) if within else items
    else:
        items = items.filter(scope_q(user, "area_id", within=within))
    if status:
        items = items.filter(status=status)
    if source:
        items = items.filter(source=source)
    if category:
        items = items.filter(category=category)
    if overdue_as_of is not None:
        items = items.filter(overdue_q(overdue_as_of))
    if query:
        items = items.filter(Q(number__icontains=query) | Q(description__icontains=query))
    return items.select_related("area")


def items_listed(
    user: AnyUser,
    *,
    within: str = "",
    status: str = "",
    source: str = "",
    category: str = "",
    overdue_as_of: date | None = None,
    query: str = "",
) -> QuerySet[Item]:
    """items_for in the order of the ledger page: the nearest deadline first."""
    found = items_for(
        user,
        within=within,
        status=status,
        source=source,
        category=category,
        overdue_as_of=overdue_as_of,
        query=query,
    )
    return found.order_by("deadline", "number")


def overdue_count(user: AnyUser, *, within: str = "", as_of: date) -> int:
    return items_for(user, within=within, overdue_as_of=as_of).count()


def status_label(status: str) -> str:
    """A state's Chinese label, as the ledger sheet and the JSON contracts write it."""
    with translation.override("zh-hans"):
        return str(Status(status).label)


def overdue_report(user: AnyUser | None, *, as_of: date, within: str = "") -> dict[str, Any]:
    """`{"overdue": N, "items": [{"number", "area", "deadline", "status", "days_overdue"}]}`: the contract of
    `tuopin rectify overdue --json` and of the API, oldest deadline first."""
    items = items_for(user, within=within, overdue_as_of=as_of).order_by("deadline", "number")
    rows = [
        {
            "number": i.number,
            "area": i.area_id,
            "deadline": i.deadline.isoformat(),
            "status": status_label(i.status),
            "days_overdue": days_overdue(i, as_of),
        }
        for i in items
    ]
    return {"overdue": len(rows), "items": rows}


def item_for(user: AnyUser, item_id: int) -> Item | None:
    return (
        items_for(user)
        .select_related("finding__round")
        .prefetch_related("steps", "evidence")
        .filter(pk=item_id)
        .first()
    )


def evidence_for(user: AnyUser, evidence_id: int) -> Evidence | None:
    """A file of evidence, when its item is in the user's scope."""
    return (
        Evidence.objects.filter(scope_q(user, "item__area_id"), pk=evidence_id).select_related("item").first()
    )


def escalated_for(user: AnyUser, as_of: date, *, limit: int | None = None) -> QuerySet[Item]:
    """Overdue items that the user's office verifies: the level above sees what its level below let slip (the
    first `limit` of them when given)."""
    lengths = [
        LENGTH_OF_LEVEL[level]
        for level, office in RESPONSIBLE.items()
        if VERIFIER[office] == getattr(user, "role", "")
    ]
    if not lengths:
        return Item.objects.none()
    items = (
        items_for(user, overdue_as_of=as_of)
        .annotate(code_length=Length("area_id"))
        .filter(code_length__in=lengths)
        .exclude(area_id__in=area_codes(user))
        .order_by("deadline", "number")
    )
    return items[:limit] if limit is not None else items


def status_counts(items: QuerySet[Item]) -> dict[str, int]:
    counts = dict(items.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {value: counts.get(value, 0) for value in Status.values}


@dataclass
class ReconcileRow:
    source: str
    area: str
    name: str
    found: int = 0
    closed: int = 0
    overdue: int = 0

    @property
    def rate(self) -> float:
        return round(100 * self.closed / self.found, 1) if self.found else 0.0


@dataclass
class Reconciliation:
    root: str
    as_of: date
    rows: list[ReconcileRow] = field(default_factory=list)  # per source and area
    areas: list[ReconcileRow] = field(default_factory=list)  # per area, all sources

    def chart(self) -> dict[str, Any]:
        return {"names": [r.name for r in self.areas], "rates": [r.rate for r in self.areas]}


def reconcile(user: AnyUser | None, *, within: str, as_of: date) -> Reconciliation:
    """Per source and per area one level below `within`: found, closed, overdue and the closure rate (one query)."""
    size = child_length(within) or len(within)  # a village's own items below a village
    grouped = (
        items_for(user, within=within)
        .order_by()
        .annotate(part=Substr("area_id", 1, size))
        .values("source", "part")
        .annotate(
            found=Count("id"),
            closed=Count("id", filter=Q(status=Status.CLOSED)),
            overdue=Count("id", filter=overdue_q(as_of)),
        )
    )
    rows = list(grouped)
    names = dict(Area.objects.filter(code__in={r["part"] for r in rows}).values_list("code", "name"))
    result = Reconciliation(within, as_of)
    by_area: dict[str, ReconcileRow] = {}
    labels = dict(Source.choices)
    for row in sorted(rows, key=lambda r: (Source.values.index(r["source"]), r["part"])):
        name = names.get(row["part"], row["part"])
        result.rows.append(
            ReconcileRow(
                str(labels[row["source"]]), row["part"], name, row["found"], row["closed"], row["overdue"]
            )
        )
        total = by_area.setdefault(row["part"], ReconcileRow("", row["part"], name))
        total.found += row["found"]
        total.closed += row["closed"]
        total.overdue += row["overdue"]
    result.areas = [by_area[code] for code in sorted(by_area)]
    return result


# --- inspections -----------------------------------------------------------------------------------------------


def _over_q(user: AnyUser, field_name: str) -> Q:
    """Rows whose area is in the user's scope or above it (a round over the city concerns each of its counties)."""
    return scope_q(user, field_name) | Q(**{f"{field_name}__in": ancestors(user)})


def checklists() -> QuerySet[Checklist]:
    return Checklist.objects.prefetch_related("items")


def rounds_for(user: AnyUser) -> QuerySet[Round]:
    return Round.objects.filter(_over_q(user, "area_id")).select_related("area", "checklist")


def round_for(user: AnyUser, round_id: int) -> Round | None:
    return rounds_for(user).filter(pk=round_id).first()


def latest_rounds_for(user: AnyUser, limit: int = 100) -> list[Round]:
    return list(rounds_for(user)[:limit])


def findings_for(user: AnyUser, inspection: Round | None = None) -> QuerySet[Finding]:
    """Findings in the user's scope, of one round or (None) of every round (its area contains the finding's, so
    the round is one the user sees)."""
    findings = Finding.objects.filter(scope_q(user, "area_id"))
    if inspection is not None:
        findings = findings.filter(round=inspection)
    return findings.select_related("area", "checklist_item", "item").order_by(
        "round_id", "checklist_item__position", "area_id"
    )


# --- listed supervision ----------------------------------------------------------------------------------------


def listings_for(user: AnyUser) -> QuerySet[ListedList]:
    return ListedList.objects.filter(_over_q(user, "area_id")).select_related("area")


def listing_for(user: AnyUser, listing_id: int) -> ListedList | None:
    return listings_for(user).filter(pk=listing_id).first()


def latest_listings_for(user: AnyUser, limit: int = 100) -> list[ListedList]:
    return list(listings_for(user)[:limit])


@dataclass
class ListedRow:
    listed: ListedArea
    persons: int = 0
    cleared: int = 0

    @property
    def is_cleared(self) -> bool:
        return self.persons == self.cleared


def listed_areas_for(user: AnyUser, listing: ListedList) -> list[ListedRow]:
    """The listing's counties and villages in the user's scope, each with its persons and how many are cleared
    (a county counts the persons of its listed villages)."""
    listed = list(
        ListedArea.objects.filter(scope_q(user, "area_id"), listing=listing)
        .select_related("area")
        .order_by("area")
    )
    counts = (
        ListedPerson.objects.filter(listed__listing=listing, village_id__in=[r.area_id for r in listed])
        .values("village_id")
        .annotate(n=Count("id"), cleared=Count("id", filter=Q(cleared_on__isnull=False)))
        .order_by()
    )
    by_village = {row["village_id"]: (row["n"], row["cleared"]) for row in counts}
    county_totals: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    for village, (n, cleared) in by_village.items():
        county = county_totals[code_at(village, "county")]
        county[0] += n
        county[1] += cleared
    rows = []
    for entry in listed:
        n, cleared = by_village.get(entry.area_id) or tuple(county_totals.get(entry.area_id, (0, 0)))
        rows.append(ListedRow(entry, n, cleared))
    return rows


def listed_persons_for(user: AnyUser, listed: ListedArea) -> QuerySet[ListedPerson]:
    return (
        ListedPerson.objects.filter(scope_q(user, "village_id"), listed=listed)
        .select_related("member__household")
        .prefetch_related("entries")
        .order_by("member__household__number", "member_id")
    )


def listed_area_for(user: AnyUser, listed_id: int) -> ListedArea | None:
    return (
        ListedArea.objects.filter(scope_q(user, "area_id"), pk=listed_id)
        .select_related("listing", "area")
        .first()
    )


def listed_person_for(user: AnyUser, person_id: int) -> ListedPerson | None:
    return (
        ListedPerson.objects.filter(scope_q(user, "village_id"), pk=person_id)
        .select_related("listed")
        .first()
    )


# --- questions and answers -------------------------------------------------------------------------------------


def _published_q(user: AnyUser) -> Q:
    return _over_q(user, "published__area_id")


def questions_for(user: AnyUser, *, query: str = "") -> QuerySet[Question]:
    """Questions asked in the user's scope, and those with an answer published to an area overlapping it."""
    visible_answers = Answer.objects.filter(_published_q(user), question=OuterRef("pk"))
    questions = Question.objects.filter(scope_q(user, "area_id") | Q(Exists(visible_answers)))
    if query:
        matching = Answer.objects.filter(_published_q(user), question=OuterRef("pk"), text__icontains=query)
        questions = questions.filter(Q(text__icontains=query) | Q(Exists(matching)))
    answers = Answer.objects.filter(_published_q(user)).distinct().order_by("id")
    return questions.select_related("area").prefetch_related(Prefetch("answers", answers, to_attr="visible"))


def question_for(user: AnyUser, question_id: int) -> Question | None:
    return questions_for(user).filter(pk=question_id).first()
