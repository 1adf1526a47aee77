from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.accounts.models import User
from tuopin.core.commands import TuopinCommand, add_json_flag
from tuopin.medwaste.compliance import Compliance, ComplianceRefused, capacity, compliance, local_zone
from tuopin.medwaste.models import Facility, TransferPoint
from tuopin.medwaste.services import LinkInvalid, place_member_link


class Command(TuopinCommand):
    help = (
        "Medical waste: `tuopin medwaste compliance --from D --to D [--area CODE] [--as-of T] [--json]`, "
        "`tuopin medwaste capacity [--area CODE] [--json]`, "
        "`tuopin medwaste link --username U (--point CODE | --facility CODE) [--json]`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        check = sub.add_parser(
            "compliance", help="the two-day rules, FIFO overstays, imbalances and coverage"
        )
        check.add_argument("--from", dest="start", required=True, help="the period's first day, YYYY-MM-DD")
        check.add_argument("--to", dest="end", required=True, help="the period's last day, YYYY-MM-DD")
        check.add_argument("--area", default="", help="an area code: places at or below it")
        check.add_argument("--as-of", default="", help="judge up to this local time (YYYY-MM-DD[THH:MM])")
        add_json_flag(check)
        capacity = sub.add_parser(
            "capacity", help="each city's disposal capacity against its expected generation"
        )
        capacity.add_argument("--area", default="", help="an area code: the cities at, below or holding it")
        add_json_flag(capacity)
        link = sub.add_parser(
            "link", help="link a keeper to its transfer point or a facility's user to its facility"
        )
        link.add_argument("--username", required=True)
        place = link.add_mutually_exclusive_group(required=True)
        place.add_argument("--point", default="", help="a transfer point's code (a user of role keeper)")
        place.add_argument("--facility", default="", help="a facility's code (a user of role facility)")
        add_json_flag(link)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "link":
            self._link(options)
            return
        if options["what"] == "capacity":
            try:
                cities = [gap.as_dict() for gap in capacity(area=options["area"])]
            except ComplianceRefused as error:
                raise CommandError(str(error)) from error
            lines = [
                f"{c['city']} {c['name']}: expected {c['expected_tonnes_per_day']} t/d, capacity "
                f"{c['capacity_tonnes_per_day']} t/d, gap {c['gap_tonnes_per_day']} t/d"
                for c in cities
            ]
            self.emit(options, {"cities": cities}, "\n".join(lines) or "no city")
            return
        try:
            start, end = date.fromisoformat(options["start"]), date.fromisoformat(options["end"])
            as_of = _moment(options["as_of"]) if options["as_of"] else None
        except ValueError as error:
            raise CommandError(f"not a date: {error}") from error
        result = self._run(start, end, options["area"], as_of)
        self.emit(options, result.as_dict(), _summary(result))

    def _link(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']}")
        point = TransferPoint.objects.filter(code=options["point"]).first() if options["point"] else None
        facility = Facility.objects.filter(code=options["facility"]).first() if options["facility"] else None
        if point is None and facility is None:
            raise CommandError(f"no transfer point or facility {options['point'] or options['facility']}")
        try:
            place_member_link(actor=None, user=user, point=point, facility=facility)
        except LinkInvalid as error:
            raise CommandError(str(error)) from error
        code = point.code if point is not None else facility.code  # type: ignore[union-attr]
        kind = "point" if point is not None else "facility"
        self.emit(options, {"username": user.username, kind: code}, f"{user.username} acts for {kind} {code}")

    def _run(self, start: date, end: date, area: str, as_of: datetime | None) -> Compliance:
        try:
            return compliance(start, end, area=area, as_of=as_of)
        except ComplianceRefused as error:
            raise CommandError(str(error)) from error


def _moment(text: str) -> datetime:
    """A local time (a bare date is its midnight); a time with an offset keeps it."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=local_zone())


def _summary(result: Compliance) -> str:
    data = result.as_dict()
    lines = [
        f"{result.period_start} – {result.period_end} {result.area or 'all areas'} (judged to {result.end.isoformat()})",
        f"  late collections {data['late_collections']}, late removals {data['late_removals']}, "
        f"overstays {data['overstays']}, imbalances {data['imbalances']}",
        f"  townships without a point {data['townships_without_point']}, "
        f"facilities unattached {data['facilities_unattached']}",
    ]
    for item in result.items:
        hours = "" if item.hours is None else f" {item.hours} h"
        kg = "" if item.kg is None else f" {item.kg} kg"
        category = f" {item.category}" if item.category else ""
        lines.append(
            f"  {item.rule:<20} {item.place:<12}{category} {item.start:%Y-%m-%d %H:%M} → "
            f"{item.stop:%Y-%m-%d %H:%M}{hours}{kg}"
        )
    return "\n".join(lines)
