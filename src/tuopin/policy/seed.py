"""The shipped profiles (data/profiles.json: the national values of POLICY.md and Hebei's overrides, each with its
source), written after every `migrate` (and after a test database is flushed) by the post_migrate signal.

Idempotent: a key, profile and year already present is left as it is, so values edited since are never reset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "profiles.json"


def policy_seed(**_kwargs: Any) -> int:
    """Write the shipped values that are missing; returns how many were written."""
    from tuopin.policy.models import PolicyChange, PolicyValue

    present = set(PolicyValue.objects.values_list("key", "province", "year"))
    written = 0
    for profile, rows in json.loads(DATA.read_text(encoding="utf-8")).items():
        province = "" if profile == "national" else profile
        for row in rows:
            if (row["key"], province, row["year"]) in present:
                continue
            value = PolicyValue.objects.create(
                key=row["key"],
                province=province,
                year=row["year"],
                value=row["value"],
                source=row["source"],
                note=row["note"],
            )
            PolicyChange.objects.create(
                policy_value=value,
                actor_name="system",
                new_value=value.value,
                new_source=value.source,
                note="seed",
            )
            written += 1
    return written
