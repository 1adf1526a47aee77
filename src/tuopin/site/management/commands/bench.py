from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.core.commands import TuopinCommand


class Command(TuopinCommand):
    help = (
        "Benchmarks on a throwaway database; prints JSON. `tuopin bench registry --households N`, "
        "`tuopin bench assess --households N`, `tuopin bench screen --households N --claims M`, "
        "`tuopin bench dashboards --households N`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, parser_class=type(parser))
        registry = sub.add_parser("registry", help="import throughput and memory, list and search p95")
        registry.add_argument(
            "--households", type=int, default=10_000, help="households in the imported workbook"
        )
        registry.add_argument(
            "--list-households",
            type=int,
            default=0,
            help="households in the database when the pages are timed (default: --households; "
            "the difference is generated through the bulk path)",
        )
        registry.add_argument(
            "--database-url",
            default="",
            help="a PostgreSQL server to bench on (a temporary database is created there and dropped)",
        )
        registry.add_argument("--json", action="store_true", help="(the output is always JSON)")
        registry.add_argument(
            "--step", choices=["generate", "import", "fill", "pages"], help=argparse_hidden()
        )
        registry.add_argument("--workbook", type=Path, help=argparse_hidden())
        assess = sub.add_parser(
            "assess", help="the rules engine on DuckDB against a hand-written query and an ORM loop"
        )
        assess.add_argument("--households", type=int, default=100_000, help="households in the registry")
        assess.add_argument("--json", action="store_true", help="(the output is always JSON)")
        assess.add_argument(
            "--spark", action="store_true", help="time the Spark engine too (the extra tuopin[spark])"
        )
        assess.add_argument("--step", choices=["fill", "measure"], help=argparse_hidden())
        screen = sub.add_parser(
            "screen",
            help="the screening rules over the registry and a medical feed, against a "
            "hand-written query; the feed import",
        )
        screen.add_argument("--households", type=int, default=100_000, help="households in the registry")
        screen.add_argument("--claims", type=int, default=1_000_000, help="rows of the medical feed")
        screen.add_argument("--json", action="store_true", help="(the output is always JSON)")
        screen.add_argument("--step", choices=["fill", "measure"], help=argparse_hidden())

        dashboards = sub.add_parser(
            "dashboards",
            help="the stored figures' refresh and the dashboards of a province, a city and a county",
        )
        dashboards.add_argument("--households", type=int, default=100_000, help="households in the registry")
        dashboards.add_argument(
            "--database-url",
            default="",
            help="a PostgreSQL server to bench on (a temporary database is created there and dropped)",
        )
        dashboards.add_argument("--json", action="store_true", help="(the output is always JSON)")
        dashboards.add_argument(
            "--step", choices=["fill", "assess", "refresh", "pages"], help=argparse_hidden()
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "dashboards":
            self._dashboards(options)
            return
        if options["what"] == "assess":
            self._assess(options)
            return
        if options["what"] == "screen":
            self._screen(options)
            return
        if options["step"]:
            self._step(options)
            return
        workdir = Path(tempfile.mkdtemp(prefix="tuopin-bench-"))
        env = {**os.environ, "TUOPIN_DATA_DIR": str(workdir), "TUOPIN_ALLOWED_HOSTS": "testserver"}
        env.pop("DATABASE_URL", None)
        database = "sqlite"
        dropper = None
        if options["database_url"]:
            env["DATABASE_URL"], dropper = _temporary_postgres(options["database_url"])
            database = "postgresql"
        try:
            figures: dict[str, Any] = {"households": options["households"], "database": database}
            _child(env, "init")
            workbook = workdir / "bench.xlsx"
            listed = max(options["list_households"], options["households"])
            figures["list_households"] = listed
            for step in ("generate", "import", "fill", "pages"):
                self.stderr.write(f"bench: {step} …")
                figures.update(
                    _child(
                        env,
                        "bench",
                        "registry",
                        "--step",
                        step,
                        "--workbook",
                        str(workbook),
                        "--households",
                        str(options["households"]),
                        "--list-households",
                        str(listed),
                    )
                )
                self.stderr.write(f"bench: {json.dumps(figures)}")
            self.stdout.write(json.dumps(figures))
        finally:
            if dropper:
                dropper()
            shutil.rmtree(workdir, ignore_errors=True)

    def _assess(self, options: dict[str, Any]) -> None:
        from tuopin.assessment import bench as assess_bench
        from tuopin.registry import bench

        if options["step"] == "fill":
            self.stdout.write(json.dumps(bench.fill_registry(options["households"])))
            return
        if options["step"] == "measure":
            from django.conf import settings

            snapshot = Path(
                tempfile.mkdtemp(dir=settings.DATA_DIR, prefix="bench-snapshot-")
            )  # no state: a full copy
            try:
                self.stdout.write(json.dumps(assess_bench.measure(snapshot, spark=options["spark"])))
            finally:
                shutil.rmtree(snapshot, ignore_errors=True)
            return
        workdir = Path(tempfile.mkdtemp(prefix="tuopin-bench-"))
        env = {**os.environ, "TUOPIN_DATA_DIR": str(workdir)}
        env.pop("DATABASE_URL", None)  # end to end from the embedded database, as the issue measures it
        try:
            _child(env, "init")
            figures: dict[str, Any] = {}
            for step in ("fill", "measure"):
                self.stderr.write(f"bench: {step} …")
                args = ["bench", "assess", "--step", step, "--households", str(options["households"])]
                figures.update(
                    _child(env, *args, *(["--spark"] if options["spark"] and step == "measure" else []))
                )
                self.stderr.write(f"bench: {json.dumps(figures)}")
            self.stdout.write(json.dumps(figures))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _screen(self, options: dict[str, Any]) -> None:
        from tuopin.monitoring import bench as screen_bench
        from tuopin.registry import bench

        if options["step"] == "fill":
            self.stdout.write(json.dumps(bench.fill_registry(options["households"])))
            return
        if options["step"] == "measure":
            self.stdout.write(json.dumps(screen_bench.measure(options["claims"])))
            return
        workdir = Path(tempfile.mkdtemp(prefix="tuopin-bench-"))
        env = {**os.environ, "TUOPIN_DATA_DIR": str(workdir)}
        env.pop("DATABASE_URL", None)
        try:
            _child(env, "init")
            figures: dict[str, Any] = {}
            for step in ("fill", "measure"):
                self.stderr.write(f"bench: {step} …")
                figures.update(
                    _child(
                        env,
                        "bench",
                        "screen",
                        "--step",
                        step,
                        "--households",
                        str(options["households"]),
                        "--claims",
                        str(options["claims"]),
                    )
                )
                self.stderr.write(f"bench: {json.dumps(figures)}")
            self.stdout.write(json.dumps(figures))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _dashboards(self, options: dict[str, Any]) -> None:
        from tuopin.dashboards import bench as dashboards_bench
        from tuopin.registry import bench

        step = options["step"]
        if step:
            if step == "fill":
                measured = bench.fill_registry(options["households"])
            elif step == "assess":
                measured = dashboards_bench.assess()
            elif step == "refresh":
                measured = dashboards_bench.measure_refresh()
            else:
                measured = dashboards_bench.measure_dashboards()
            self.stdout.write(json.dumps(measured))
            return
        workdir = Path(tempfile.mkdtemp(prefix="tuopin-bench-"))
        env = {**os.environ, "TUOPIN_DATA_DIR": str(workdir), "TUOPIN_ALLOWED_HOSTS": "testserver"}
        env.pop("DATABASE_URL", None)
        dropper = None
        database = "sqlite"
        if options["database_url"]:
            env["DATABASE_URL"], dropper = _temporary_postgres(options["database_url"])
            database = "postgresql"
        try:
            _child(env, "init")
            figures: dict[str, Any] = {"households": options["households"], "database": database}
            for step in ("fill", "assess", "refresh", "pages"):
                self.stderr.write(f"bench: {step} …")
                args = ["bench", "dashboards", "--step", step, "--households", str(options["households"])]
                figures.update(_child(env, *args))
                self.stderr.write(f"bench: {json.dumps(figures)}")
            self.stdout.write(json.dumps(figures))
        finally:
            if dropper:
                dropper()
            shutil.rmtree(workdir, ignore_errors=True)

    def _step(self, options: dict[str, Any]) -> None:
        from tuopin.registry import bench

        if options["step"] == "generate":
            rows = bench.generate_workbook(options["workbook"], options["households"])
            self.stdout.write(json.dumps({"workbook_rows": rows}, ensure_ascii=False))
        elif options["step"] == "import":
            self.stdout.write(json.dumps(bench.measure_import(options["workbook"])))
        elif options["step"] == "fill":
            self.stdout.write(json.dumps(bench.fill_registry(options["list_households"])))
        else:
            self.stdout.write(json.dumps(bench.measure_pages()))


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


def _child(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tuopin.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"bench step {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "{}"
    return dict(json.loads(last)) if last.startswith("{") else {}


def _temporary_postgres(url: str) -> tuple[str, Any]:
    import psycopg

    name = f"tuopin_bench_{secrets.token_hex(4)}"
    base, _slash, _db = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop
