from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from tuopin.accounts.models import User
from tuopin.core.commands import TuopinCommand, add_json_flag
from tuopin.supervision.models import Status
from tuopin.supervision.selectors import items_for, overdue_report, status_label


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"not a date (YYYY-MM-DD): {text}") from error


class Command(TuopinCommand):
    help = (
        "Rectification ledger: `tuopin rectify overdue --as-of DATE [--area CODE] [--username U] [--json]`, "
        "`tuopin rectify list [--area CODE] [--status S] [--username U] [--json]`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        overdue = sub.add_parser("overdue", help="items past their deadline and not closed (已销号)")
        overdue.add_argument("--as-of", default="", help="the date to judge at (YYYY-MM-DD; default today)")
        listing = sub.add_parser("list", help="items with their state and deadline")
        listing.add_argument("--status", default="", choices=["", *Status.values])
        for command in (overdue, listing):
            command.add_argument("--area", default="", help="an area code: items at or below it")
            command.add_argument("--username", default="", help="only what this user's scope holds")
            add_json_flag(command)

    def handle(self, *args: Any, **options: Any) -> None:
        viewer: User | None = None  # without --username: the whole ledger, as the operator sees it
        if options["username"]:
            viewer = User.objects.filter(username=options["username"], is_active=True).first()
            if viewer is None:
                raise CommandError(f"no active user {options['username']}")
        if options["area"] and not options["area"].isdigit():
            raise CommandError(f"not an area code: {options['area']}")
        if options["what"] == "overdue":
            self._overdue(viewer, options)
        else:
            self._list(viewer, options)

    def _overdue(self, viewer: User | None, options: dict[str, Any]) -> None:
        as_of = _date(options["as_of"]) if options["as_of"] else timezone.localdate()
        report = overdue_report(viewer, as_of=as_of, within=options["area"])
        lines = [
            f"{r['deadline']}  {r['days_overdue']:>4}d  {r['number']:<20} {r['area']}  {r['status']}"
            for r in report["items"]
        ]
        self.emit(options, report, "\n".join(lines) or "no overdue items")

    def _list(self, viewer: User | None, options: dict[str, Any]) -> None:
        items = items_for(viewer, within=options["area"], status=options["status"]).order_by("number")
        rows = [
            {
                "number": i.number,
                "area": i.area_id,
                "source": i.source,
                "category": i.category,
                "deadline": i.deadline.isoformat(),
                "status": status_label(i.status),
            }
            for i in items
        ]
        lines = [f"{r['number']:<20} {r['area']}  {r['deadline']}  {r['status']}" for r in rows]
        self.emit(options, {"items": rows}, "\n".join(lines) or "no items")
