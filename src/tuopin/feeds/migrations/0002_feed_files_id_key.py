"""Feed files written before the blind index's integer form (`id_key`) was stored get it: each file is rewritten
with the column after `id_masked`, computed by the same SQL as the importer's (tuopin.core.crypto.INDEX_KEY_SQL);
and a batch of a summed source (medical) gets its per-person totals file (tuopin.feeds.importer.write_totals)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import migrations


def add_id_key(apps: Any, schema_editor: Any) -> None:
    import pyarrow.parquet as pq

    from tuopin.core.crypto import INDEX_KEY_SQL
    from tuopin.feeds.importer import write_totals
    from tuopin.feeds.sources import SOURCES

    batch_model = apps.get_model("feeds", "FeedBatch")
    for source, relative in batch_model.objects.values_list("source", "path"):
        path = Path(settings.DATA_DIR) / relative
        if not path.exists():
            continue
        if "id_key" not in pq.read_schema(path).names:
            _add_key(path, INDEX_KEY_SQL)
        totals = path.with_suffix(".totals.parquet")
        if SOURCES[source].summed and not totals.exists():
            write_totals(SOURCES[source], path, totals)


def _add_key(path: Path, key_sql: str) -> None:
    import duckdb

    temporary = path.with_name(f".{path.name}.tmp")
    con = duckdb.connect()
    try:  # our own data directory's paths
        con.execute(f"""COPY (SELECT id_index, id_masked, {key_sql.format(index="id_index")} AS id_key,
                             * EXCLUDE (id_index, id_masked) FROM read_parquet('{path.as_posix()}'))
                        TO '{temporary.as_posix()}' (FORMAT parquet, COMPRESSION zstd)""")  # noqa: S608
        os.replace(temporary, path)
    finally:
        con.close()
        temporary.unlink(missing_ok=True)


class Migration(migrations.Migration):
    dependencies = [("feeds", "0001_initial")]
    operations = [migrations.RunPython(add_id_key, migrations.RunPython.noop)]
