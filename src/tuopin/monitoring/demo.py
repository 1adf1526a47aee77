"""Monitoring for the demo: department files from January 2024 to today (written as the departments send them,
CSV with Chinese headers, and imported through tuopin.feeds like any upload), a screening at the end of every half
year and one today, and what the offices did with the alerts: home checks, cases with measures, dismissals, risk
eliminated through the procedure once a household's income of the year was recorded above the line. Policy values
the profiles do not publish are set for Hebei and labelled as demo values."""

from __future__ import annotations

import csv
import random
import tempfile
from collections.abc import Callable
from contextlib import suppress
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from tuopin.administration.policy_services import policy_set
from tuopin.core.crypto import decrypt
from tuopin.monitoring.cases import Verification, case_open, measure_record
from tuopin.monitoring.models import OPEN_STATUSES, Alert, Screening
from tuopin.monitoring.services import alert_check, alert_dismiss, screening_run
from tuopin.policy.selectors import policy_for
from tuopin.registry.idnumbers import make_id
from tuopin.registry.models import Member

DEMO_SOURCE = "演示值（请按本省统计公报和文件设置）"
DEMO_POLICY = (
    ("rural_disposable_income", 2023, "20000"),
    ("rural_disposable_income", 2024, "21500"),
    ("rural_disposable_income", 2025, "23000"),
    ("income_drop_ratio", 2021, "0.5"),
    ("disaster_loss_ratio", 2021, "0.5"),
)
RECENT_DAYS = (
    16  # a screening this long ago is still being worked: its first checks are due, its conclusions not
)
ELIMINATION_SAMPLE = 120  # the cases the demo takes through elimination (each proposal runs the checks)
FEEDS_FROM = date(2024, 1, 1)
MEASURES = {
    "medical": "落实大病保险和医疗救助，协调住院费用“一站式”结算",
    "income": "安排公益岗位，每月 800 元",
    "income_drop": "对接县内企业务工岗位",
    "dropout": "控辍保学：教师入户劝返，落实“雨露计划”补助",
    "housing": "纳入农村危房改造，补助 2 万元",
    "disability": "落实重度残疾人护理补贴",
    "disaster": "发放临时救助，协调保险理赔",
    "civil": "复核家庭收入，符合条件的重新纳入低保",
    "unemployment": "提供就业培训并推荐岗位",
    "self_report": "入户核实后落实临时救助",
}
RISKS = {
    "medical": "illness",
    "disability": "disability",
    "dropout": "schooling",
    "disaster": "disaster",
    "unemployment": "employment",
    "income_drop": "employment",
    "housing": "other",
    "income": "industry",
    "civil": "other",
}


