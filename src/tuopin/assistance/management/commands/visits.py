from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.accounts.models import User
from tuopin.assistance import periods
from tuopin.assistance.selectors import compliance_for
from tuopin.core.commands import TuopinCommand, add_json_flag


class Command(TuopinCommand):
    help = (
        "Visits: `tuopin visits compliance --period P [--username U] [--area CODE] [--as-of DATE] [--json]`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        check = sub.add_parser("compliance", help="judge every duty once per duty period inside the period")
        check.add_argument("--period", required=True, help="2019, 2019H2, 2019Q3, 2019-07 or 2019W27")
        check.add_argument("--username", default="", help="only the duties this user sees")
        check.add_argument("--area", default="", help="an area code: duties at or below it")
        check.add_argument("--as-of", default="", help="judge periods ended before this day (default today)")
        add_json_flag(check)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = periods.parse(options["period"])
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else None
        except ValueError as error:
            raise CommandError(str(error)) from error
        viewer: User | None = None  # without --username: every duty, as the operator sees them
        if options["username"]:
            viewer = User.objects.filter(username=options["username"], is_active=True).first()
            if viewer is None:
                raise CommandError(f"no active user {options['username']}")
        report = compliance_for(viewer, period, as_of=as_of, within=options["area"])
        lines = [f"{report.period}: {report.met} of {report.duties} duty periods met"]
        lines += [
            f"  {m['period']:<8} {m['who']:<12} {m['target']:<20} {m['done']}/{m['required']}"
            for m in report.missed
        ]
        self.emit(options, report.as_dict(), "\n".join(lines))
