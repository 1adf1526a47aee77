"""`tuopin bench assess`: the rules engine against two baselines on the same registry.

- `engine_s`: the Ibis-compiled rules (household exit and incidence of every area) on DuckDB over the snapshot;
- `reference_s`: the same logic written by hand as one DuckDB query over the same snapshot, in the same run;
- `end_to_end_s`: `assess_areas` from the database of record, snapshot included;
- `orm_loop_s`: a straightforward per-household Django ORM loop over `orm_loop_households` households (a baseline
  only: the rules proper are never evaluated this way);
- with `--spark`, `spark_s`: the same expression on Spark in local mode over the same snapshot (after a warm-up run;
  `spark_start_s` is starting the session), its result checked equal to DuckDB's.
Each DuckDB and Spark figure is the median of three runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from tuopin.assessment.engine import duckdb_connection, run_duckdb
from tuopin.assessment.rules import Params, area_incidence, household_exit
from tuopin.assessment.services import assess_areas, params_for
from tuopin.registry.models import Household, Member

ORM_LOOP_HOUSEHOLDS = 20_000


def _median(run: Callable[[], Any], times: int = 3) -> tuple[float, Any]:
    results, durations = None, []
    for _ in range(times):
        started = time.perf_counter()
        results = run()
        durations.append(time.perf_counter() - started)
    return round(statistics.median(durations), 3), results


def reference_sql(params: Params) -> str:
    """The exit rule and the incidence of every area, by hand, for DuckDB (the benchmark's yardstick)."""
    y = params.year
    month, day = params.cutoff
    line_cents = int(params.line * 100)
    v, vw = params.village_incidence.as_integer_ratio(), params.village_incidence_west.as_integer_ratio()
    c, cw = params.county_incidence.as_integer_ratio(), params.county_incidence_west.as_integer_ratio()
    return f"""
    WITH m AS (
      SELECT household_id, count(*) AS persons,
        sum(CASE WHEN ({y * 10000 + month * 100 + day} - (year(birth_date) * 10000 + month(birth_date) * 100
                        + day(birth_date))) // 10000 BETWEEN {params.school_age_min} AND {params.school_age_max}
                  AND school_status IN ('not_in_school', 'dropout') AND coalesce(disability_grade, 0) NOT IN (1, 2)
                 THEN 1 ELSE 0 END) AS out_of_school,
        sum(CASE WHEN medical_insurance THEN 0 ELSE 1 END) AS uninsured
      FROM registry_member
      WHERE birth_date <= DATE '{y}-12-31' AND (left_on IS NULL OR left_on > DATE '{y}-12-31')
      GROUP BY household_id),
    d AS (
      SELECT h.village_id, coalesce(m.persons, 0) AS persons,
        (i.household_id IS NOT NULL AND coalesce(m.persons, 0) > 0
         AND round((i.wage + i.business + i.property_income + i.transfer - i.costs) * 100)
             > coalesce(m.persons, 0) * {line_cents})
        AND coalesce(m.out_of_school, 0) = 0 AND coalesce(m.uninsured, 0) = 0
        AND (h.housing_safety IN ('A', 'B') OR h.relocated) AND coalesce(h.water_safe, false) AS may_exit
      FROM registry_household h
      LEFT JOIN m ON m.household_id = h.id
      LEFT JOIN registry_income i ON i.household_id = h.id AND i.year = {y}
      WHERE h.merged_into_id IS NULL AND h.population_type = 'registered'
        AND (h.exit_year IS NULL OR h.exit_year >= {y})),
    p AS (
      SELECT code, sum(CASE WHEN may_exit THEN 0 ELSE persons END) AS poor_persons, count(*) AS households,
             sum(CASE WHEN may_exit THEN 1 ELSE 0 END) AS may_exit_households
      FROM d, (VALUES (2), (4), (6), (9), (12)) AS l(n), LATERAL (SELECT left(village_id, n) AS code)
      GROUP BY code)
    SELECT a.code, a.level, y.rural_population, coalesce(p.poor_persons, 0) AS poor_persons,
      coalesce(p.households, 0) AS households, coalesce(p.may_exit_households, 0) AS may_exit_households,
      coalesce(y.western, false) AS western,
      CASE WHEN y.rural_population > 0 THEN coalesce(p.poor_persons, 0) / y.rural_population END AS incidence,
      CASE WHEN y.rural_population > 0 THEN
        CASE WHEN a.level = 'village' THEN
          CASE WHEN coalesce(y.western, false) THEN coalesce(p.poor_persons, 0) * {vw[1]} < y.rural_population * {vw[0]}
               ELSE coalesce(p.poor_persons, 0) * {v[1]} < y.rural_population * {v[0]} END
        ELSE
          CASE WHEN coalesce(y.western, false) THEN coalesce(p.poor_persons, 0) * {cw[1]} < y.rural_population * {cw[0]}
               ELSE coalesce(p.poor_persons, 0) * {c[1]} < y.rural_population * {c[0]} END
        END
      END AS below_threshold
    FROM areas_area a
    LEFT JOIN areas_areayear y ON y.area_id = a.code AND y.year = {y}
    LEFT JOIN p ON p.code = a.code
    ORDER BY a.code
    """  # noqa: S608 - numbers from the policy profile, no user text


def measure(snapshot: Path, year: int = 2019, province: str = "13", *, spark: bool = False) -> dict[str, Any]:
    households = Household.objects.filter(merged_into__isnull=True).count()
    persons = Member.objects.filter(left_on__isnull=True).count()
    started = time.perf_counter()
    assess_areas(year, engine="duckdb", snapshot=snapshot, refresh=True)  # a new directory: a full snapshot
    end_to_end_s = time.perf_counter() - started
    params = params_for(year, province)
    con = duckdb_connection(snapshot)
    expr = area_incidence(params, household_exit(params), within=province)
    engine_s, by_engine = _median(lambda: run_duckdb(expr, snapshot, con))
    reference_s, by_hand = _median(lambda: con.sql(reference_sql(params)).to_arrow_table())
    if by_engine.num_rows != by_hand.num_rows or by_engine.column("poor_persons").to_pylist() != [
        int(v) for v in by_hand.column("poor_persons").to_pylist()
    ]:
        raise RuntimeError("the reference query and the engine disagree")
    on_spark = measure_spark(expr, snapshot, by_engine) if spark else {}
    changed = change_incomes(year, share=0.01)
    started = time.perf_counter()
    assess_areas(
        year, engine="duckdb", snapshot=snapshot, refresh=True
    )  # the snapshot refreshed incrementally
    rerun_s = time.perf_counter() - started
    orm_s, orm_n = orm_loop(params)
    return {
        "households": households,
        "persons": persons,
        "engine_s": engine_s,
        "reference_s": reference_s,
        "end_to_end_s": round(end_to_end_s, 2),
        "rerun_changed_households": changed,
        "rerun_s": round(rerun_s, 2),
        "orm_loop_s": round(orm_s, 2),
        "orm_loop_households": orm_n,
        "engine_per_household_speedup": round((orm_s / orm_n) / (engine_s / max(households, 1)), 1),
        **on_spark,
    }


def measure_spark(expr: Any, snapshot: Path, by_duckdb: Any) -> dict[str, Any]:
    """The expression on Spark (local mode) over the same snapshot; the same rows as DuckDB's or an error."""
    from tuopin.assessment.engine import run_spark, spark_session

    started = time.perf_counter()
    spark_session()
    spark_start_s = round(time.perf_counter() - started, 2)
    run_spark(expr, snapshot)  # the first query of a session is slower (code generation, JIT)
    spark_s, by_spark = _median(lambda: run_spark(expr, snapshot))
    if not by_spark.equals(by_duckdb):
        raise RuntimeError("Spark and DuckDB disagree")
    return {"spark_s": spark_s, "spark_start_s": spark_start_s}


def change_incomes(year: int, share: float) -> int:
    """Raise the income of `share` of the households, each change with its history row, as an import would."""
    import random
    from datetime import UTC, datetime

    from django.db import transaction

    from tuopin.core.bulk import insert_rows, update_rows
    from tuopin.registry.models import Change, Income

    rng = random.Random(5)  # noqa: S311 - synthetic change
    incomes = list(Income.objects.filter(year=year).values_list("pk", "household_id", "wage"))
    picked = rng.sample(incomes, k=max(1, int(len(incomes) * share)))
    now = datetime.now(UTC)
    with transaction.atomic():
        update_rows(Income, ["wage"], [(pk, wage + 1000) for pk, _household, wage in picked])
        insert_rows(
            Change,
            (
                {
                    "household_id": household,
                    "at": now,
                    "actor": "bench",
                    "action": "income_update",
                    "object_type": "income",
                    "object_id": pk,
                    "object_label": str(year),
                    "fields": {"wage": [str(wage), str(wage + 1000)]},
                    "reason": "bench",
                }
                for pk, household, wage in picked
            ),
        )
    return len(picked)


def orm_loop(params: Params, limit: int = ORM_LOOP_HOUSEHOLDS) -> tuple[float, int]:
    """The baseline: each household read and judged in Python, one at a time."""
    from datetime import date

    started = time.perf_counter()
    cutoff = date(params.year, *params.cutoff)
    year_end = date(params.year, 12, 31)
    count = 0
    for household in Household.objects.filter(merged_into__isnull=True).order_by("pk")[:limit]:
        members = [
            m
            for m in household.members.all()
            if m.birth_date <= year_end and (m.left_on is None or m.left_on > year_end)
        ]
        income = household.incomes.filter(year=params.year).first()
        out = 0
        for m in members:
            age = (
                cutoff.year
                - m.birth_date.year
                - ((cutoff.month, cutoff.day) < (m.birth_date.month, m.birth_date.day))
            )
            if (
                params.school_age_min <= age <= params.school_age_max
                and m.school_status in {"not_in_school", "dropout"}
                and (m.disability_grade or 0) not in {1, 2}
            ):
                out += 1
        income_ok = income is not None and bool(members) and income.net > params.line * Decimal(len(members))
        _ = (
            income_ok
            and not out
            and all(m.medical_insurance for m in members)
            and (household.housing_safety in {"A", "B"} or household.relocated)
            and bool(household.water_safe)
        )
        count += 1
    return time.perf_counter() - started, count
