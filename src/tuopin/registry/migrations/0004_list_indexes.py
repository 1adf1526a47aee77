# Indexes for the household list at a million households: member names (prefix search), status with the list's
# order (village, number), and no index on merged_into (almost always NULL; it misled SQLite's planner).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("registry", "0003_household_merged_into"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["name"], name="member_name", opclasses=["varchar_pattern_ops"]),
        ),
        migrations.AlterField(
            model_name="household",
            name="merged_into",
            field=models.ForeignKey(blank=True, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="registry.household", verbose_name="并入户"),
        ),
        migrations.RemoveIndex(model_name="household", name="household_status_village"),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(fields=["status", "village", "number"], name="household_status_village"),
        ),
    ]
