"""Assessments: one household's live decision with its reasons, and a whole run over an area for a year."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from tuopin.areas.codes import code_at
from tuopin.areas.models import Area
from tuopin.assessment.engine import SNAPSHOT_ENGINES, run_db, run_duckdb, run_spark
from tuopin.assessment.rules import RULES, Params, area_incidence, assessed_households, household_exit
from tuopin.assessment.snapshot import snapshot_dir, snapshot_refresh
from tuopin.policy.selectors import policy_for
from tuopin.registry.models import Household

if TYPE_CHECKING:
    from tuopin.accounts.models import User
    from tuopin.assessment.models import CountyEvaluation, Run


@dataclass
class Decision:
    household: str
    year: int
    per_capita_net_income: Decimal | None
    line: Decimal
    may_exit: bool
    reasons: list[dict[str, Any]] = field(default_factory=list)
    meets_identification: bool = False

    def as_dict(self) -> dict[str, Any]:
        income = self.per_capita_net_income
        return {
            "household": self.household,
            "year": self.year,
            "per_capita_net_income": None if income is None else float(income),
            "line": float(self.line),
            "may_exit": self.may_exit,
            "meets_identification": self.meets_identification,
            "reasons": self.reasons,
        }


def params_for(year: int, village_code: str) -> Params:
    return Params.from_profile(policy_for(year, code_at(village_code, "province")))


def decision_from(row: dict[str, Any], params: Params) -> Decision:
    """Words for the checks one row of the rule expression holds (the decision itself is the row's)."""
    persons, cents = row["persons"], row["net_cents"]
    per_capita = (
        None if cents is None or not persons else (Decimal(cents) / 100 / persons).quantize(Decimal("0.01"))
    )
    if cents is None:
        income = _("%(year)s 年没有收入记录") % {"year": params.year}
    else:
        income = _("人均纯收入 %(income)s 元，标准 %(line)s 元") % {"income": per_capita, "line": params.line}
    details = {
        "income": income,
        "education": _("义务教育阶段（%(low)s–%(high)s 岁）失学辍学 %(n)s 人")
        % {"low": params.school_age_min, "high": params.school_age_max, "n": row["out_of_school"]},
        "medical": _("未参加基本医疗保险 %(n)s 人") % {"n": row["uninsured"]},
        "housing": _("住房安全等级 %(grade)s%(moved)s")
        % {"grade": row["housing_safety"] or "—", "moved": _("，已易地搬迁") if row["relocated"] else ""},
        "water": _("饮水安全") if row["water_ok"] else _("饮水不安全或未记录"),
    }
    reasons = [{"rule": rule, "ok": bool(row[f"{rule}_ok"]), "detail": details[rule]} for rule in RULES]
    return Decision(
        row["number"],
        params.year,
        per_capita,
        params.line,
        bool(row["may_exit"]),
        reasons,
        bool(row["meets_identification"]),
    )


def assess_household(household: Household, year: int) -> Decision:
    """The live decision for one household, from the database of record (the same rules as every batch)."""
    params = params_for(year, household.village_id)
    rows = run_db(household_exit(params, household_ids=[household.pk]))
    if not rows:
        raise ValueError("a merged household is not assessed")
    return decision_from(rows[0], params)


@dataclass
class RunResult:
    year: int
    engine: str
    assessed: int
    may_exit: int
    areas: list[dict[str, Any]]
    profiles: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "engine": self.engine,
            "households": {
                "assessed": self.assessed,
                "may_exit": self.may_exit,
                "remain_poor": self.assessed - self.may_exit,
            },
            "areas": [
                {k: v for k, v in a.items() if k not in {"households", "may_exit_households"}}
                for a in self.areas
            ],
        }


