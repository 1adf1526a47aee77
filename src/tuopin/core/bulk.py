"""The bulk write path: many rows in few statements, without building one ORM object per row.

Imports and the demo generator write hundreds of thousands of rows; the ORM's bulk_create spends most of its time
compiling SQL per object. Here rows are plain dicts keyed by field name; each value is prepared once by the field's
own `get_db_prep_save` where the driver cannot take it as it is, missing fields take the field's default, and the
rows go to the database with `executemany` (SQLite) or `COPY` (PostgreSQL). Callers run inside their own
transaction; nothing here commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED

# Field types whose Python values both drivers accept unchanged (Django registers Decimal for sqlite3 itself).
PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.DecimalField,
         models.ForeignKey, models.BinaryField)  # fmt: skip
BATCH = 5000
LOOKUP_CHUNK = 900  # below SQLite's default limit of host parameters


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


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


def insert_rows(model: type[models.Model], rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert `rows` (dicts of field attnames, e.g. `village_id`) into `model`'s table; returns the row count.

    Fields not in a row take their default (auto_now fields the current time). No signals, no `save()`."""
    fields = _columns(model)
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


def key_map(
    queryset: models.QuerySet[Any], key: str, keys: Iterable[Any], field: str = "pk"
) -> dict[Any, Any]:
    """`{key value: field value}` for the rows of `queryset` whose `key` is in `keys`, read in chunks (by default
    the primary keys of rows just inserted, found by their natural key)."""
    found: dict[Any, Any] = {}
    for chunk in batches(sorted(set(keys)), LOOKUP_CHUNK):
        found.update(queryset.filter(**{f"{key}__in": chunk}).values_list(key, field))
    return found
