"""Screening and alerts: run the screening rules over the snapshot and the feeds, keep one open alert per household
(or person) and rule with its evidence and deadlines, and record what the village found.

A screening refreshes the registry snapshot (tuopin.assessment.snapshot), runs every rule of tuopin.monitoring.rules
on DuckDB one province (one policy profile) at a time, and merges the result into the alerts in one transaction: a
household already under an open alert for the rule gets its evidence updated and counts as a repeat; any other
becomes a new alert with its deadlines (first check and conclusion, in working days from the policy).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tuopin.accounts.models import User
from tuopin.accounts.permissions import can_write, write_required
from tuopin.accounts.roles import Capability
from tuopin.accounts.scope import in_scope
from tuopin.areas.codes import code_at
from tuopin.areas.models import Area
from tuopin.areas.signals import figures_stale
from tuopin.audit.services import audit_record
from tuopin.core.errors import StaleEdit
from tuopin.feeds.selectors import feed_files
from tuopin.monitoring.calendar import add_working_days
from tuopin.monitoring.models import OPEN_STATUSES, Alert, AlertStatus, Rule, Screening, SelfReport
from tuopin.monitoring.rules import FEED_SCHEMAS, FEED_TABLES, RULES, ScreenParams, screening
from tuopin.policy.selectors import policy_for
from tuopin.registry.models import Household

# The policy values behind each rule, shown with their sources in the alert's evidence.
RULE_KEYS = {
    "medical": ("medical_oop_ratio_exited", "medical_oop_ratio_other", "rural_disposable_income"),
    "income": ("monitoring_line",),
    "income_drop": ("income_drop_ratio",),
    "dropout": ("school_age_min", "school_age_max", "school_age_cutoff"),
    "disaster": ("disaster_loss_ratio",),
}


def _connection(snapshot: Path) -> Any:
    """DuckDB with the snapshot's tables and one view per feed over its accepted files (an empty table when none)."""
    from tuopin.assessment.engine import duckdb_connection, table_ddl

    con = duckdb_connection(snapshot)
    for name, schema in FEED_SCHEMAS.items():
        source, totals = FEED_TABLES[name]
        files = feed_files(source, totals=totals)
        columns = ", ".join(f'"{c}"' for c in schema)
        if files:  # paths of our own data directory, names of our own schema
            paths = ", ".join(f"'{f.as_posix()}'" for f in files)
            sql = f"CREATE VIEW {name} AS SELECT {columns} FROM read_parquet([{paths}], union_by_name = true)"  # noqa: S608
        else:
            sql = f"CREATE TABLE {name} ({table_ddl(schema, 'duckdb')})"
        con.execute(sql)
    return con


def params_for(as_of: date, province: str) -> ScreenParams:
    return ScreenParams.from_profiles(
        as_of, policy_for(as_of.year, province), policy_for(as_of.year - 1, province)
    )


@dataclass
class ScreenResult:
    as_of: date
    new: int = 0
    repeat: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, list[str]] = field(default_factory=dict)  # province: rules without their policy value
    unplaced: int = 0  # people outside the registry whose ID's county is not a known area

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "alerts": {"new": self.new, "repeat": self.repeat},
            "by_rule": self.by_rule,
            "skipped": self.skipped,
            "unplaced": self.unplaced,
        }


