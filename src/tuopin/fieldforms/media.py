"""The media files of a form: CSVs that `select_one_from_file` and `pulldata` read on the phone, generated for the
downloading user's scope at the moment of download (through the scoped selectors), so that a phone holds only what
its user may see: names and masked ID numbers, never a full ID number nor a phone number.

Each household row carries the household's data version (`household_versions`), and each alert row the alert's; the
form sends it back, and `apply` sends a submission to review when the server's version moved on meanwhile."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.db.models import QuerySet, Sum

from tuopin.accounts.areas import areas_for
from tuopin.assistance.models import TargetType
from tuopin.assistance.selectors import duties_for
from tuopin.assistance.visits import person_key
from tuopin.core.idmask import mask_id
from tuopin.monitoring.models import OPEN_STATUSES, Rule
from tuopin.monitoring.selectors import AlertFilter, alerts_for
from tuopin.registry.models import Household, Income, Member
from tuopin.registry.selectors import households_for

if TYPE_CHECKING:
    from tuopin.accounts.models import User

Rows = list[dict[str, str]]


def household_versions(household_ids: Iterable[int]) -> dict[int, str]:
    """THE data version of each household as a phone sees it: the household's own version and the sums of its
    members' and incomes' versions ("3.7.2"). Every write of the registry raises one of the three (a member's or an
    income's change leaves the household's own version alone), and none lowers one without raising the first."""
    ids = list(household_ids)
    members = _sums(Member.objects.filter(household_id__in=ids))
    incomes = _sums(Income.objects.filter(household_id__in=ids))
    own = dict(Household.objects.filter(pk__in=ids).values_list("pk", "version"))
    return {pk: f"{own[pk]}.{members.get(pk, 0)}.{incomes.get(pk, 0)}" for pk in own}


def _sums(rows: QuerySet[Member] | QuerySet[Income]) -> dict[int, int]:
    grouped = rows.values("household_id").annotate(version_sum=Sum("version"))
    return {row["household_id"]: row["version_sum"] or 0 for row in grouped}


def _person(name: str, id_masked: str) -> str:
    return f"{name} {mask_id(id_masked)}".strip()  # masked again: a masked value stays as it is


def _households(user: User) -> Rows:
    households = list(households_for(user).select_related("head").order_by("number"))
    versions = household_versions(h.pk for h in households)
    return [
        {
            "name": h.number,
            "label": f"{h.number} {_person(h.head.name, h.head.id_masked) if h.head else ''}".strip(),
            "village": h.village_id,
            "version": versions[h.pk],
        }
        for h in households
    ]


def _members(user: User) -> Rows:
    members = Member.objects.filter(household__in=households_for(user), left_on__isnull=True).select_related(
        "household"
    )
    return [
        {
            "name": str(m.pk),
            "label": _person(m.name, m.id_masked),
            "household": m.household.number,
            "version": str(m.version),
        }
        for m in members.order_by("household__number", "pk")
    ]


def _duties(user: User) -> Rows:
    """The user's own duties (by the name they are given to) at a household or a village of the scope."""
    who = person_key(user.full_name or user.get_username())
    duties = duties_for(user).filter(who=who, target_type__in=(TargetType.HOUSEHOLD, TargetType.VILLAGE))
    return [
        {
            "name": str(d.pk),
            "label": f"{d.get_frequency_display()} {d.target_code}",
            "household": d.target_code if d.target_type == TargetType.HOUSEHOLD else "",
        }
        for d in duties.order_by("target_code", "pk")
    ]


def _alerts(user: User) -> Rows:
    alerts = alerts_for(user, AlertFilter(status="open")).filter(status__in=OPEN_STATUSES)
    rows = []
    for alert in alerts.order_by("pk"):
        if alert.household is not None and alert.household.head is not None:
            who = _person(alert.household.head.name, alert.household.head.id_masked)
        elif alert.rule == Rule.SELF_REPORT:
            who = str(alert.evidence.get("name", ""))
        else:
            who = alert.person_masked
        rows.append(
            {
                "name": str(alert.pk),
                "label": f"#{alert.pk} {alert.get_rule_display()} {who}".strip(),
                "household": alert.household.number if alert.household else "",
                "village": alert.area_id,
                "version": str(alert.version),
            }
        )
    return rows


def _villages(user: User) -> Rows:
    return [
        {"name": area.code, "label": area.name}
        for area in areas_for(user).filter(level="village").order_by("code")
    ]


FILES: dict[str, Callable[[User], Rows]] = {
    "households.csv": _households,
    "members.csv": _members,
    "duties.csv": _duties,
    "alerts.csv": _alerts,
    "villages.csv": _villages,
}
COLUMNS = {
    "households.csv": ("name", "label", "village", "version"),
    "members.csv": ("name", "label", "household", "version"),
    "duties.csv": ("name", "label", "household"),
    "alerts.csv": ("name", "label", "household", "village", "version"),
    "villages.csv": ("name", "label"),
}


def _csv(name: str, rows: Rows) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS[name], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def media_for(user: User, form_id: str) -> dict[str, bytes]:
    """The form's media files for the user's scope now: {file name: CSV bytes}. Unknown form: KeyError."""
    from tuopin.fieldforms.forms import FORMS, forms_for

    spec = FORMS[form_id]
    if spec not in forms_for(user):
        return {}
    return {name: _csv(name, FILES[name](user)) for name in spec.media}


def media_hash(content: bytes) -> str:
    return "md5:" + hashlib.md5(content, usedforsecurity=False).hexdigest()


def data_version(user: User, form_id: str) -> str:
    """One hash over the user's media files of the form: it changes when any of them would."""
    digest = hashlib.md5(usedforsecurity=False)
    for name, content in sorted(media_for(user, form_id).items()):
        digest.update(name.encode() + b"\0" + content + b"\0")
    return "md5:" + digest.hexdigest()
