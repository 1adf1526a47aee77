"""The import benchmark's file is valid through and through, and its import leaves a batch for the screening."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tuopin.feeds.bench import measure_import
from tuopin.feeds.models import FeedBatch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tree", "data_dir")]


def test_the_benchmark_imports_every_generated_row(tmp_path: Path) -> None:
    figures = measure_import(5000, folder=tmp_path)
    assert (figures["rows"], figures["accepted"], figures["rejected"]) == (5000, 5000, 0)
    batch = FeedBatch.objects.get(pk=figures["batch"])
    table = pq.read_table(batch.parquet)
    assert table.num_rows == 5000 and set(table.column("visit_type").to_pylist()) == {
        "inpatient",
        "outpatient",
    }
    assert figures["import_s"] >= 0 and not list(tmp_path.glob("tmp*"))  # the CSV is gone
