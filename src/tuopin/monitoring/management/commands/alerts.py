from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.accounts.models import User
from tuopin.core.commands import TuopinCommand, add_json_flag
from tuopin.monitoring.selectors import AlertFilter, alerts_for, due


class Command(TuopinCommand):
    help = (
        "Alerts of return-to-poverty monitoring: `tuopin alerts list [--area CODE] [--username U] [--json]`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        listing = sub.add_parser("list", help="open alerts with their evidence and next deadline")
        listing.add_argument("--area", default="", help="an area code: alerts at or below it")
        listing.add_argument("--username", default="", help="only what this user's scope holds")
        listing.add_argument("--all", action="store_true", help="closed alerts too")
        add_json_flag(listing)

    def handle(self, *args: Any, **options: Any) -> None:
        viewer: User | None = None  # without --username: the whole registry, as the operator sees it
        if options["username"]:
            viewer = User.objects.filter(username=options["username"], is_active=True).first()
            if viewer is None:
                raise CommandError(f"no active user {options['username']}")
        filters = AlertFilter(area=options["area"], status="" if options["all"] else "open")
        alerts = alerts_for(viewer, filters).order_by("first_check_due", "id")
        data = [
            {
                "household": a.household.number if a.household else None,
                "person": a.person_masked or None,
                "area": a.area_id,
                "rule": a.rule,
                "evidence": a.evidence,
                "status": a.status,
                "due": (d.isoformat() if (d := due(a)) else None),
            }
            for a in alerts
        ]
        lines = [
            f"{row['due'] or '-':<10}  {row['rule']:<13} {row['household'] or row['person']:<20} "
            f"{row['area']}  {row['status']}"
            for row in data
        ]
        self.emit(options, data, "\n".join(lines) or "no alerts")
