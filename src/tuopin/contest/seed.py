"""The shipped indicator systems (data/systems.json: the national four-group assessment and a Hebei-style county
system), written after every `migrate` and every flush (post_migrate) when missing: a system already present, with
whatever versions it has since, is left alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "systems.json"


def shipped_systems() -> list[dict[str, Any]]:
    systems: list[dict[str, Any]] = json.loads(DATA.read_text(encoding="utf-8"))["systems"]
    return systems


def systems_seed(**_kwargs: Any) -> int:
    """Write the shipped systems that are missing (version 1 each); returns how many were written."""
    from tuopin.contest.models import IndicatorSystem, SystemVersion

    present = set(IndicatorSystem.objects.values_list("key", flat=True))
    written = 0
    for entry in shipped_systems():
        if entry["key"] in present:
            continue
        system = IndicatorSystem.objects.create(key=entry["key"], name=entry["name"], level=entry["level"])
        SystemVersion.objects.create(
            system=system,
            version=1,
            definition=entry["definition"],
            source=entry["source"],
            note=entry["note"],
            created_by="system",
        )
        written += 1
    return written
