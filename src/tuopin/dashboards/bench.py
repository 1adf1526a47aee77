"""`tuopin bench dashboards`: the refresh of the stored figures and the dashboards' server time at a province's
size, through the whole Django stack (tuopin.site's bench command runs it in a throwaway data directory)."""

from __future__ import annotations

import statistics
import time
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuopin.dashboards.figures import figures_refresh


def assess() -> dict[str, Any]:
    """An assessment of the province, as the batch engine runs one, so that the figures hold a year's incidence and
    measures (the refresh after it is timed on its own)."""
    from django.test import override_settings

    from tuopin.assessment.services import assessment_run

    started = time.perf_counter()
    with override_settings(TUOPIN_FIGURES_REFRESH=False):
        run = assessment_run(actor=None, year=2019, area="13")
    return {"assess_s": round(time.perf_counter() - started, 2), "assessed": run.assessed}


def measure_refresh() -> dict[str, Any]:
    """A full refresh, then the incremental one after an import that touched one village."""
    from tuopin.registry.models import Household

    started = time.perf_counter()
    areas = figures_refresh()
    full = time.perf_counter() - started
    village = Household.objects.order_by("id").values_list("village_id", flat=True).first()
    started = time.perf_counter()
    partial = figures_refresh([village] if village else [])
    return {
        "refresh_s": round(full, 2),
        "refreshed_areas": areas,
        "refresh_one_village_s": round(time.perf_counter() - started, 2),
        "refreshed_areas_one_village": partial,
    }


def measure_dashboards(samples: int = 40) -> dict[str, Any]:
    """p95 server time and queries of the dashboards of the province, a city and a county."""
    from tuopin.areas.models import Area
    from tuopin.registry.bench import bench_client

    client = bench_client()
    # The city and the county with the most households (the largest pages).
    from tuopin.dashboards.models import AreaFigures

    def largest(level: str) -> str:
        rows = AreaFigures.objects.filter(area__level=level).values_list("area_id", "registry")
        return max(rows, key=lambda r: r[1].get("households", 0))[0]

    pages = {"province": "13", "city": largest("city"), "county": largest("county")}
    assert Area.objects.filter(code__in=pages.values()).count() == 3
    p95: dict[str, float] = {}
    queries: dict[str, int] = {}
    for name, code in pages.items():
        client.get("/dashboard/", {"area": code})  # warm
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                response = client.get("/dashboard/", {"area": code})
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        queries[name] = len(captured.captured_queries)
        p95[name] = round(statistics.quantiles(times, n=20)[18], 1)
    return {"p95_ms": p95, "queries": queries, "pages": pages}
