"""The registry snapshot the batch engines read: one Parquet file per table with only the columns the rules need
(tuopin.assessment.rules.SCHEMAS), written from the database of record in batches (memory stays flat), each file
replaced only once it is complete.

Refreshed incrementally: every write to a household, its members or incomes leaves a row in the registry's history
(registry.Change), so the households changed since the last refresh are the history's rows after the last one the
snapshot has seen (state.json). Only their rows are read again and swapped in; the division tables, which have no
history, are copied whole. A refresh that would re-read more than a quarter of the households writes afresh.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.apps import apps
from django.conf import settings
from django.db import connection

from tuopin.assessment.rules import DERIVED, SCHEMAS, snapshot_schema

ARROW_TYPES = {
    "int64": pa.int64(),
    "string": pa.string(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "decimal(14, 2)": pa.decimal128(14, 2),
}
FETCH = 50_000


def snapshot_dir() -> Path:
    return Path(settings.DATA_DIR) / "snapshot"


STATE = "state.json"
# The household each table's rows belong to (the tables the history covers).
HOUSEHOLD_KEY = {
    "registry_household": "id",
    "registry_member": "household_id",
    "registry_income": "household_id",
}
FULL_ABOVE, FULL_MIN = 0.25, 1000  # afresh when more than a quarter (and more than a thousand) changed


def _last_change() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM registry_change")
        return int(cursor.fetchone()[0] or 0)


def snapshot_refresh(target: Path | None = None) -> dict[str, Any]:
    """Bring the snapshot up to date: only the households changed since the last refresh when it can, else afresh.
    Returns the mode, the households re-read (incremental) and the row count of each table."""
    import json

    target = target or snapshot_dir()
    state_path = target / STATE
    try:
        state = json.loads(state_path.read_text())
    except (OSError, ValueError):
        state = None
    if state is None or not all(_current(target, table, schema) for table, schema in SCHEMAS.items()):
        return {"mode": "full", **snapshot_write(target)}
    seen = _last_change()  # read first: what changes while we copy is read again next time
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT household_id FROM registry_change WHERE id > %s", [state["change"]])
        changed = sorted(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT count(*) FROM registry_household")
        total = cursor.fetchone()[0] or 1
    if len(changed) > max(FULL_ABOVE * total, FULL_MIN):
        return {"mode": "full", **snapshot_write(target)}
    counts: dict[str, Any] = {"mode": "incremental", "changed_households": len(changed)}
    for table, schema in SCHEMAS.items():
        if table in HOUSEHOLD_KEY:
            counts[table] = _swap(target, table, schema, HOUSEHOLD_KEY[table], changed)
        else:
            counts[table] = _copy(target, table, schema)
    state_path.write_text(json.dumps({"change": seen}))
    return counts


def _current(target: Path, table: str, schema: dict[str, str]) -> bool:
    """The table's file exists with the columns the rules read now (a new column means writing afresh)."""
    path = target / f"{table}.parquet"
    return path.exists() and pq.read_schema(path).names == list(snapshot_schema(table))


def _swap(target: Path, table: str, schema: dict[str, str], key: str, changed: list[int]) -> int:
    """The table's file with the rows of the changed households replaced by what the database holds now."""
    import duckdb

    from tuopin.core.bulk import batches, lookup_chunk

    if not changed:
        return int(pq.ParquetFile(target / f"{table}.parquet").metadata.num_rows)
    arrow_schema = _schema(snapshot_schema(table))
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    fresh: list[pa.Table] = []
    for chunk in batches(changed, lookup_chunk()):  # the `among` lookup: one array parameter on PostgreSQL
        rows = list(model._default_manager.filter(**{f"{key}__among": chunk}).values_list(*schema))
        if rows:
            fresh.append(_derive(table, _table(rows, schema)))
    new_rows = pa.concat_tables(fresh) if fresh else arrow_schema.empty_table()
    gone = pa.table({"key": pa.array(changed, pa.int64())})
    path, temporary = target / f"{table}.parquet", target / f"{table}.parquet.tmp"
    con = duckdb.connect()
    con.register("new_rows", new_rows)
    con.register("gone", gone)
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{path.as_posix()}') WHERE {key} NOT IN (SELECT key FROM gone) "  # noqa: S608
        f"UNION ALL SELECT * FROM new_rows ORDER BY 1) TO '{temporary.as_posix()}' (FORMAT parquet)"
    )
    con.close()
    temporary.replace(path)
    return int(pq.ParquetFile(path).metadata.num_rows)


def _schema(schema: dict[str, str]) -> pa.Schema:
    return pa.schema([(name, ARROW_TYPES[kind]) for name, kind in schema.items()])


def _table(rows: list[tuple[Any, ...]], schema: dict[str, str]) -> pa.Table:
    columns = list(zip(*rows, strict=True))
    arrays = [_array(values, kind) for values, kind in zip(columns, schema.values(), strict=True)]
    return pa.Table.from_arrays(arrays, schema=_schema(schema))


