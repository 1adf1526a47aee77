"""The bulk write path: many rows in few statements, without building one ORM object per row.

Imports and the demo generator write hundreds of thousands of rows; the ORM's bulk_create spends most of its time
compiling SQL per object. Here rows are plain dicts keyed by field name; each value is prepared once by the field's
own `get_db_prep_save` where the driver cannot take it as it is, missing fields take the field's default, and the
rows go to the database with `executemany` (SQLite) or `COPY` (PostgreSQL). Callers run inside their own
transaction; nothing here commits.

New rows that others point at get their primary keys up front (`reserve_ids`), so a writer knows every key without
reading its rows back, and can insert rows that point at each other (a household and its head) in one pass:
foreign keys are checked at commit on both databases (Django declares them DEFERRABLE INITIALLY DEFERRED).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED
from django.db.transaction import TransactionManagementError

# Field types whose Python values both drivers accept unchanged (Django registers Decimal for sqlite3 itself).
PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DecimalField,
    models.ForeignKey,
    models.BinaryField,
)
BATCH = 5000


def lookup_chunk() -> int:
    """How many keys one `field__among=keys` query takes: SQLite binds each (its limit of host parameters is 32,766
    since 3.32, 999 before); PostgreSQL takes them as one array parameter."""
    return 20_000 if connection.vendor == "postgresql" else 900


def _columns(model: type[models.Model], pk: bool = False) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if pk or not f.primary_key]


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys of `model`'s table, unused and never handed out again, for rows the caller then
    inserts with `insert_rows(..., pk=True)`. Inside a transaction only: on SQLite the reservation is a write to
    `sqlite_sequence` (Django's AUTOINCREMENT tables), safe because the transaction holds the write lock from BEGIN
    (transaction_mode IMMEDIATE); on PostgreSQL it draws from the column's identity sequence."""
    if count <= 0:
        return []
    if not connection.in_atomic_block:
        raise TransactionManagementError("reserve_ids needs the caller's transaction")
    table = model._meta.db_table
    pk = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), pk, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT max({connection.ops.quote_name(pk)}) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        first = max(highest, row[0] if row else 0) + 1
        if row:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [first + count - 1, table])
        else:
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, first + count - 1]
            )
    return list(range(first, first + count))


def _preparer(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: None if value is None else json.dumps(value, cls=encoder)
    if isinstance(field, PLAIN):
        return None
    if isinstance(field, models.DateTimeField):
        seen: dict[Any, Any] = {}  # the rows of one batch usually share one timestamp

        def prepare(value: Any) -> Any:
            if value not in seen:
                seen[value] = field.get_db_prep_save(value, connection)
            return seen[value]

        return prepare
    if isinstance(field, models.DateField):
        return lambda value: None if value is None else connection.ops.adapt_datefield_value(value)
    return lambda value: field.get_db_prep_save(value, connection)


def _default(field: models.Field[Any, Any]) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        from django.utils import timezone

        return timezone.now()
    if field.default is NOT_PROVIDED:
        return None if field.null else ("" if field.empty_strings_allowed else None)
    return field.get_default()


def batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """`items` in lists of at most `size` (the last one shorter)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_rows(model: type[models.Model], rows: Iterable[Mapping[str, Any]], *, pk: bool = False) -> int:
    """Insert `rows` (dicts of field attnames, e.g. `village_id`) into `model`'s table; returns the row count.

    Fields not in a row take their default (auto_now fields the current time). With `pk`, each row carries its
    primary key (from `reserve_ids`). No signals, no `save()`."""
    fields = _columns(model, pk)
    names = [f.attname for f in fields]
    defaults = {f.attname: _default(f) for f in fields}
    preparers = [(i, p) for i, f in enumerate(fields) if (p := _preparer(f)) is not None]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)

    def values(row: Mapping[str, Any]) -> list[Any]:
        out = [row.get(name, defaults[name]) for name in names]
        for index, prepare in preparers:
            out[index] = prepare(out[index])
        return out

    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the driver's cursor: no per-row SQL rewriting or debug wrapping
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values(row))
                    count += 1
            return count
        placeholders = ", ".join(["?"] * len(fields))  # sqlite3 paramstyle: one "?" per column
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model, values bound
        for batch in batches(rows, BATCH):
            raw.executemany(sql, [values(row) for row in batch])
            count += len(batch)
    return count


def update_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """`UPDATE model SET fields… WHERE pk = …` for each row `(pk, *values)`; values in `fields` order."""
    meta = model._meta
    targets: list[models.Field[Any, Any]] = [meta.get_field(name) for name in fields]  # type: ignore[misc]
    preparers = [(i, p) for i, f in enumerate(targets) if (p := _preparer(f)) is not None]
    sets = ", ".join(f"{connection.ops.quote_name(str(f.column))} = %s" for f in targets)
    pk = connection.ops.quote_name(str(meta.pk.column))
    sql = f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {sets} WHERE {pk} = %s"  # noqa: S608
    count = 0
    if connection.vendor == "postgresql":
        return _update_rows_postgresql(model, targets, preparers, rows)
    with connection.cursor() as cursor:
        for batch in batches(rows, BATCH):
            prepared = []
            for pk, *values in batch:
                for index, prepare in preparers:
                    values[index] = prepare(values[index])
                prepared.append([*values, pk])
            cursor.executemany(sql, prepared)
            count += len(batch)
    return count


def _update_rows_postgresql(
    model: type[models.Model],
    targets: list[models.Field[Any, Any]],
    preparers: list[tuple[int, Callable[[Any], Any]]],
    rows: Iterable[Sequence[Any]],
) -> int:
    """The rows COPYed into a temporary table shaped like the target's columns, then one UPDATE … FROM."""
    quote = connection.ops.quote_name
    meta = model._meta
    pk = quote(str(meta.pk.column))
    columns = [quote(str(f.column)) for f in targets]
    count = 0
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bulk_update_rows")
        cursor.execute(
            f"CREATE TEMPORARY TABLE bulk_update_rows ON COMMIT DROP AS SELECT {pk}, {', '.join(columns)} "  # noqa: S608
            f"FROM {quote(meta.db_table)} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY bulk_update_rows ({pk}, {', '.join(columns)}) FROM STDIN") as copy:
            for key, *values in rows:
                for index, prepare in preparers:
                    values[index] = prepare(values[index])
                copy.write_row([key, *values])
                count += 1
        sets = ", ".join(f"{column} = source.{column}" for column in columns)
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS target SET {sets} FROM bulk_update_rows AS source "  # noqa: S608
            f"WHERE target.{pk} = source.{pk}"
        )
        cursor.execute("DROP TABLE bulk_update_rows")
    return count
