"""Ship the checklist templates of data/checklists.json (八看八查, seed 000); an existing template is left alone."""

import json
from pathlib import Path
from typing import Any

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "checklists.json"


def load(apps: Any, schema_editor: Any) -> None:
    checklist_model = apps.get_model("supervision", "Checklist")
    item_model = apps.get_model("supervision", "ChecklistItem")
    for entry in json.loads(DATA.read_text(encoding="utf-8"))["checklists"]:
        checklist, created = checklist_model.objects.get_or_create(
            code=entry["code"], defaults={"name": entry["name"], "source": entry["source"]}
        )
        if created:
            item_model.objects.bulk_create(
                item_model(checklist=checklist, position=position, look=look, inquiry=inquiry)
                for position, (look, inquiry) in enumerate(entry["items"], start=1)
            )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