def _derive(table: str, rows: pa.Table) -> pa.Table:
    """The table's rows with its derived columns appended (assessment.rules.DERIVED)."""
    from tuopin.core.crypto import index_keys

    for name, (source, _kind) in DERIVED.get(table, {}).items():
        rows = rows.append_column(name, index_keys(rows.column(source).combine_chunks()))
    return rows


def snapshot_write(target: Path | None = None, progress: Any = None) -> dict[str, int]:
    """Write every table of the snapshot afresh; returns the row count of each."""
    import json

    target = target or snapshot_dir()
    target.mkdir(parents=True, exist_ok=True)
    seen = _last_change()
    counts = {table: _copy(target, table, schema) for table, schema in SCHEMAS.items()}
    (target / STATE).write_text(json.dumps({"change": seen}))
    return counts


def _copy(target: Path, table: str, schema: dict[str, str]) -> int:
    """One table copied whole. The database hands dates over as day numbers, money as whole cents and booleans as
    0/1, so that no value becomes a Python date or Decimal on the way, and Arrow reads each batch of row tuples as
    one struct array in C (no transposing in Python)."""
    arrow_schema = _schema(snapshot_schema(table))
    raw = pa.struct([(column, RAW_TYPES.get(kind, ARROW_TYPES[kind])) for column, kind in schema.items()])
    columns = ", ".join(_as_integer(column, kind) for column, kind in schema.items())
    sql = f"SELECT {columns} FROM {connection.ops.quote_name(table)} ORDER BY 1"  # noqa: S608
    temporary = target / f"{table}.parquet.tmp"
    rows = 0
    with connection.cursor() as cursor, pq.ParquetWriter(temporary, arrow_schema) as writer:
        cursor.execute(sql)
        while batch := cursor.fetchmany(FETCH):
            children = pa.array(batch, type=raw).flatten()
            arrays = [
                _from_integers(child, kind) for child, kind in zip(children, schema.values(), strict=True)
            ]
            writer.write_table(_derive(table, pa.Table.from_arrays(arrays, schema=_schema(schema))))
            rows += len(batch)
    temporary.replace(target / f"{table}.parquet")
    return rows


# How _copy reads the columns that the database cannot hand over as Arrow wants them.
RAW_TYPES = {"date": pa.int32(), "decimal(14, 2)": pa.int64(), "boolean": pa.int64()}


def _as_integer(column: str, kind: str) -> str:
    """The column as _copy reads it: a date as days since 1970-01-01, money as cents, a boolean as 0/1."""
    name = connection.ops.quote_name(column)
    sqlite = connection.vendor == "sqlite"
    if kind == "date":  # julianday of a date is N.5, exact in a double
        return (
            f"CAST(julianday({name}) - 2440587.5 AS INTEGER)" if sqlite else f"({name} - DATE '1970-01-01')"
        )
    if kind.startswith("decimal"):  # SQLite keeps money as REAL: round to the cent
        return f"CAST(ROUND({name} * 100) AS INTEGER)" if sqlite else f"CAST({name} * 100 AS BIGINT)"
    if kind == "boolean":
        return f"CAST({name} AS INTEGER)"
    return name


def _from_integers(values: pa.Array, kind: str) -> pa.Array:
    if kind == "date":
        return values.cast(pa.date32())
    if kind.startswith("decimal"):
        return _cents_to_decimal(values, ARROW_TYPES[kind])
    if kind == "boolean":
        return values.cast(pa.bool_())
    return values


def _cents_to_decimal(cents: pa.Array, kind: pa.DataType) -> pa.Array:
    """A decimal128 array of scale 2 whose unscaled values are `cents`: the 128-bit little-endian words written
    directly (the low word the cents, the high word their sign)."""
    import numpy as np

    low = cents.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    words = np.empty((len(low), 2), dtype=np.int64)
    words[:, 0], words[:, 1] = low, low >> 63
    validity = cents.buffers()[0] if cents.null_count else None
    return pa.Array.from_buffers(
        kind, len(low), [validity, pa.py_buffer(words.tobytes())], null_count=cents.null_count
    )


def _array(values: tuple[Any, ...], kind: str) -> pa.Array:
    if kind == "boolean":
        return pa.array([None if v is None else bool(v) for v in values], pa.bool_())
    if kind == "date" and values and isinstance(next((v for v in values if v is not None), None), str):
        from datetime import date

        return pa.array([None if v is None else date.fromisoformat(v) for v in values], pa.date32())
    if kind.startswith("decimal") and any(isinstance(v, float) for v in values):  # SQLite keeps money as REAL
        from decimal import Decimal

        return pa.array([None if v is None else Decimal(f"{v:.2f}") for v in values], ARROW_TYPES[kind])
    return pa.array(values, ARROW_TYPES[kind])
