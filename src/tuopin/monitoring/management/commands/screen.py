from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.assessment.engine import EngineUnavailable
from tuopin.core.commands import TuopinCommand, add_json_flag
from tuopin.monitoring.services import screening_run


class Command(TuopinCommand):
    help = (
        "Screen the registry and the department feeds for households at risk of falling back into poverty; "
        "new alerts get their deadlines, alerts already open are updated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", default="", help="the screening date YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--engine",
            choices=["duckdb", "spark"],
            default="duckdb",
            help="duckdb (default) or spark (the extra tuopin[spark]) over the snapshot and feeds",
        )
        add_json_flag(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else None
        except ValueError as error:
            raise CommandError(f"--as-of: {error}") from error
        try:
            run, result = screening_run(actor=None, as_of=as_of, engine=options["engine"])
        except EngineUnavailable as error:
            raise CommandError(str(error)) from error
        data = result.as_dict()
        lines = [
            f"screening #{run.pk} as of {data['as_of']}: {result.new} new alerts, {result.repeat} repeated"
        ]
        lines += [f"  {rule:<13} {n}" for rule, n in result.by_rule.items() if n]
        for province, rules in result.skipped.items():
            lines.append(f"  not run in {province} (policy value missing): {', '.join(rules)}")
        self.emit(options, data, "\n".join(lines))
