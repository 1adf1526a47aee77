"""Seed the national profile and Hebei's overrides from data/profiles.json (values with their sources)."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "profiles.json"


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    PolicyValue = apps.get_model("policy", "PolicyValue")
    PolicyChange = apps.get_model("policy", "PolicyChange")
    for profile, rows in json.loads(DATA.read_text(encoding="utf-8")).items():
        province = "" if profile == "national" else profile
        for row in rows:
            value, created = PolicyValue.objects.get_or_create(
                key=row["key"], province=province, year=row["year"],
                defaults={"value": row["value"], "source": row["source"], "note": row["note"]},
            )  # fmt: skip
            if created:
                PolicyChange.objects.create(policy_value=value, actor_name="system", new_value=value.value,
                                            new_source=value.source, note="seed")  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
