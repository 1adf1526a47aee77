from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from tuopin.accounts.models import User
from tuopin.assistance.models import HelpingUnit, UnitKind
from tuopin.assistance.services import unit_create, unit_member_link
from tuopin.core.commands import TuopinCommand, add_json_flag


class Command(TuopinCommand):
    help = "Helping units: `tuopin units list|add|link` (a unit user sees exactly the rows of the units it is linked to)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        listing = sub.add_parser("list", help="the helping units with their working groups and linked users")
        add_json_flag(listing)
        add = sub.add_parser("add", help="register a helping unit")
        add.add_argument("--name", required=True)
        add.add_argument("--kind", required=True, choices=UnitKind.values)
        add.add_argument("--parent", default="", help="the name of the unit above it (a ministry)")
        add.add_argument("--area", default="", help="the area code it sits in (a helping county)")
        add_json_flag(add)
        link = sub.add_parser("link", help="link a user of role unit to the unit it acts for")
        link.add_argument("--username", required=True)
        link.add_argument("--unit", required=True, help="the unit's name")
        add_json_flag(link)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['what']}")(options)
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from error

    def _list(self, options: dict[str, Any]) -> None:
        units = (
            HelpingUnit.objects.select_related("parent", "group")
            .prefetch_related("members__user")
            .order_by("name")
        )
        data: list[dict[str, Any]] = [
            {
                "name": u.name,
                "kind": u.kind,
                "parent": u.parent.name if u.parent else None,
                "group": u.group.name if u.group else None,
                "area": u.area_id,
                "users": sorted(m.user.username for m in u.members.all()),
            }
            for u in units
        ]
        self.emit(
            options, data, "\n".join(f"{d['name']:<24} {d['kind']:<10} {', '.join(d['users'])}" for d in data)
        )

    def _add(self, options: dict[str, Any]) -> None:
        parent = HelpingUnit.objects.filter(name=options["parent"]).first() if options["parent"] else None
        if options["parent"] and parent is None:
            raise CommandError(f"no unit {options['parent']}")
        unit = unit_create(
            actor=None, name=options["name"], kind=options["kind"], parent=parent, area_code=options["area"]
        )
        self.emit(options, {"name": unit.name, "id": unit.pk}, f"unit {unit.name} added")

    def _link(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        unit = HelpingUnit.objects.filter(name=options["unit"]).first()
        if user is None or unit is None:
            raise CommandError("no such active user or unit")
        unit_member_link(actor=None, user=user, unit=unit)
        self.emit(
            options, {"username": user.username, "unit": unit.name}, f"{user.username} acts for {unit.name}"
        )
