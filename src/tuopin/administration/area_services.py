"""Writes on the division tree: loading divisions and importing yearly attributes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from tuopin.areas.codes import area_q
from tuopin.areas.divisions import Division, read_divisions
from tuopin.areas.models import Area, AreaYear
from tuopin.audit.services import audit_record

if TYPE_CHECKING:
    from tuopin.accounts.models import User

LEVEL_ORDER = ("province", "city", "county", "township", "village")


@dataclass(frozen=True)
class LoadResult:
    province: str
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def areas_load(*, province: str, source: Path | None = None, batch_size: int = 2000) -> LoadResult:
    """Load one province's divisions; idempotent (re-running changes nothing), names updated in place."""
    rows = sorted(read_divisions(province, source), key=lambda d: (LEVEL_ORDER.index(d.level), d.code))
    existing = dict(Area.objects.filter(area_q("code", province)).values_list("code", "name"))
    new = [d for d in rows if d.code not in existing]
    renamed = [d for d in rows if d.code in existing and existing[d.code] != d.name]
    Area.objects.bulk_create((_area(d) for d in new), batch_size=batch_size)
    for division in renamed:
        Area.objects.filter(code=division.code).update(name=division.name)
    result = LoadResult(province, len(new), len(renamed), len(rows) - len(new) - len(renamed))
    if new or renamed:
        audit_record(
            action="areas.load",
            object_type="province",
            object_id=province,
            details={"created": result.created, "updated": result.updated},
        )
    return result


def _area(division: Division) -> Area:
    return Area(
        code=division.code, name=division.name, level=division.level, parent_id=division.parent or None
    )


def areas_count(*, province: str) -> dict[str, int]:
    counts = Counter(Area.objects.filter(area_q("code", province)).values_list("level", flat=True))
    return {level: counts.get(level, 0) for level in LEVEL_ORDER}


@dataclass(frozen=True)
class AttributeRow:
    code: str
    year: int
    values: dict[str, int | bool]  # only the columns given; blank means unchanged


@transaction.atomic
def area_years_apply(
    *, rows: Iterable[AttributeRow], actor: User | None = None, source: str = ""
) -> dict[str, int]:
    """Apply validated yearly attributes in one transaction, keeping old and new values in the audit log."""
    created = updated = unchanged = 0
    changes: list[dict[str, object]] = []
    for row in rows:
        record, was_created = AreaYear.objects.get_or_create(area_id=row.code, year=row.year)
        diff = {
            name: (getattr(record, name), value)
            for name, value in row.values.items()
            if getattr(record, name) != value
        }
        for name, (_old, value) in diff.items():
            setattr(record, name, value)
        if diff:
            record.save(update_fields=list(diff))
            changes.append(
                {
                    "area": row.code,
                    "year": row.year,
                    "old": {k: v[0] for k, v in diff.items()},
                    "new": {k: v[1] for k, v in diff.items()},
                }
            )
        created += was_created
        updated += bool(diff) and not was_created
        unchanged += not diff and not was_created
    audit_record(
        action="areas.attributes",
        actor=actor,
        object_type="file",
        object_id=source[:64],
        details={"created": created, "updated": updated, "changes": changes[:1000]},
    )
    return {"created": created, "updated": updated, "unchanged": unchanged}