def screen_rows(
    as_of: date, *, snapshot: Path | None = None, area: str = "", engine: str = "duckdb"
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The rows every rule flags on `as_of` (DuckDB, or Spark, over the snapshot and the feeds), with the province
    of each."""
    from tuopin.assessment.engine import run_spark, sql_for
    from tuopin.assessment.snapshot import snapshot_dir, snapshot_refresh

    snapshot = snapshot or snapshot_dir()
    snapshot_refresh(snapshot)
    con = _connection(snapshot) if engine == "duckdb" else None
    feeds = {
        name: (schema, feed_files(FEED_TABLES[name][0], totals=FEED_TABLES[name][1]))
        for name, schema in FEED_SCHEMAS.items()
    }
    provinces = sorted(
        code
        for code in Area.objects.filter(level="province").values_list("code", flat=True)
        if not area or code == code_at(area, "province")
    )
    rows: list[dict[str, Any]] = []
    skipped: dict[str, list[str]] = {}
    for province in provinces:
        expr, missing = screening(params_for(as_of, province), area or province)
        if missing:
            skipped[province] = missing
        if expr is not None:
            table = (
                con.sql(sql_for(expr, "duckdb")).to_arrow_table()
                if con is not None
                else run_spark(expr, snapshot, feeds)
            )
            rows.extend({**row, "province": province} for row in table.to_pylist())
    if con is not None:
        con.close()
    return rows, skipped


def _evidence(row: dict[str, Any], as_of: date, profile: Any, last_year: Any) -> dict[str, Any]:
    def money(cents: int | None) -> str | None:
        return None if cents is None else f"{cents / 100:.2f}"

    policy = {}
    for key in RULE_KEYS.get(row["rule"], ()):
        setting = (last_year if key == "rural_disposable_income" else profile).get(key)
        if setting is not None:
            policy[key] = {"value": setting.value, "since": setting.since, "source": setting.source}
    return {
        "as_of": as_of.isoformat(),
        "amount": money(row["amount"]),
        "threshold": money(row["threshold"]),
        "rows": row["rows"],
        "latest": row["latest"].isoformat() if row["latest"] else None,
        "person": row["person_masked"] or "",
        "policy": policy,
    }


def screening_run(
    *,
    actor: User | None,
    as_of: date | None = None,
    snapshot: Path | None = None,
    engine: str = "duckdb",
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[Screening, ScreenResult]:
    """Screen the whole registry on `as_of` (default today) and merge the result into the alerts."""
    as_of = as_of or timezone.localdate()
    started = time.perf_counter()
    if progress:
        progress(0, 2, _("筛查中"))
    rows, skipped = screen_rows(as_of, snapshot=snapshot, engine=engine)
    if progress:
        progress(1, 2, _("写入预警"))
    result = ScreenResult(as_of, skipped=skipped, by_rule=dict.fromkeys(RULES, 0))
    profiles = {
        p: (policy_for(as_of.year, p), policy_for(as_of.year - 1, p)) for p in {r["province"] for r in rows}
    }
    with transaction.atomic():
        run = Screening.objects.create(
            as_of=as_of,
            started_by=actor.get_username() if actor else "system",
            policy={p: prof[0].snapshot() for p, prof in profiles.items()},
        )
        _merge(run, rows, as_of, profiles, result)
        run.new, run.repeat, run.by_rule = result.new, result.repeat, result.by_rule
        run.households = Household.objects.filter(merged_into__isnull=True).count()
        run.seconds = round(time.perf_counter() - started, 2)
        run.save()
        audit_record(
            action="monitoring.screen",
            actor=actor,
            object_type="screening",
            object_id=str(run.pk),
            details=result.as_dict(),
        )
        transaction.on_commit(lambda: figures_stale.send(sender="monitoring.screen", codes=None))
    return run, result


def _merge(
    run: Screening, rows: list[dict[str, Any]], as_of: date, profiles: dict[str, Any], result: ScreenResult
) -> None:
    from tuopin.core.bulk import batches, lookup_chunk

    household_ids = sorted({r["household_id"] for r in rows if r["household_id"] is not None})
    villages: dict[int, str] = {}
    for chunk in batches(household_ids, lookup_chunk()):
        villages.update(Household.objects.filter(pk__among=chunk).values_list("pk", "village_id"))
    people = sorted({r["person_index"] for r in rows if r["household_id"] is None})
    open_alerts = Alert.objects.filter(status__in=OPEN_STATUSES)
    by_household = {
        (a.household_id, a.rule): a
        for chunk in batches(household_ids, lookup_chunk())
        for a in open_alerts.filter(household_id__among=chunk)
    }
    by_person = {
        (a.person_index, a.rule): a
        for chunk in batches(people, lookup_chunk())
        for a in open_alerts.filter(household__isnull=True, person_index__among=chunk)
    }
    # Households under monitoring: new evidence goes straight into their case. A dismissed alert stays dismissed
    # while its evidence is the same (same amount, same latest row): only something new raises it again.
    from tuopin.monitoring.models import Case, CaseState

    cases = {
        c.household_id: c
        for chunk in batches(household_ids, lookup_chunk())
        for c in Case.objects.filter(state=CaseState.MONITORING, household_id__among=chunk)
    }
    dismissed = {
        (a.household_id, a.rule): (a.evidence.get("amount"), a.evidence.get("latest"))
        for chunk in batches(household_ids, lookup_chunk())
        for a in Alert.objects.filter(status=AlertStatus.NO_RISK, household_id__among=chunk).order_by("id")
    }
    counties = set(Area.objects.filter(level="county").values_list("code", flat=True))
    deadlines: dict[str, tuple[date, date]] = {}
    new: list[Alert] = []
    repeated: list[Alert] = []
    for row in rows:
        profile, last_year = profiles[row["province"]]
        evidence = _evidence(row, as_of, profile, last_year)
        household_id = row["household_id"]
        existing = (
            by_household.get((household_id, row["rule"]))
            if household_id is not None
            else by_person.get((row["person_index"], row["rule"]))
        )
        if existing is not None:
            existing.evidence, existing.last_seen, existing.screening = evidence, as_of, run
            existing.times_seen += 1
            repeated.append(existing)
            continue
        if household_id is not None and dismissed.get((household_id, row["rule"])) == (
            evidence["amount"],
            evidence["latest"],
        ):
            continue
        area = villages.get(household_id) if household_id is not None else (row["person_masked"] or "")[:6]
        if not area or (household_id is None and area not in counties):
            result.unplaced += 1
            continue
        if row["province"] not in deadlines:
            first = profile.value("alert_first_check_days") or 2
            final = profile.value("alert_conclusion_days") or 20
            deadlines[row["province"]] = (add_working_days(as_of, first), add_working_days(as_of, final))
        first_due, final_due = deadlines[row["province"]]
        alert = Alert(
            rule=row["rule"],
            household_id=household_id,
            person_index=row["person_index"] or "",
            person_masked=row["person_masked"] or "",
            area_id=area,
            evidence=evidence,
            first_seen=as_of,
            last_seen=as_of,
            first_check_due=first_due,
            conclusion_due=final_due,
            screening=run,
        )
        case = cases.get(household_id) if household_id is not None else None
        if case is not None:
            alert.status, alert.case, alert.concluded_on = AlertStatus.CASE, case, as_of
        if household_id is None:  # one alert per person and rule, even if several rows name them
            by_person[(alert.person_index, alert.rule)] = alert
        else:
            by_household[(household_id, alert.rule)] = alert
        new.append(alert)
        result.by_rule[row["rule"]] = result.by_rule.get(row["rule"], 0) + 1
    Alert.objects.bulk_create(new, batch_size=2000)
    Alert.objects.bulk_update(repeated, ["evidence", "last_seen", "screening", "times_seen"], batch_size=2000)
    result.new, result.repeat = len(new), len(repeated)
    for alert in repeated:
        result.by_rule[alert.rule] = result.by_rule.get(alert.rule, 0) + 1


# --- working an alert ------------------------------------------------------------------------------------------


MONITORING_OFFICES = ("village", "township", "county")


def may_work(actor: User | None, area: str, *, what: str, object_id: str) -> None:
    """Alerts and cases are worked by the village, township and county offices of their area (the command line,
    actor None, may do anything); a refusal is audited."""
    write_required(
        actor,
        allowed=can_write(actor, area) and actor is not None and actor.role in MONITORING_OFFICES,
        action=f"monitoring.{what}",
        object_type=what,
        object_id=object_id,
        message=_("只有管辖该区划的村、乡镇、县级用户可以核查预警。"),
    )


def _may_work(actor: User | None, alert: Alert) -> None:
    may_work(actor, alert.area_id, what="alert", object_id=str(alert.pk))


def _claim(alert: Alert, version: int) -> None:
    if not Alert.objects.filter(pk=alert.pk, version=version).update(version=F("version") + 1):
        raise StaleEdit(_("该记录已被他人修改，请刷新后重试。"))
    alert.version = version + 1


def alert_check(*, actor: User | None, alert: Alert, version: int, checked_on: date, finding: str) -> Alert:
    """The first check (a home visit or a call): what was found; the alert stays open until concluded."""
    _may_work(actor, alert)
    if alert.status != AlertStatus.NEW:
        raise ValidationError(_("该预警已核查。"))
    if checked_on > timezone.localdate() or checked_on < alert.first_seen:
        raise ValidationError({"checked_on": [_("核查日期应在发现日期与今天之间。")]})
    if not finding.strip():
        raise ValidationError({"finding": [_("请填写核查情况。")]})
    with transaction.atomic():
        _claim(alert, version)
        alert.status, alert.checked_on, alert.finding = (
            AlertStatus.CHECKING,
            checked_on,
            finding.strip()[:500],
        )
        alert.save(update_fields=["status", "checked_on", "finding"])
        audit_record(
            action="monitoring.alert_check",
            actor=actor,
            object_type="alert",
            object_id=str(alert.pk),
            area=alert.area_id,
        )
    return alert


def alert_dismiss(
    *, actor: User | None, alert: Alert, version: int, concluded_on: date, finding: str
) -> Alert:
    """Concluded without risk (排除): the reason is required; a later screening may raise it again."""
    _may_work(actor, alert)
    if alert.status not in OPEN_STATUSES:
        raise ValidationError(_("该预警已有结论。"))
    if concluded_on > timezone.localdate() or concluded_on < alert.first_seen:
        raise ValidationError({"concluded_on": [_("结论日期应在发现日期与今天之间。")]})
    if not finding.strip():
        raise ValidationError({"finding": [_("请填写排除理由。")]})
    with transaction.atomic():
        _claim(alert, version)
        alert.status, alert.concluded_on = AlertStatus.NO_RISK, concluded_on
        alert.finding = (f"{alert.finding}\n{finding.strip()}" if alert.finding else finding.strip())[:500]
        alert.save(update_fields=["status", "concluded_on", "finding"])
        audit_record(
            action="monitoring.alert_dismiss",
            actor=actor,
            object_type="alert",
            object_id=str(alert.pk),
            area=alert.area_id,
        )
    return alert


def alerts_assign(*, actor: User | None, alerts: list[Alert], assignee: User) -> int:
    """Give open alerts to one checker (an office user whose scope covers each of them), all or nothing."""
    problems = []
    for alert in alerts:
        _may_work(actor, alert)
        if alert.status not in OPEN_STATUSES:
            problems.append(_("预警 #%(id)s 已有结论。") % {"id": alert.pk})
        if not in_scope(assignee, alert.area_id) or not assignee.can(Capability.WRITE):
            problems.append(
                _("%(user)s 不管辖预警 #%(id)s 的区划。") % {"user": assignee.get_username(), "id": alert.pk}
            )
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        updated = Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(
            assigned_to=assignee, version=F("version") + 1
        )
        audit_record(
            action="monitoring.alert_assign",
            actor=actor,
            object_type="alert",
            object_id=",".join(str(a.pk) for a in alerts)[:64],
            details={"assignee": assignee.get_username(), "alerts": [a.pk for a in alerts]},
        )
    return updated


# --- self-report -------------------------------------------------------------------------------------------------

REPORTS_PER_CLIENT_HOUR = 3
REPORTS_PER_PHONE_DAY = 3


def self_report(*, village: str, name: str, phone: str, text: str, client: str) -> Alert:
    """A report from the public form becomes an alert for the village: one open alert per village and phone, so the
    same phone reporting for two villages raises one in each and neither sees the other's report. A later report
    from the phone for the village is appended to that alert's evidence; nothing already there is overwritten.
    Refused past the rate limits of the reporter's address and phone."""
    from datetime import timedelta

    from tuopin.core.crypto import blind_index, encrypt
    from tuopin.registry.idnumbers import mask_phone

    problems: dict[str, list[str]] = {}
    if not Area.objects.filter(code=village, level="village").exists():
        problems["village"] = [_("请选择所在的村。")]
    if not name.strip():
        problems["name"] = [_("请填写姓名。")]
    if not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        problems["phone"] = [_("请填写11位手机号码。")]
    if not text.strip():
        problems["text"] = [_("请说明遇到的困难。")]
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    client_index, phone_index = blind_index(f"client:{client}"), blind_index(f"phone:{phone}")
    if (
        SelfReport.objects.filter(client_index=client_index, created_at__gte=now - timedelta(hours=1)).count()
        >= REPORTS_PER_CLIENT_HOUR
        or SelfReport.objects.filter(phone_index=phone_index, created_at__gte=now - timedelta(days=1)).count()
        >= REPORTS_PER_PHONE_DAY
    ):
        raise ValidationError(_("提交过于频繁，请稍后再试，或直接联系村干部。"))
    report = SelfReport(
        village_id=village,
        name=name.strip()[:50],
        phone_encrypted=encrypt(phone),
        phone_masked=mask_phone(phone),
        phone_index=phone_index,
        text=text.strip()[:500],
        client_index=client_index,
    )
    with transaction.atomic():
        alert = _self_report_alert(report, timezone.localdate())
        report.alert = alert
        report.save()
        audit_record(
            action="monitoring.self_report", object_type="alert", object_id=str(alert.pk), area=village
        )
    return alert


def _self_report_alert(report: SelfReport, today: date) -> Alert:
    """The open self-report alert of the report's village and phone, the report appended to its evidence; or a new
    one. A concurrent first report for the same village and phone meets the unique constraint and appends instead."""
    from django.db import IntegrityError

    key = Q(
        rule=Rule.SELF_REPORT,
        household__isnull=True,
        area_id=report.village_id,
        person_index=f"phone:{report.phone_index}",
        status__in=OPEN_STATUSES,
    )
    alert = Alert.objects.select_for_update().filter(key).first()
    if alert is None:
        profile = policy_for(today.year, code_at(report.village_id, "province"))
        evidence = {
            "as_of": today.isoformat(),
            "name": report.name,
            "phone": report.phone_masked,
            "text": report.text,
            "rows": 0,
            "person": "",
            "policy": {},
        }
        try:
            with transaction.atomic():
                return Alert.objects.create(
                    rule=Rule.SELF_REPORT,
                    person_index=f"phone:{report.phone_index}",
                    area_id=report.village_id,
                    evidence=evidence,
                    first_seen=today,
                    last_seen=today,
                    first_check_due=add_working_days(today, profile.value("alert_first_check_days") or 2),
                    conclusion_due=add_working_days(today, profile.value("alert_conclusion_days") or 20),
                )
        except IntegrityError:
            alert = Alert.objects.select_for_update().filter(key).first()
            if alert is None:  # not the race above
                raise
    later = [
        *alert.evidence.get("later", []),
        {"on": today.isoformat(), "name": report.name, "text": report.text},
    ]
    alert.evidence = {**alert.evidence, "later": later}
    alert.last_seen, alert.times_seen = today, alert.times_seen + 1
    alert.save(update_fields=["evidence", "last_seen", "times_seen"])
    return alert