def monitoring_demo(
    *, seed: int = 2024, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Build the demo's monitoring once (nothing when a screening exists); returns counts."""
    if Screening.objects.exists():
        return {}
    from tuopin.feeds.services import feed_import

    rng = random.Random(seed)  # noqa: S311 - synthetic data
    today = timezone.localdate()
    for key, year, value in DEMO_POLICY:
        if policy_for(year, "13").get(key) is None or policy_for(year, "13")[key].since != year:
            policy_set(actor=None, key=key, year=year, value=value, province="13", source=DEMO_SOURCE)
    start = FEEDS_FROM
    recent = today - timedelta(days=RECENT_DAYS)
    screenings = [*_half_year_ends(start, recent), recent, today]
    files = _feed_files(rng, start, today)
    with tempfile.TemporaryDirectory() as folder:
        for done, (source, rows) in enumerate(files.items(), start=1):
            path = Path(folder) / f"{source}.csv"
            _write_csv(path, source, rows)
            feed_import(
                actor=None,
                source=source,
                path=path,
                name=f"演示-{source}.csv",
                period=today.strftime("%Y-%m"),
            )
            if progress:
                progress(done, len(files) + len(screenings))
    counts = {"screenings": 0, "cases": 0, "dismissed": 0}
    for done, as_of in enumerate(screenings, start=len(files) + 1):
        screening_run(actor=None, as_of=as_of)
        counts["screenings"] += 1
        if (
            as_of != today
        ):  # the offices worked through what the earlier screenings found, the recent one in part
            _work_alerts(rng, as_of, counts, partly=as_of == recent)
        if progress:
            progress(done, len(files) + len(screenings))
    counts["eliminated"] = _eliminate_old_cases(today)
    return counts


def _half_year_ends(start: date, end: date) -> list[date]:
    """30 June and 31 December of every year from `start`, before `end`."""
    ends = [
        date(year, month, day)
        for year in range(start.year, end.year + 1)
        for month, day in ((6, 30), (12, 31))
    ]
    return [day for day in ends if start < day < end]


def _eliminate_old_cases(today: date) -> int:
    """Cases monitored for long enough whose household meets every condition go through the elimination
    procedure, as the village, township and county would have done it over the last weeks."""
    from django.db.models import Case as DbCase
    from django.db.models import When

    from tuopin.assistance.demo import DEMO_COUNTY
    from tuopin.monitoring.models import Case, CaseState
    from tuopin.procedures.flows import Kind
    from tuopin.procedures.services import Proposal, notice_start, procedure_act, procedure_propose

    eliminated = 0
    start = today - timedelta(days=40)
    old = Case.objects.filter(state=CaseState.MONITORING, opened_on__lte=today - timedelta(days=200))
    line = policy_for(today.year, "13").value("monitoring_line") or Decimal("7000")
    # The demo county's cases first, so that its case board shows eliminated cases beside monitored ones.
    demo_first = DbCase(When(household__village__code__prefix=DEMO_COUNTY, then=0), default=1)
    cases = old.select_related("household").order_by(demo_first, "opened_on", "id")
    for case in cases[:ELIMINATION_SAMPLE]:
        with suppress(ValidationError):
            _income_recovered(case.household, today, line)
            procedure = procedure_propose(
                actor=None,
                on=start,
                proposal=Proposal(Kind.RISK_ELIMINATION, today.year, household=case.household),
            )
            procedure_act(
                actor=None,
                procedure=procedure,
                version=procedure.version,
                on=start + timedelta(days=2),
                data={"attendance": 25, "votes_for": 23, "votes_against": 0},
            )
            notice_start(
                actor=None, procedure=procedure, version=procedure.version, on=start + timedelta(days=3)
            )
            ends = procedure.notice_ends_on  # cleared once the notice is closed
            assert ends is not None
            procedure_act(actor=None, procedure=procedure, version=procedure.version, on=ends)
            procedure_act(
                actor=None,
                procedure=procedure,
                version=procedure.version,
                on=ends + timedelta(days=3),
                data={"approve": True},
            )
            procedure_act(
                actor=None,
                procedure=procedure,
                version=procedure.version,
                on=ends + timedelta(days=8),
                data={"document": f"防返贫〔{today.year}〕{procedure.pk}号"},
            )
            eliminated += 1
    return eliminated


def _income_recovered(household: Any, today: date, line: Decimal) -> None:
    """The task force records the household's income of the year once the measures have worked: wages of its
    working members, above the monitoring line per person (nothing for a household without labour)."""
    from tuopin.monitoring.cases import WITH_LABOUR
    from tuopin.registry.services import income_set

    members = household.members.filter(left_on__isnull=True)
    working = members.filter(labour__in=WITH_LABOUR).count()
    if not working:
        return
    wage = (line * Decimal("1.6") * members.count()).quantize(Decimal("1"))
    income_set(
        actor=None,
        household=household,
        year=today.year,
        reason="帮扶后收入核实（演示）",
        amounts={
            "wage": wage,
            "business": Decimal(0),
            "property_income": Decimal(0),
            "transfer": Decimal(1200),
            "costs": Decimal(0),
        },
    )


def _people() -> list[dict[str, Any]]:
    rows = Member.objects.filter(
        left_on__isnull=True,
        household__merged_into__isnull=True,
        household__population_type__in=["registered", "monitored"],
    ).values_list("id_encrypted", "birth_date", "relation", "work_status")
    return [
        {"id": decrypt(token), "birth_date": born, "relation": relation, "work_status": work}
        for token, born, relation, work in rows
    ]


def _day(rng: random.Random, start: date, end: date) -> str:
    return (start + timedelta(days=rng.randrange(max((end - start).days, 1)))).isoformat()


def _feed_files(rng: random.Random, start: date, end: date) -> dict[str, list[list[str]]]:
    """Rows per source in the files' own columns (Chinese values), a believable few of them alarming."""
    people = _people()
    scale = (end - start).days / 730  # the rates below are per two years
    files: dict[str, list[list[str]]] = {
        s: [] for s in ("medical", "civil", "education", "housing", "disability", "disaster", "employment")
    }
    for person in people:
        pid = person["id"]
        if rng.random() < 0.12 * scale:  # a visit or a stay in hospital
            for _n in range(rng.randint(1, 3)):
                heavy = rng.random() < 0.04
                total = rng.uniform(20000, 90000) if heavy else rng.uniform(150, 6000)
                oop = total * (rng.uniform(0.25, 0.5) if heavy else rng.uniform(0.1, 0.4))
                files["medical"].append(
                    [
                        pid,
                        _day(rng, start, end),
                        "住院" if heavy or rng.random() < 0.2 else "门诊",
                        f"{total:.2f}",
                        f"{total - oop:.2f}",
                        f"{oop:.2f}",
                    ]
                )
        age = (end - person["birth_date"]).days // 365
        if 7 <= age <= 15 and rng.random() < 0.02 * scale:
            files["education"].append(
                [pid, _day(rng, start, end), "辍学" if rng.random() < 0.4 else "在校", "初中", "0"]
            )
        if person["relation"] == "head":
            if rng.random() < 0.01 * scale:
                files["housing"].append([pid, _day(rng, start, end), rng.choice("ABCCD")])
            if rng.random() < 0.006 * scale:
                files["disaster"].append(
                    [
                        pid,
                        _day(rng, start, end),
                        rng.choice(["洪涝", "冰雹", "干旱"]),
                        f"{rng.uniform(3000, 40000):.2f}",
                    ]
                )
            if rng.random() < 0.01 * scale:
                files["civil"].append(
                    [
                        pid,
                        _day(rng, start, end),
                        rng.choice(["低保退出", "低保纳入", "临时救助"]),
                        f"{rng.uniform(500, 3000):.2f}",
                    ]
                )
        if rng.random() < 0.003 * scale:
            files["disability"].append(
                [pid, _day(rng, start, end), "肢体残疾", str(rng.choice([1, 2, 2, 3, 4]))]
            )
        if person["work_status"] not in ("", "none") and rng.random() < 0.02 * scale:
            files["employment"].append([pid, _day(rng, start, end), "失业", "0"])
    for serial in range(1, 41):  # rural residents outside the registry, seen by the health insurance only
        stranger = make_id(
            "130126",
            date(1950 + serial, 1 + serial % 12, 1 + serial % 27),
            700 + serial,
            female=serial % 2 == 0,
        )
        total = rng.uniform(15000, 80000)
        oop = total * rng.uniform(0.3, 0.6)
        files["medical"].append(
            [stranger, _day(rng, start, end), "住院", f"{total:.2f}", f"{total - oop:.2f}", f"{oop:.2f}"]
        )
    return files


def _write_csv(path: Path, source: str, rows: list[list[str]]) -> None:
    from tuopin.feeds.sources import SOURCES

    headers = [column.header for column in SOURCES[source].columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(row + [""] * (len(headers) - len(row)))


def _work_alerts(rng: random.Random, as_of: date, counts: dict[str, int], *, partly: bool = False) -> None:
    """The offices' answers to the screening of `as_of`: most alerts checked within days, half of those with a
    household put under monitoring with a measure, the rest dismissed with a reason. `partly`: a screening of a
    few weeks ago still being worked — a quarter of its alerts not yet checked (past the first-check deadline, so
    overdue and escalated to the township), a third checked and awaiting their conclusion."""
    for alert in Alert.objects.filter(status__in=OPEN_STATUSES, first_seen=as_of).select_related("household"):
        checked = as_of + timedelta(days=rng.randint(1, 3))
        chance = rng.random() if partly else 1.0
        if chance < 0.25:
            continue
        if chance < 0.6:
            with suppress(ValidationError):
                alert_check(
                    actor=None,
                    alert=alert,
                    version=alert.version,
                    checked_on=checked,
                    finding="已电话联系农户，待入户核实",
                )
            continue
        with suppress(ValidationError):
            alert_check(
                actor=None,
                alert=alert,
                version=alert.version,
                checked_on=checked,
                finding="村“两委”和驻村工作队入户核实",
            )
            if alert.household is not None and rng.random() < 0.6:
                case = case_open(
                    actor=None,
                    household=alert.household,
                    alert=alert,
                    type=rng.choice(["unstable", "marginal", "sudden"]),
                    risk_types=[RISKS.get(alert.rule, "other")],
                    verification=Verification(
                        checked, "驻村工作队", True, "家庭情况与部门数据相符，存在返贫风险"
                    ),
                )
                measure_record(
                    actor=None,
                    case=case,
                    on=checked + timedelta(days=rng.randint(3, 20)),
                    text=MEASURES.get(alert.rule, "落实帮扶措施"),
                    amount=Decimal(rng.choice([0, 2000, 3000, 5000])) or None,
                )
                counts["cases"] += 1
            else:
                alert_dismiss(
                    actor=None,
                    alert=alert,
                    version=alert.version,
                    concluded_on=checked + timedelta(days=rng.randint(1, 10)),
                    finding=rng.choice(
                        [
                            "医疗费用已由大病保险和医疗救助报销，家庭收入稳定",
                            "该户已有稳定务工收入，无返贫风险",
                            "数据比对有误，已向部门反馈",
                        ]
                    ),
                )
                counts["dismissed"] += 1
