"""The feed import benchmark: a synthetic medical-insurance CSV of N rows with valid ID numbers, imported through
`feed_import` as an upload would be. `tuopin bench feeds --rows N` runs it on a throwaway data directory;
`measure_import` is what other benchmarks call in their own (it leaves the batch in place for the screening)."""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
from django.utils import timezone

from tuopin.areas.models import Area
from tuopin.feeds.services import feed_import
from tuopin.feeds.sources import SOURCES
from tuopin.registry.idnumbers import make_id

MAX_PEOPLE = 1_000_000


def people(count: int, *, seed: int = 2024) -> list[str]:
    """`count` valid ID numbers of the loaded counties (or of Beijing's, when none is loaded)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    regions = list(Area.objects.filter(level="county").order_by("code").values_list("code", flat=True)[:200])
    regions = regions or ["110101", "110102", "110105"]
    first = date(1935, 1, 1)
    return [
        make_id(
            rng.choice(regions),
            first + timedelta(days=rng.randrange(30_000)),
            rng.randrange(100),
            female=rng.random() < 0.5,
        )
        for _n in range(count)
    ]


def generate_csv(path: Path, rows: int, *, ids: list[str] | None = None, end: date | None = None) -> int:
    """Write a medical CSV (the template's Chinese headers) of `rows` settlements of the twelve months to `end`,
    drawn from `ids` (default: one person per ten rows). Written by DuckDB: seconds for ten million rows."""
    pool = ids or people(min(max(rows // 10, 1000), MAX_PEOPLE))
    end = end or timezone.localdate()
    headers = [column.header for column in SOURCES["medical"].columns]
    con = duckdb.connect()
    try:
        con.execute(
            "CREATE TABLE pool AS SELECT unnest($1::VARCHAR[]) AS id, generate_subscripts($1::VARCHAR[], 1) - 1 AS i",
            [pool],
        )
        con.execute(f"""COPY (SELECT p.id AS "{headers[0]}", strftime(DATE '{end.isoformat()}' - (r % 365)::INTEGER, '%Y-%m-%d') AS "{headers[1]}",
                CASE WHEN r % 7 = 0 THEN '住院' ELSE '门诊' END AS "{headers[2]}",
                printf('%.2f', cost) AS "{headers[3]}", printf('%.2f', cost * 0.6) AS "{headers[4]}",
                printf('%.2f', cost - round(cost * 0.6, 2)) AS "{headers[5]}"
            FROM (SELECT range AS r, hash(range) % {len(pool)} AS k,
                         CASE WHEN range % 7 = 0 THEN 2000 + hash(range * 31) % 60000 ELSE 20 + hash(range * 17) % 800 END
                         + (hash(range * 7) % 100) / 100.0 AS cost FROM range({int(rows)}))
            JOIN pool p ON p.i = k ORDER BY r) TO '{path.as_posix()}' (HEADER, DELIMITER ',')""")  # noqa: S608
    finally:
        con.close()
    return rows


def measure_import(rows: int, *, ids: list[str] | None = None, folder: Path | None = None) -> dict[str, Any]:
    """Generate the CSV and time its import; the batch stays (its id is in the result)."""
    with tempfile.TemporaryDirectory(dir=folder) as workdir:
        path = Path(workdir) / "medical.csv"
        started = time.perf_counter()
        generate_csv(path, rows, ids=ids)
        generated = time.perf_counter()
        report = feed_import(actor=None, source="medical", path=path, name=f"bench-{rows}.csv")
        imported = time.perf_counter()
        size = path.stat().st_size
    return {
        "rows": rows,
        "accepted": report.accepted,
        "rejected": report.rejected,
        "batch": report.batch,
        "csv_mb": round(size / 1e6, 1),
        "generate_s": round(generated - started, 2),
        "import_s": round(imported - generated, 2),
    }
