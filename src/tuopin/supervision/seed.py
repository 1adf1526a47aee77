"""The shipped checklist templates (data/checklists.json: 八看八查 of seed 000), written after every migrate and
every flush (post_migrate) when missing; an existing template is left alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "checklists.json"


def checklists_seed(**_kwargs: Any) -> int:
    """Write the shipped templates that are missing; returns how many were written."""
    from tuopin.supervision.models import Checklist, ChecklistItem

    written = 0
    for entry in json.loads(DATA.read_text(encoding="utf-8"))["checklists"]:
        checklist, created = Checklist.objects.get_or_create(
            code=entry["code"], defaults={"name": entry["name"], "source": entry["source"]}
        )
        if created:
            ChecklistItem.objects.bulk_create(
                ChecklistItem(checklist=checklist, position=position, look=look, inquiry=inquiry)
                for position, (look, inquiry) in enumerate(entry["items"], start=1)
            )
            written += 1
    return written
