"""`tuopin bench screen`: the screening rules on DuckDB over the snapshot and a medical feed of many claims.

- `import_s`: `feed_import` of the claims CSV (every row checked, IDs turned into blind indexes, Parquet written);
- `engine_s`: the Ibis-compiled rules that have data in the bench (medical, income, income_drop) as one query;
- `reference_s`: the same three rules written by hand as one DuckDB query over the same files, in the same run.
Both are the median of three runs on the same connection; they must flag the same households per rule.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import ibis

from tuopin.monitoring.rules import ScreenParams

AS_OF = date(2022, 6, 30)  # the medical ratios hold from 2021; the bench registry holds incomes of 2019
BENCH_RULES = ("medical", "income", "income_drop")


def _median(run: Callable[[], Any], times: int = 3) -> tuple[float, Any]:
    timings, result = [], None
    for _n in range(times):
        started = time.perf_counter()
        result = run()
        timings.append(time.perf_counter() - started)
    return round(sorted(timings)[len(timings) // 2], 3), result


def write_claims(path: Path, claims: int, seed: int = 3) -> int:
    """A medical settlements CSV of `claims` rows over the registry's members (IDs in clear, as the health
    insurance sends them), a few percent of people with heavy costs; DuckDB writes it."""
    import duckdb
    import pyarrow as pa

    from tuopin.core.crypto import decrypt
    from tuopin.registry.models import Member

    ids = [decrypt(token) for token in Member.objects.values_list("id_encrypted", flat=True).iterator(20000)]
    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed / 10})").fetchall()
    con.register("people", pa.table({"n": pa.array(range(len(ids)), pa.int64()), "id": pa.array(ids)}))
    count = len(ids)
    con.execute(f"""COPY (
        SELECT p.id AS "身份证号", DATE '{AS_OF.year - 1}-07-01' + CAST(floor(random() * 365) AS INTEGER) AS "结算日期",
               CASE WHEN heavy THEN '住院' ELSE '门诊' END AS "就诊类型",
               round(total, 2) AS "医疗总费用", round(total * 0.6, 2) AS "报销金额", round(total * 0.4, 2) AS "个人自付"
        FROM (SELECT r.range AS k, random() < 0.02 AS heavy FROM range({claims}) r) c,
             LATERAL (SELECT CASE WHEN c.heavy THEN 5000 + random() * 60000 ELSE 50 + random() * 800 END AS total),
             people p
        WHERE p.n = hash(c.k) % {count}
    ) TO '{path.as_posix()}' (HEADER, DELIMITER ',')""")  # noqa: S608 - numbers and our own path
    con.close()
    return claims


def reference_sql(p: ScreenParams, within: str) -> str:
    """Medical (a household's costs summed over its members; a stranger's own), income and income_drop written by
    hand (the bench's check on the engine's generated SQL)."""
    start, end = p.window_start.isoformat(), p.as_of.isoformat()
    lower = min(p.medical_exited_cents or 0, p.medical_other_cents or 0)
    keep = int((1 - (p.income_drop_ratio or 0)) * 10000)
    return f"""
    WITH m AS (SELECT id AS mid, household_id, id_key FROM registry_member
               WHERE left_on IS NULL OR left_on > DATE '{end}'),
    h AS (SELECT id, village_id, population_type, status FROM registry_household WHERE merged_into_id IS NULL),
    totals AS (SELECT id_key, total FROM feed_medical_totals
               WHERE last_on > DATE '{start}' AND first_on <= DATE '{end}'),
    bound AS (SELECT id_key, sum(total) AS bound FROM totals GROUP BY id_key),
    household_bound AS (SELECT m.household_id, sum(b.bound) AS bound FROM bound b JOIN m ON m.id_key = b.id_key
                        GROUP BY m.household_id),
    window_rows AS (SELECT id_key, out_of_pocket FROM feed_medical
                    WHERE settled_on > DATE '{start}' AND settled_on <= DATE '{end}'),
    household_sums AS (
      SELECT m.household_id, CAST(round(sum(w.out_of_pocket) * 100) AS BIGINT) AS cents
      FROM window_rows w JOIN m ON m.id_key = w.id_key
      WHERE m.household_id IN (SELECT household_id FROM household_bound WHERE bound * 100 > {lower})
      GROUP BY m.household_id),
    inside AS (
      SELECT h.id AS household_id FROM household_sums c JOIN h ON h.id = c.household_id
      WHERE h.village_id LIKE '{within}%' AND c.cents > CASE
        WHEN h.population_type = 'monitored' OR h.status IN ('exited_policy', 'exited')
        THEN {p.medical_exited_cents} ELSE {p.medical_other_cents} END),
    outsiders AS (
      SELECT id_key FROM window_rows
      WHERE id_key IN (SELECT id_key FROM bound WHERE bound * 100 > {p.medical_other_cents})
        AND id_key NOT IN (SELECT id_key FROM m)
      GROUP BY id_key HAVING CAST(round(sum(out_of_pocket) * 100) AS BIGINT) > {p.medical_other_cents}),
    medical AS (
      SELECT household_id FROM inside
      UNION ALL SELECT NULL FROM (SELECT id_key, min(id_masked) AS masked FROM feed_medical
                                  WHERE id_key IN (SELECT id_key FROM outsiders) GROUP BY id_key)
                WHERE masked LIKE '{within}%'),
    screened AS (SELECT id FROM h WHERE village_id LIKE '{within}%'
                 AND NOT (population_type = 'registered' AND status = 'poor')),
    inc AS (SELECT household_id, year, CAST(round((wage + business + property_income + transfer - costs) * 100)
                   AS BIGINT) AS net FROM registry_income WHERE year <= {p.as_of.year}),
    latest AS (SELECT household_id, max(year) AS year FROM inc GROUP BY household_id),
    persons AS (SELECT household_id, count(*) AS persons FROM m GROUP BY household_id),
    rows AS (SELECT s.id, i.net, n.persons, b.net AS prev FROM screened s
             JOIN latest l ON l.household_id = s.id JOIN inc i ON i.household_id = s.id AND i.year = l.year
             JOIN persons n ON n.household_id = s.id
             LEFT JOIN inc b ON b.household_id = s.id AND b.year = l.year - 1)
    SELECT 'medical' AS rule, household_id FROM medical
    UNION ALL SELECT 'income', id FROM rows WHERE net < persons * {p.monitoring_line_cents}
    UNION ALL SELECT 'income_drop', id FROM rows WHERE prev > 0 AND net * 10000 < prev * {keep}
    """  # noqa: S608 - numbers from the policy profile


def measure(claims: int) -> dict[str, Any]:
    """Write and import the claims, snapshot the registry, then time the engine and the reference query."""
    from tuopin.administration.policy_services import policy_set
    from tuopin.assessment.engine import sql_for
    from tuopin.assessment.snapshot import snapshot_write
    from tuopin.feeds.services import feed_import
    from tuopin.monitoring.rules import RULES, tables
    from tuopin.monitoring.services import _connection, params_for
    from tuopin.registry.models import Household, Member

    policy_set(
        actor=None,
        key="rural_disposable_income",
        year=AS_OF.year - 1,
        value="18179",
        province="13",
        source="bench",
    )
    policy_set(
        actor=None, key="income_drop_ratio", year=AS_OF.year, value="0.3", province="13", source="bench"
    )
    from tuopin.feeds.models import FeedBatch

    for earlier in FeedBatch.objects.filter(
        source="medical"
    ):  # a measure step run again on the bench's database
        earlier.unlink_files()
        earlier.delete()
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "claims.csv"
        write_claims(csv_path, claims)
        started = time.perf_counter()
        report = feed_import(actor=None, source="medical", path=csv_path, name="bench-claims.csv")
        import_s = round(time.perf_counter() - started, 2)
        if report.accepted != claims:
            raise RuntimeError(f"claims refused: {report.as_json()['errors'][:3]}")
        snapshot = Path(folder) / "snapshot"
        snapshot_write(snapshot)
        params = params_for(AS_OF, "13")
        t = tables()
        parts = [RULES[name](t, params, "13").mutate(rule=ibis.literal(name)) for name in BENCH_RULES]  # type: ignore[union-attr]
        expr = parts[0].union(*parts[1:])
        con = _connection(snapshot)
        engine_s, by_engine = _median(lambda: con.sql(sql_for(expr, "duckdb")).to_arrow_table())
        reference_s, by_hand = _median(lambda: con.sql(reference_sql(params, "13")).to_arrow_table())
        con.close()
    engine = sorted(
        zip(by_engine.column("rule").to_pylist(), by_engine.column("household_id").to_pylist(), strict=True),
        key=str,
    )
    hand = sorted(
        zip(by_hand.column("rule").to_pylist(), by_hand.column("household_id").to_pylist(), strict=True),
        key=str,
    )
    if engine != hand:
        raise RuntimeError("the reference query and the engine disagree")
    return {
        "households": Household.objects.count(),
        "persons": Member.objects.count(),
        "claims": claims,
        "engine_s": engine_s,
        "reference_s": reference_s,
        "import_s": import_s,
        "alerts": {rule: sum(1 for r in engine if r[0] == rule) for rule in BENCH_RULES},
    }
