"""`tuopin bench registry`: import throughput and page latency of the registry, measured on a throwaway database.

The parent process prepares a fresh data directory (and, for PostgreSQL, a fresh database), then runs each step in
its own child process so that the peak memory of the import is the import's own (ru_maxrss of that process)."""

from __future__ import annotations

import random
import resource
import secrets
import statistics
import time
from pathlib import Path
from typing import Any

import xlsxwriter

from tuopin.areas.models import Area
from tuopin.registry.demo import province_households, write_drafts
from tuopin.registry.exporters import label
from tuopin.registry.importers import import_registry
from tuopin.registry.models import Household, Member
from tuopin.registry.workbook import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLDS,
    INCOME_COLUMNS,
    INCOMES,
    MEMBER_COLUMNS,
    MEMBERS,
)


def generate_workbook(path: Path, households: int, seed: int = 7) -> dict[str, int]:
    """A valid registration workbook of `households` households across Hebei, one income year each."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    villages = list(Area.objects.filter(level="village").order_by("code").values_list("code", flat=True))
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheets = {name: book.add_worksheet(name) for name in (HOUSEHOLDS, MEMBERS, INCOMES)}
    for name, columns in (
        (HOUSEHOLDS, HOUSEHOLD_COLUMNS),
        (MEMBERS, MEMBER_COLUMNS),
        (INCOMES, INCOME_COLUMNS),
    ):
        sheets[name].write_row(0, 0, [c.header for c in columns if c.field != "other_cause_3"])
    rows = {HOUSEHOLDS: 0, MEMBERS: 0, INCOMES: 0}
    for draft in province_households(rng, villages, households, set(), years=range(2019, 2020)):
        household = draft.household
        head = next(p for p in draft.members if p["relation"] == "head")
        rows[HOUSEHOLDS] += 1
        sheets[HOUSEHOLDS].write_row(
            rows[HOUSEHOLDS],
            0,
            [
                household["number"],
                household["village_id"],
                head["id_number"],
                label(Household, "category", household["category"]),
                "国家标准",
                label(Household, "main_cause", household["main_cause"]),
                "",
                "建档立卡户",
                "2014",
                label(Household, "status", household["status"]),
                str(household["exit_year"] or ""),
                household["housing_safety"],
                "否",
                "是",
                "",
            ],
        )
        for person in draft.members:
            rows[MEMBERS] += 1
            sheets[MEMBERS].write_row(
                rows[MEMBERS],
                0,
                [
                    household["number"],
                    person["name"],
                    person["id_number"],
                    label(Member, "relation", person["relation"]),
                    "汉族",
                    label(Member, "education", person["education"]),
                    label(Member, "school_status", person["school_status"]),
                    label(Member, "health", person["health"]),
                    str(person["disability_grade"] or ""),
                    label(Member, "labour", person["labour"]),
                    label(Member, "work_status", person["work_status"]),
                    "是",
                    "是" if person["pension_insurance"] else "否",
                    "否",
                ],
            )
        for income in draft.incomes:
            rows[INCOMES] += 1
            sheets[INCOMES].write_row(
                rows[INCOMES],
                0,
                [household["number"], str(income["year"])]
                + [str(income[k]) for k in ("wage", "business", "property_income", "transfer", "costs")],
            )
    book.close()
    return rows


def fill_registry(total: int, seed: int = 11) -> dict[str, Any]:
    """Top the registry up to `total` households through the demo generator's bulk path (for page latency)."""
    missing = total - Household.objects.count()
    if missing <= 0:
        return {"filled": 0}
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    villages = list(Area.objects.filter(level="village").order_by("code").values_list("code", flat=True))
    used = set(Member.objects.values_list("id_index", flat=True))
    started = time.perf_counter()
    result = write_drafts(province_households(rng, villages, missing, used, tag="9", years=range(2019, 2020)))
    return {"filled": result.households, "fill_s": round(time.perf_counter() - started, 1)}


def measure_import(path: Path) -> dict[str, Any]:
    started = time.perf_counter()
    result = import_registry(path)
    elapsed = time.perf_counter() - started
    if not result.ok:
        raise RuntimeError(f"benchmark workbook rejected: {result.errors[:3]}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "households": result.households,
        "members": result.members,
        "import_s": round(elapsed, 2),
        "import_peak_mb": round(peak_mb, 1),
    }


def bench_client() -> Any:
    """A test client signed in as a province office ("bench"), its second factor long since given, on fresh planner
    statistics (as autovacuum or SQLite's optimize would give a database in use): what the page benchmarks time."""
    from django.db import connection
    from django.test import Client

    import tuopin.accounts.middleware as middleware
    from tuopin.accounts.models import User
    from tuopin.accounts.services import UserFields, user_create

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = User.objects.filter(username="bench").first() or user_create(
        actor=None,
        username="bench",
        password=secrets.token_urlsafe(16),
        fields=UserFields(role="province", area_codes=["13"]),
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[middleware.SIGNED_IN_AT_SESSION_KEY] = time.time() + 10**6
    session.save()
    return client


def measure_pages(samples: int = 60) -> dict[str, Any]:
    """p95 of the household list (filters, pages) and of searches, through the whole Django stack."""
    client = bench_client()
    rng = random.Random(3)  # noqa: S311 - synthetic data
    numbers = list(Household.objects.order_by("?").values_list("number", flat=True)[:samples])
    names = list(Member.objects.order_by("?").values_list("name", flat=True)[:samples])
    counties = list(Area.objects.filter(level="county").values_list("code", flat=True))
    list_queries = [{}, {"status": "exited_policy"}, {"cause": "illness"}, {"category": "dibao"}]

    def timed(path: str, params: dict[str, str]) -> float:
        started = time.perf_counter()
        response = client.get(path, params)
        assert response.status_code == 200, response.status_code
        return (time.perf_counter() - started) * 1000

    # First pages of a county, and later pages (after a random household: the cursor of a page boundary).
    lists = [
        timed("/registry/", {**rng.choice(list_queries), "area": rng.choice(counties)})
        for _ in range(samples // 2)
    ]
    lists += [
        timed("/registry/", {**rng.choice(list_queries), "after": rng.choice(numbers)})
        for _ in range(samples // 2)
    ]
    searches = [timed("/registry/", {"q": rng.choice(names)}) for _ in range(samples // 2)]
    searches += [timed("/registry/", {"q": rng.choice(numbers)}) for _ in range(samples // 2)]

    def p95(values: list[float]) -> float:
        return round(statistics.quantiles(values, n=20)[18], 1)

    return {"list_p95_ms": p95(lists), "search_p95_ms": p95(searches)}
