from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.accounts.models import User
from tuopin.accounts.roles import Capability
from tuopin.core.commands import TuopinCommand, add_json_flag, progress_bar
from tuopin.core.uploads import UploadRejected
from tuopin.feeds.services import feed_import
from tuopin.feeds.sources import SOURCES


class Command(TuopinCommand):
    help = "Other departments' data: `tuopin feeds import --source medical FILE.csv [--period 2024-03]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, parser_class=type(parser))
        load = sub.add_parser(
            "import", help="check every row of a CSV or xlsx file and store the accepted rows"
        )
        load.add_argument("--source", required=True, choices=sorted(SOURCES))
        load.add_argument("file", type=Path)
        load.add_argument("--period", default="", help="the month the data belongs to, YYYY-MM")
        load.add_argument(
            "--accept-valid",
            action="store_true",
            help="store the valid rows of a file with problems (the others are reported)",
        )
        load.add_argument("--username", default="", help="import as this user (recorded with the batch)")
        add_json_flag(load)
        bench = sub.add_parser(
            "bench", help="time the import of a synthetic medical CSV on a throwaway data directory"
        )
        bench.add_argument("--rows", type=int, default=1_000_000, help="settlement rows in the CSV")
        bench.add_argument("--json", action="store_true", help="(the output is always JSON)")
        bench.add_argument("--step", choices=["measure"], help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "bench":
            self._bench(options)
            return
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        actor = None
        if options["username"]:
            actor = User.objects.filter(username=options["username"], is_active=True).first()
            if actor is None or not actor.can(Capability.WRITE):
                raise CommandError(f"no active user {options['username']} who may write")
        try:
            with progress_bar(f"feeds {options['source']}", enabled=not options["json"]) as advance:
                report = feed_import(
                    actor=actor,
                    source=options["source"],
                    path=path,
                    period=options["period"],
                    accept_valid=options["accept_valid"],
                    progress=lambda done, total, phase: advance(done, total),
                )
        except (UploadRejected, ValueError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            for problem in report.errors:
                self.stdout.write(
                    f"row {problem.row} [{problem.column}] “{problem.value}”: {problem.message}"
                )
            if report.problem_count > len(report.errors):
                self.stdout.write(f"… {report.problem_count - len(report.errors)} more problem(s)")
            state = (
                "duplicate of an earlier batch, nothing done"
                if report.duplicate
                else ("nothing imported" if report.failed else f"batch {report.batch}")
            )
            self.stdout.write(
                f"{report.source}: {report.rows} rows, {report.accepted} accepted, "
                f"{report.rejected} rejected; {state}"
            )
        if report.failed:
            raise CommandError(f"{report.problem_count} problem(s), nothing imported")

    def _bench(self, options: dict[str, Any]) -> None:
        from tuopin.feeds.bench import measure_import

        if options["step"] == "measure":
            self.stdout.write(json.dumps(measure_import(options["rows"])))
            return
        workdir = Path(tempfile.mkdtemp(prefix="tuopin-bench-"))
        env = {**os.environ, "TUOPIN_DATA_DIR": str(workdir)}
        env.pop("DATABASE_URL", None)  # end to end on the embedded database
        try:
            for args in (["init"], ["feeds", "bench", "--step", "measure", "--rows", str(options["rows"])]):
                done = subprocess.run(  # noqa: S603
                    [sys.executable, "-m", "tuopin.cli", *args],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    raise CommandError(f"bench step {' '.join(args)} failed:\n{done.stderr[-3000:]}")
            self.stdout.write(done.stdout.strip().splitlines()[-1])
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