def assess_areas(
    year: int,
    *,
    area: str = "",
    engine: str = "duckdb",
    snapshot: Path | None = None,
    refresh: bool = True,
    households_to: Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> RunResult:
    """Assess every registered-poor household of `area` (default: the whole registry) for `year` and the incidence of
    `area` and every area below it, one province (one policy profile) at a time. With `households_to`, the decisions
    of the assessed households are written there as Parquet (one file per province: `<dir>/<province>.parquet`)."""
    if engine in SNAPSHOT_ENGINES:
        snapshot = snapshot or snapshot_dir()
        if refresh or not (snapshot / "registry_household.parquet").exists():
            snapshot_refresh(snapshot)
    provinces = sorted(
        code
        for code in Area.objects.filter(level="province").values_list("code", flat=True)
        if not area or code.startswith(code_at(area, "province"))
    )
    areas: list[dict[str, Any]] = []
    assessed = may_exit = 0
    profiles = {}
    for done, province in enumerate(provinces):
        if progress:
            progress(done, len(provinces) + 1, _("评估中"))
        params = params_for(year, province)
        profiles[province] = policy_for(year, province).snapshot()
        decisions = household_exit(params)
        expr = area_incidence(params, decisions, within=area or province)
        rows = _run(expr, engine, snapshot)
        if households_to is not None:
            _write_decisions(
                assessed_households(params, decisions, area or province),
                engine,
                snapshot,
                households_to / f"{province}.parquet",
            )
        words = _Words()
        for row in rows:
            areas.append(_area_row(row, params, words))
            if row["code"] == (area or province):
                assessed += row["households"]
                may_exit += row["may_exit_households"]
    return RunResult(year, engine, assessed, may_exit, areas, profiles)


def _write_decisions(expr: Any, engine: str, snapshot: Path | None, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    if engine in SNAPSHOT_ENGINES:
        assert snapshot is not None
        pq.write_table(run_duckdb(expr, snapshot) if engine == "duckdb" else run_spark(expr, snapshot), path)
    else:
        pq.write_table(pa.Table.from_pylist(run_db(expr), schema=expr.schema().to_pyarrow()), path)


def _run(expr: Any, engine: str, snapshot: Path | None) -> list[dict[str, Any]]:
    if engine == "db":
        return run_db(expr)
    if engine == "duckdb":
        assert snapshot is not None
        return list(run_duckdb(expr, snapshot).to_pylist())
    if engine == "spark":
        assert snapshot is not None
        return list(run_spark(expr, snapshot).to_pylist())
    raise ValueError(f"unknown engine {engine}")


class _Words:
    """The reasons' wording, translated once per run rather than once per area (a province has 56,712 areas)."""

    def __init__(self) -> None:
        self.no_population = _("%(year)s 年没有农村人口数，无法计算贫困发生率")
        self.incidence = _("贫困发生率 %(incidence).2f%% %(relation)s %(threshold)s%%")
        self.below, self.not_below = _("低于"), _("不低于")
        self.awaiting = _("待专项评估（错退率、漏评率、群众认可度）")
        self.wrong = _("错退率 %(rate).2f%% %(relation)s %(limit)s%%")
        self.missed = _("漏评率 %(rate).2f%% %(relation)s %(limit)s%%")
        self.approval = _("群众认可度 %(rate).2f%% %(relation)s %(limit)s%%")
        self.above, self.not_above = _("高于"), _("不高于")
        self.no_sample = _("%(what)s：没有样本")
        self.rate_names = (_("错退率"), _("漏评率"), _("群众认可度"))


def _area_row(row: dict[str, Any], params: Params, words: _Words) -> dict[str, Any]:
    level, incidence = row["level"], row["incidence"]
    reasons: list[str] = []
    may_exit: bool | None = None
    if incidence is None:
        reasons.append(words.no_population % {"year": params.year})
    elif level in {"village", "county"}:
        threshold = {
            ("village", False): params.village_incidence,
            ("village", True): params.village_incidence_west,
            ("county", False): params.county_incidence,
            ("county", True): params.county_incidence_west,
        }[(level, bool(row["western"]))]
        below = bool(row["below_threshold"])
        reasons.append(
            words.incidence
            % {
                "incidence": incidence * 100,
                "relation": words.below if below else words.not_below,
                "threshold": format((threshold * 100).normalize(), "f"),
            }
        )
        if level == "village":
            may_exit = below
        elif not row["evaluated"]:
            reasons.append(words.awaiting)
            may_exit = False if not below else None
        else:
            checks = (
                (words.wrong, "wrong_exit_rate", "wrong_exit_ok", params.county_wrong_exit_max, False),
                (words.missed, "missed_rate", "missed_ok", params.county_missed_max, False),
                (words.approval, "approval_rate", "approval_ok", params.county_approval_min, True),
            )
            for (template, rate, ok, limit, above), name in zip(checks, words.rate_names, strict=True):
                if row[rate] is None:
                    reasons.append(words.no_sample % {"what": name})
                    continue
                relation = (
                    (words.above if row[ok] else words.not_above)
                    if above
                    else (words.below if row[ok] else words.not_below)
                )
                reasons.append(
                    template
                    % {
                        "rate": row[rate] * 100,
                        "relation": relation,
                        "limit": format((limit * 100).normalize(), "f"),
                    }
                )
            may_exit = below and all(row[ok] for _t, _r, ok, _l, _a in checks)
    return {
        "code": row["code"],
        "level": level,
        "rural_population": row["rural_population"],
        "poor_persons": int(row["poor_persons"]),
        "incidence": None if incidence is None else round(incidence, 6),
        "may_exit": may_exit,
        "reasons": reasons,
        "households": int(row["households"]),
        "may_exit_households": int(row["may_exit_households"]),
    }


def run_dir(run_id: int) -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "runs" / str(run_id)


def _checksum(snapshot: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(snapshot.glob("*.parquet")):
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def assessment_run(
    *,
    actor: User | None,
    year: int,
    area: str = "",
    engine: str = "duckdb",
    progress: Callable[[int, int, str], None] | None = None,
    snapshot: Path | None = None,
) -> Run:
    """Run the assessment and store it: its policy values, the checksum of its input snapshot, the result of every
    area and (as Parquet beside it) the decision of every assessed household. Audited.

    By default the run takes a fresh snapshot of its own; a caller assessing several years of an unchanged registry
    in a row (the demo) may pass one `snapshot` it has just written."""
    import time

    from django.db import transaction
    from django.utils import timezone

    from tuopin.accounts.permissions import write_required
    from tuopin.accounts.roles import Role
    from tuopin.accounts.scope import in_scope
    from tuopin.assessment.models import AreaResult, Run, RunStatus
    from tuopin.audit.services import audit_record
    from tuopin.core.bulk import insert_rows

    # A run changes no household, so no write capability is asked: anyone whose scope holds the area may run it;
    # the whole country only the province offices and the administrators.
    write_required(
        actor,
        allowed=actor is None
        or (in_scope(actor, area) if area else actor.role in {Role.ADMIN, Role.PROVINCE}),
        action="assessment.run",
        object_type="area",
        object_id=area,
        message=_("无权评估该区划。"),
    )
    run = Run.objects.create(year=year, area=area, engine=engine, started_by=actor)
    started = time.perf_counter()
    own_snapshot = snapshot is None and engine in SNAPSHOT_ENGINES
    if own_snapshot:
        snapshot = snapshot_dir() / f"run-{run.pk}"
    try:
        result = assess_areas(
            year,
            area=area,
            engine=engine,
            snapshot=snapshot,
            households_to=run_dir(run.pk),
            progress=progress,
            refresh=own_snapshot,
        )
    except Exception:
        Run.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, finished_at=timezone.now())
        raise
    with transaction.atomic():
        insert_rows(
            AreaResult,
            (
                {
                    "run_id": run.pk,
                    "code": a["code"],
                    "level": a["level"],
                    "rural_population": a["rural_population"],
                    "poor_persons": a["poor_persons"],
                    "households": a["households"],
                    "may_exit_households": a["may_exit_households"],
                    "incidence": a["incidence"],
                    "may_exit": a["may_exit"],
                    "reasons": a["reasons"],
                }
                for a in result.areas
            ),
        )
        run.status, run.finished_at = RunStatus.DONE, timezone.now()
        run.policy, run.assessed, run.may_exit = result.profiles, result.assessed, result.may_exit
        run.checksum = _checksum(snapshot) if snapshot else ""
        run.seconds = round(time.perf_counter() - started, 2)
        run.save()
        audit_record(
            action="assessment.run",
            actor=actor,
            object_type="run",
            object_id=str(run.pk),
            area=area,
            details={"year": year, "engine": engine, "assessed": run.assessed, "may_exit": run.may_exit},
        )
    if own_snapshot and snapshot:
        import shutil

        shutil.rmtree(snapshot, ignore_errors=True)
    from tuopin.areas.signals import figures_stale

    transaction.on_commit(lambda: figures_stale.send(sender="assessment.run", codes=[area] if area else None))
    return run


def what_if(
    year: int,
    values: dict[str, str],
    *,
    area: str = "",
    snapshot: Path | None = None,
    refresh: bool = True,
    limit: int = 1000,
) -> dict[str, Any]:
    """The registry assessed under the year's policy and under an edited copy of it (`values`: policy key → text),
    side by side: counts, poor persons and incidence by area, and the households whose decision changes. Reads the
    snapshot only; nothing in the registry, the runs or the workflows is touched."""
    from tuopin.assessment.engine import duckdb_connection
    from tuopin.policy.keys import parse_value, typed

    edited = {key: typed(key, parse_value(key, text)) for key, text in values.items()}
    snapshot = snapshot or snapshot_dir()
    if refresh or not (snapshot / "registry_household.parquet").exists():
        snapshot_refresh(snapshot)
    con = duckdb_connection(snapshot)
    provinces = sorted(
        code
        for code in Area.objects.filter(level="province").values_list("code", flat=True)
        if not area or code.startswith(code_at(area, "province"))
    )
    counts = {"real": {"assessed": 0, "may_exit": 0}, "what_if": {"assessed": 0, "may_exit": 0}}
    areas: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    changed_count = 0
    for province in provinces:
        within = area or province
        real = params_for(year, province)
        other = real.with_values(edited)
        sides = {}
        for name, params in (("real", real), ("what_if", other)):
            decisions = household_exit(params)
            sides[name] = (
                decisions,
                run_duckdb(area_incidence(params, decisions, within=within), snapshot, con),
            )
            households = run_duckdb(assessed_households(params, decisions, within), snapshot, con)
            counts[name]["assessed"] += households.num_rows
            counts[name]["may_exit"] += sum(1 for v in households.column("may_exit").to_pylist() if v)
        for before, after in zip(sides["real"][1].to_pylist(), sides["what_if"][1].to_pylist(), strict=True):
            areas.append(
                {
                    "code": before["code"],
                    "level": before["level"],
                    "poor_persons": [before["poor_persons"], after["poor_persons"]],
                    "incidence": [before["incidence"], after["incidence"]],
                }
            )
        a = assessed_households(real, sides["real"][0], within)
        b = assessed_households(other, sides["what_if"][0], within)
        diff = (
            a.join(b, a.household_id == b.household_id)
            .filter(a.may_exit != b.may_exit)
            .select(household=a.number, real=a.may_exit, what_if=b.may_exit)
            .order_by("household")
        )
        rows = run_duckdb(diff, snapshot, con).to_pylist()
        changed_count += len(rows)
        changed.extend(rows[: max(0, limit - len(changed))])
    return {
        "year": year,
        "values": {k: str(v) for k, v in values.items()},
        "households": counts,
        "changed_count": changed_count,
        "changed": changed,
        "areas": areas,
    }


EVALUATION_FIELDS = (
    "sampled_exited",
    "wrong_exits",
    "sampled_unregistered",
    "missed",
    "surveyed_households",
    "approving_households",
)


def evaluation_record(
    *,
    actor: User | None,
    county: str,
    year: int,
    counts: dict[str, int],
    evaluated_on: date,
    evaluator: str,
    version: int | None = None,
) -> CountyEvaluation:
    """Record (or correct) a county's special exit evaluation. Province offices of that county and administrators
    only; parts may not exceed their samples; a stale correction is refused; audited."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from tuopin.accounts.permissions import can_write, write_required
    from tuopin.accounts.roles import Role
    from tuopin.assessment.models import CountyEvaluation
    from tuopin.audit.services import audit_record
    from tuopin.core.errors import StaleEdit

    write_required(
        actor,
        allowed=actor is None or (actor.role in {Role.ADMIN, Role.PROVINCE} and can_write(actor, county)),
        action="assessment.evaluation",
        object_type="county",
        object_id=county,
        message=_("只有省级用户可以录入县级退出专项评估。"),
    )
    problems: dict[str, list[str]] = {}
    if not Area.objects.filter(code=county, level="county").exists():
        problems["county"] = [_("县代码不存在：%(code)s") % {"code": county}]
    for part, whole in (
        ("wrong_exits", "sampled_exited"),
        ("missed", "sampled_unregistered"),
        ("approving_households", "surveyed_households"),
    ):
        if counts[part] > counts[whole]:
            problems[part] = [_("不能大于样本数。")]
    if not evaluator.strip():
        problems["evaluator"] = [_("请填写评估机构。")]
    if problems:
        raise ValidationError(problems)
    name = actor.get_username() if actor else "system"
    with transaction.atomic():
        row = CountyEvaluation.objects.select_for_update().filter(county_id=county, year=year).first()
        if row is None:
            if version:
                raise StaleEdit(_("该记录已被他人修改，请刷新后重试。"))
            row = CountyEvaluation(county_id=county, year=year)
        elif version is not None and version != row.version:
            raise StaleEdit(_("该记录已被他人修改，请刷新后重试。"))
        else:
            row.version += 1
        old = {f: getattr(row, f) for f in EVALUATION_FIELDS} if row.pk else {}
        for field_name in EVALUATION_FIELDS:
            setattr(row, field_name, counts[field_name])
        row.evaluated_on, row.evaluator, row.recorded_by = evaluated_on, evaluator.strip(), name
        row.save()
        audit_record(
            action="assessment.evaluation",
            actor=actor,
            object_type="county",
            object_id=county,
            area=county,
            details={"year": year, "old": old, "new": counts},
        )
    return row
