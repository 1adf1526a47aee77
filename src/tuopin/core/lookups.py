"""Lookups answered well on both databases.

`field__prefix=value`: text starting with `value`, answered from the column's index on every database.

Household-number and name search are prefix matches over large tables (area codes have their own range filter,
tuopin.accounts.scope.area_q). Django's
`startswith` is `LIKE 'value%' ESCAPE '\\'`, which SQLite never answers from an index (ESCAPE turns its LIKE
optimisation off), so at a million households each search scanned the table. `prefix` is the same match:

- on SQLite as the range `value <= field < next(value)`, where next(value) is value with its last character's code
  point raised by one; exact, because SQLite compares text byte-wise (code-point order) unless told otherwise;
- on PostgreSQL as Django's `startswith` (`LIKE 'value%'`, case-sensitive there as here), which a `varchar_pattern_ops` index answers under any
  collation (Django adds one beside each indexed or unique CharField; other indexes name the opclass).

`field__among=values` is `IN`, bound as one array on PostgreSQL (below).
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Field, ForeignObject
from django.db.models.lookups import In, StartsWith

_LAST_CODE_POINT = 0x10FFFF


@CharField.register_lookup
class Prefix(StartsWith):
    lookup_name = "prefix"

    def get_rhs_op(self, connection: Any, rhs: str) -> str:
        # The backends name their LIKE operators by Django's lookup names; ours is startswith's.
        if self.rhs_is_direct_value():
            return str(connection.operators["startswith"] % rhs)
        return str(connection.pattern_ops["startswith"].format(rhs))

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        if self.rhs_is_direct_value() and isinstance(self.rhs, str) and self.rhs:
            lhs, lhs_params = self.process_lhs(compiler, connection)
            value = self.rhs
            if ord(value[-1]) == _LAST_CODE_POINT:  # nothing sorts after it: the range would be open-ended
                return super().as_sql(compiler, connection)
            upper = value[:-1] + chr(ord(value[-1]) + 1)
            return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, value, *lhs_params, upper]
        return super().as_sql(compiler, connection)


class Among(In):
    """`field__among=values`: `field IN (…)` on SQLite; on PostgreSQL `field = ANY(%s)` with the values as one array
    parameter, so that a lookup of thousands of keys (imports, the snapshot refresh) is one short statement that the
    driver sends as it is (`tuopin.core.bulk.lookup_chunk` says how many keys one query takes)."""

    lookup_name = "among"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection) for value in self.rhs if value is not None]
        return f"{lhs} = ANY(%s)", [*lhs_params, values]


Field.register_lookup(Among)
ForeignObject.register_lookup(Among)  # related fields keep their own lookup table: `household_id__among=ids`
