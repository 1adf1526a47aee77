"""Running a rule expression (tuopin.assessment.rules) on an engine: the same SQL, compiled for each.

- `db`: the database of record through Django's connection (SQLite or PostgreSQL), for one household in a request
  and for small registries;
- `duckdb`: DuckDB over the Parquet snapshot (tuopin.assessment.snapshot), the default batch engine;
- `spark`: Spark SQL over the same snapshot (the optional extra `tuopin[spark]` and Java 17; one local-mode session
  per process, started on first use).
"""

from __future__ import annotations

import os
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

import ibis
from django.db import connection
from ibis.expr.types import Table

from tuopin.assessment.rules import SCHEMAS
from tuopin.env import env_str

DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres"}
ENGINES = ("duckdb", "db", "spark")
SNAPSHOT_ENGINES = ("duckdb", "spark")  # the engines that read the Parquet snapshot
SPARK_MISSING = "the Spark engine needs the optional extra: pip install 'tuopin[spark]' and Java 17"


class EngineUnavailable(RuntimeError):
    """The engine asked for is not installed here (the command line reports it as a usage error)."""


@lru_cache(maxsize=256)
def sql_for(expr: Table, engine: str) -> str:
    """The SQL of `expr` for `engine`, compiled once per expression (Ibis expressions are immutable and hashable;
    compiling the whole assessment takes about 0.1 s)."""
    if engine == "spark":
        _pyspark_options()
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


def _pyspark_options() -> None:
    """Ibis's pyspark compiler reads `ibis.options.pyspark`, which exists once the pyspark backend is loaded (loading
    it imports pyspark, so compiling for Spark needs the extra too)."""
    try:
        ibis.pyspark  # noqa: B018 - the attribute loads the backend and registers its options
    except (ImportError, AttributeError) as error:
        raise EngineUnavailable(SPARK_MISSING) from error


@lru_cache(maxsize=1)
def spark_session() -> Any:
    """The process's one local-mode SparkSession (two cores, few shuffle partitions, no UI, UTC), started on first
    use; each run works in a `newSession()` of it, so its temporary views are its own. TUOPIN_SPARK_MEMORY sets the
    driver's memory (default 2g)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise EngineUnavailable(SPARK_MISSING) from error
    if shutil.which("java") is None and not env_str("JAVA_HOME"):
        raise EngineUnavailable(SPARK_MISSING)
    # Local mode: the driver binds to the loopback, so no network is needed and Spark does not guess an address.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("tuopin-assessment")
        .config("spark.driver.memory", env_str("TUOPIN_SPARK_MEMORY", "2g"))
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def table_ddl(schema: dict[str, str], dialect: str) -> str:
    """`column type, …` of a schema of Ibis types in an engine's SQL (Ibis's own type mapping)."""
    from ibis.backends.sql.datatypes import DuckDBType, PySparkType

    mapper = {"duckdb": DuckDBType, "spark": PySparkType}[dialect]
    quote = "`" if dialect == "spark" else '"'
    return ", ".join(
        f"{quote}{column}{quote} {mapper.from_ibis(ibis.dtype(kind)).sql(dialect)}"
        for column, kind in schema.items()
    )


def run_spark(
    expr: Table, snapshot: Path, extra: dict[str, tuple[dict[str, str], list[Path]]] | None = None
) -> Any:
    """`expr` on Spark SQL over the snapshot (one temporary view per table, named as in the database of record)
    and any `extra` tables (name: (schema, Parquet files); an empty table when there are no files); returns a
    pyarrow Table of the expression's schema, as `run_duckdb` does."""
    session = spark_session().newSession()
    for name in SCHEMAS:
        session.read.parquet((snapshot / f"{name}.parquet").as_posix()).createOrReplaceTempView(name)
    for name, (schema, files) in (extra or {}).items():
        ddl = table_ddl(schema, "spark")
        frame = (
            session.read.schema(ddl).parquet(*[f.as_posix() for f in files])
            if files
            else session.createDataFrame([], ddl)
        )
        frame.select(*schema).createOrReplaceTempView(name)
    frame = session.sql(sql_for(expr, "spark"))
    return frame.toArrow().cast(expr.schema().to_pyarrow())
