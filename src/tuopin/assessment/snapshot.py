"""The registry snapshot the batch engines read: one Parquet file per table with only the columns the rules need
(tuopin.assessment.rules.SCHEMAS), written from the database of record in batches (memory stays flat), each file
replaced only once it is complete. Written afresh on every refresh for now (incremental refresh is still to come).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection

from tuopin.assessment.rules import SCHEMAS

ARROW_TYPES = {
    "int64": pa.int64(), "string": pa.string(), "boolean": pa.bool_(), "date": pa.date32(),
    "decimal(14, 2)": pa.decimal128(14, 2),
}  # fmt: skip
FETCH = 50_000


def snapshot_dir() -> Path:
    return Path(settings.DATA_DIR) / "snapshot"


def snapshot_write(target: Path | None = None, progress: Any = None) -> dict[str, int]:
    """Write every table of the snapshot afresh; returns the row count of each."""
    target = target or snapshot_dir()
    target.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table, schema in SCHEMAS.items():
        arrow_schema = pa.schema([(name, ARROW_TYPES[kind]) for name, kind in schema.items()])
        quote = connection.ops.quote_name
        sql = f"SELECT {', '.join(quote(c) for c in schema)} FROM {quote(table)} ORDER BY 1"  # noqa: S608
        temporary = target / f"{table}.parquet.tmp"
        rows = 0
        with connection.cursor() as cursor, pq.ParquetWriter(temporary, arrow_schema) as writer:
            cursor.execute(sql)
            while batch := cursor.fetchmany(FETCH):
                columns = list(zip(*batch, strict=True))
                arrays = [_array(values, kind) for values, kind in zip(columns, schema.values(), strict=True)]
                writer.write_table(pa.Table.from_arrays(arrays, schema=arrow_schema))
                rows += len(batch)
        temporary.replace(target / f"{table}.parquet")
        counts[table] = rows
    return counts


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
