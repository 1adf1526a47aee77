"""Scoped reads of alerts and screenings (SECURITY.md A: one selector layer): an alert is seen by the offices whose
scope holds its area (the household's village, or the county of a person outside the registry)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.accounts.scope import scope_q
from tuopin.areas.codes import area_q
from tuopin.areas.models import Area
from tuopin.feeds.selectors import feed_files
from tuopin.monitoring.calendar import window_start
from tuopin.monitoring.models import OPEN_STATUSES, Alert, AlertStatus, Case, CaseState, Screening, SelfReport
from tuopin.monitoring.services import MONITORING_OFFICES
from tuopin.procedures.flows import Kind
from tuopin.procedures.models import Procedure
from tuopin.procedures.selectors import household_procedures_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser


@dataclass
class AlertFilter:
    rule: str = ""
    status: str = ""
    area: str = ""
    overdue: bool = False


def overdue_q(today: date) -> Q:
    """Open alerts past a deadline: not checked by the first, or not concluded by the second."""
    return Q(status=AlertStatus.NEW, first_check_due__lt=today) | Q(
        status__in=OPEN_STATUSES, conclusion_due__lt=today
    )


def alerts_for(
    user: AnyUser | None, filters: AlertFilter | None = None, *, today: date | None = None
) -> QuerySet[Alert]:
    """Alerts in the user's scope; `user` None is the command line run by the server's operator (no scope, as the
    services' actor None)."""
    filters = filters or AlertFilter()
    if user is None:
        alerts = (
            Alert.objects.filter(area_q("area_id", filters.area)) if filters.area else Alert.objects.all()
        )
    else:
        alerts = Alert.objects.filter(scope_q(user, "area_id", within=filters.area))
    if filters.rule:
        alerts = alerts.filter(rule=filters.rule)
    if filters.status == "open":
        alerts = alerts.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        alerts = alerts.filter(status=filters.status)
    if filters.overdue:
        alerts = alerts.filter(overdue_q(today or timezone.localdate()))
    return alerts.select_related("household", "household__head", "area", "assigned_to")


def alert_for(user: AnyUser, alert_id: int) -> Alert | None:
    return alerts_for(user).filter(pk=alert_id).first()


def alerts_listed(
    user: AnyUser,
    filters: AlertFilter | None = None,
    *,
    today: date | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> QuerySet[Alert]:
    """Alerts in scope in the order of the inbox and the API (the earliest first check due first); `limit` of them
    from `offset` when a limit is given."""
    alerts = alerts_for(user, filters, today=today).order_by("first_check_due", "id")
    return alerts[offset : offset + limit] if limit is not None else alerts


def alerts_chosen(user: AnyUser, ids: Iterable[int]) -> list[Alert]:
    """The alerts of these ids that lie in the user's scope (a bulk action's selection)."""
    return list(alerts_for(user).filter(pk__in=list(ids)))


def checkers_for(user: AnyUser, *, limit: int = 200) -> list[User]:
    """Office users in the viewer's scope who may check alerts (the choices of a bulk assignment)."""
    return list(
        User.objects.filter(scope_q(user, "area_links__area_id"), role__in=MONITORING_OFFICES, is_active=True)
        .distinct()
        .order_by("role", "username")[:limit]
    )


def reports_for(user: AnyUser, alert: Alert) -> QuerySet[SelfReport]:
    """The public-form reports behind a self-report alert, in the user's scope (the reporter's village)."""
    return SelfReport.objects.filter(scope_q(user, "village_id"), alert=alert).order_by("id")


def report_for(user: AnyUser, report_id: int) -> SelfReport | None:
    return SelfReport.objects.filter(scope_q(user, "village_id"), pk=report_id).first()


def due(alert: Alert) -> date | None:
    """The next deadline of an open alert: the first check until it is done, then the conclusion."""
    if alert.status == AlertStatus.NEW:
        return alert.first_check_due
    return alert.conclusion_due if alert.status in OPEN_STATUSES else None


def escalated_to(alert: Alert, today: date) -> str:
    """Past a deadline the alert is also the next level's business: the township when the village has not checked
    it in time, the county when it is not concluded in time."""
    if alert.status in OPEN_STATUSES and alert.conclusion_due < today:
        return "county"
    if alert.status == AlertStatus.NEW and alert.first_check_due < today:
        return "township"
    return ""


@dataclass
class AlertBoard:
    open: int
    overdue: int
    by_rule: dict[str, int]
    by_status: dict[str, int]
    by_child: list[dict[str, Any]]  # open and overdue alerts per area one level below the board's area


def board_for(user: AnyUser, area: str = "", today: date | None = None) -> AlertBoard:
    from django.db.models import Q
    from django.db.models.functions import Substr

    from tuopin.accounts.scope import area_codes
    from tuopin.areas.codes import child_length

    today = today or timezone.localdate()
    alerts = Alert.objects.filter(scope_q(user, "area_id", within=area))
    open_alerts = alerts.filter(status__in=OPEN_STATUSES)
    codes = [area] if area else area_codes(user)
    by_child: list[dict[str, Any]] = []
    if len(codes) == 1 and (length := child_length(codes[0])):
        rows = (
            open_alerts.annotate(child=Substr("area_id", 1, length))
            .values("child")
            .annotate(
                n=Count("id"), overdue=Count("id", filter=overdue_q(today) & Q(status__in=OPEN_STATUSES))
            )
            .order_by("child")
        )
        names = dict(Area.objects.filter(parent_id=codes[0]).values_list("code", "name"))
        own = _(
            "本级（未建档人员，按身份证号所属县）"
        )  # people outside the registry are placed at their county
        by_child = [
            {
                "code": r["child"],
                "name": own if r["child"] == codes[0] else names.get(r["child"], r["child"]),
                "open": r["n"],
                "overdue": r["overdue"],
            }
            for r in rows
        ]
    return AlertBoard(
        open=open_alerts.count(),
        overdue=open_alerts.filter(overdue_q(today)).count(),
        by_rule=dict(open_alerts.values_list("rule").annotate(n=Count("id")).order_by()),
        by_status=dict(alerts.values_list("status").annotate(n=Count("id")).order_by()),
        by_child=by_child,
    )


def screenings_for(user: AnyUser) -> QuerySet[Screening]:
    """Screenings cover the whole registry and hold only counts: every signed-in office sees them."""
    return Screening.objects.all()


def latest_screenings_for(user: AnyUser, limit: int = 5) -> list[Screening]:
    return list(screenings_for(user)[:limit])


FEED_OF_RULE = {
    "medical": ("medical", "settled_on"),
    "dropout": ("education", "occurred_on"),
    "housing": ("housing", "appraised_on"),
    "disability": ("disability", "issued_on"),
    "disaster": ("disaster", "occurred_on"),
    "civil": ("civil", "occurred_on"),
    "unemployment": ("employment", "occurred_on"),
}


def alert_feed_rows(alert: Alert, limit: int = 50) -> list[dict[str, Any]]:
    """The feed rows behind an alert: those of its person (or, without one, of the household's members) up to the
    as-of date of the latest screening, newest first, under the department's headers with choices as their labels;
    the masked ID, never a blind index or its integer key (the files hold no ID in clear)."""
    import duckdb

    from tuopin.feeds.sources import SOURCES

    if alert.rule not in FEED_OF_RULE:
        return []
    code, column = FEED_OF_RULE[alert.rule]
    files = feed_files(code)
    if not files:
        return []
    if alert.person_index:
        people = [alert.person_index]
    else:
        assert alert.household is not None
        people = list(alert.household.members.filter(left_on__isnull=True).values_list("id_index", flat=True))
    source = SOURCES[code]
    headers = {
        "id_masked": source.id_column.header,
        **{c.field: c.header for c in source.data_columns},
        "batch_id": _("批次"),
        "row": _("行号"),
    }
    labels = {
        c.field: {choice.code: choice.label for choice in c.choices}
        for c in source.data_columns
        if c.kind == "enum"
    }
    paths = ", ".join(f"'{f.as_posix()}'" for f in files)
    as_of = date.fromisoformat(alert.evidence.get("as_of", alert.last_seen.isoformat()))
    # The rows the rule counted: those of its twelve months (housing: the appraisals up to the date, the latest
    # of which the rule judged).
    since = date.min if alert.rule == "housing" else window_start(as_of)
    con = duckdb.connect()
    sql = (
        f"SELECT {', '.join(chr(34) + n + chr(34) for n in headers)} FROM read_parquet([{paths}], "  # noqa: S608
        f'union_by_name = true) WHERE id_index IN (SELECT unnest(?)) AND "{column}" > ? '
        f'AND "{column}" <= ? ORDER BY "{column}" DESC LIMIT {int(limit)}'
    )
    rows = con.execute(sql, [people, since, as_of]).fetchall()
    con.close()
    return [
        {
            str(headers[name]): labels.get(name, {}).get(value, value)
            for name, value in zip(headers, row, strict=True)
        }
        for row in rows
    ]


def cases_for(user: AnyUser, *, state: str = "", type: str = "", area: str = "") -> QuerySet[Case]:
    cases = Case.objects.filter(scope_q(user, "area_id", within=area))
    if state:
        cases = cases.filter(state=state)
    if type:
        cases = cases.filter(type=type)
    return cases.select_related("household", "household__head", "area")


def cases_listed(user: AnyUser, *, state: str = "", type: str = "") -> QuerySet[Case]:
    """cases_for in the order of the case board: the latest opened first."""
    return cases_for(user, state=state, type=type).order_by("-opened_on", "-id")


def case_for(user: AnyUser, case_id: int) -> Case | None:
    return cases_for(user).filter(pk=case_id).first()


def elimination_procedures_for(user: AnyUser, case: Case) -> QuerySet[Procedure]:
    """The risk-elimination procedures of the case's household in the user's scope, newest first."""
    return household_procedures_for(user, case.household).filter(kind=Kind.RISK_ELIMINATION).order_by("-id")


def case_board_for(user: AnyUser, area: str = "") -> dict[str, Any]:
    """Counts for the board: by state, by type and by risk type of the cases under monitoring, eliminated this
    year."""
    cases = Case.objects.filter(scope_q(user, "area_id", within=area))
    monitoring = cases.filter(state=CaseState.MONITORING)
    risks: dict[str, int] = {}
    for risk_types in monitoring.values_list("risk_types", flat=True):
        for risk in risk_types:
            risks[risk] = risks.get(risk, 0) + 1
    return {
        "by_state": dict(cases.values_list("state").annotate(n=Count("id")).order_by()),
        "by_type": dict(monitoring.values_list("type").annotate(n=Count("id")).order_by()),
        "by_risk": risks,
        "eliminated_this_year": cases.filter(eliminated_on__year=timezone.localdate().year).count(),
    }


# --- the public self-report form: names of divisions only ------------------------------------------------------------


def report_counties() -> list[tuple[str, str]]:
    """Every county (code, name), the first choice of the public form."""
    return list(Area.objects.filter(level="county").order_by("code").values_list("code", "name"))


def report_areas_under(parent: str, *, limit: int = 1000) -> QuerySet[Area]:
    """The townships of a county or the villages of a township (nothing for anything else)."""
    if len(parent) not in (6, 9) or not parent.isdigit():
        return Area.objects.none()
    return Area.objects.filter(parent_id=parent, level__in=["township", "village"]).order_by("code")[:limit]
