"""Running a rule expression (tuopin.assessment.rules) on an engine: the same SQL, compiled for each.

- `db`: the database of record through Django's connection (SQLite or PostgreSQL), for one household in a request
  and for small registries;
- `duckdb`: DuckDB over the Parquet snapshot (tuopin.assessment.snapshot), the default batch engine;
- `spark`: Spark SQL over the same snapshot (optional extra `pyspark`; local mode on one machine).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import ibis
from django.db import connection
from ibis.expr.types import Table

from tuopin.assessment.rules import SCHEMAS

DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres"}
ENGINES = ("duckdb", "db", "spark")


@lru_cache(maxsize=256)
def sql_for(expr: Table, engine: str) -> str:
    """The SQL of `expr` for `engine`, compiled once per expression (Ibis expressions are immutable and hashable;
    compiling the whole assessment takes about 0.1 s)."""
    dialect = {"duckdb": "duckdb", "spark": "pyspark"}.get(engine) or DIALECTS[connection.vendor]
    return str(ibis.to_sql(expr, dialect=dialect))


def run_db(expr: Table) -> list[dict[str, Any]]:
    """Rows of `expr` from the database of record; booleans as bool on both databases."""
    sql = sql_for(expr, "db")
    names = list(expr.schema().names)
    booleans = [name for name, kind in expr.schema().items() if kind.is_boolean()]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:  # SQLite answers 0/1
        for name in booleans:
            if row[name] is not None:
                row[name] = bool(row[name])
    return rows


def duckdb_connection(snapshot: Path) -> Any:
    """An in-memory DuckDB with one view per table of the snapshot, named as in the database of record."""
    import duckdb

    con = duckdb.connect()
    for name in SCHEMAS:
        path = snapshot / f"{name}.parquet"
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path.as_posix()}')")  # noqa: S608
    return con


def run_duckdb(expr: Table, snapshot: Path, con: Any = None) -> Any:
    """`expr` on DuckDB over the snapshot; returns a pyarrow Table of the expression's schema (DuckDB sums integers
    into HUGEINT, which Ibis, typing the sum as int64, does not cast back)."""
    con = con or duckdb_connection(snapshot)
    return con.sql(sql_for(expr, "duckdb")).to_arrow_table().cast(expr.schema().to_pyarrow())
