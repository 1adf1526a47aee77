from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from tuopin.administration.policy_services import policy_set
from tuopin.core.commands import TuopinCommand, add_json_flag
from tuopin.policy.keys import KEYS
from tuopin.policy.selectors import policy_for


class Command(TuopinCommand):
    help = "Policy profiles: show the values in force for a year (and province), set a value with its source."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        show = sub.add_parser("show", help="the values in force in a year, with their sources")
        show.add_argument("--year", type=int, required=True)
        show.add_argument("--province", default="", help="2-digit province code: its overrides come first")
        add_json_flag(show)
        put = sub.add_parser(
            "set", help="set KEY to VALUE from --year on (national, or a province's override)"
        )
        put.add_argument("key", choices=sorted(KEYS), metavar="KEY")
        put.add_argument("value", metavar="VALUE")
        put.add_argument("--year", type=int, required=True)
        put.add_argument("--province", default="")
        put.add_argument("--source", required=True, help="the document, number or page the value comes from")
        put.add_argument("--note", default="")
        add_json_flag(put)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "show":
            profile = policy_for(options["year"], options["province"])
            data = {
                "year": profile.year,
                "province": profile.province or None,
                "values": {key: s.as_dict() for key, s in sorted(profile.items())},
            }
            human = "\n".join(
                f"{key:28} {s.value:>10}  ({s.province or 'national'} {s.since})  {s.source}"
                for key, s in sorted(profile.items())
            )
            self.emit(options, data, human)
            return
        try:
            row = policy_set(
                actor=None,
                key=options["key"],
                year=options["year"],
                value=options["value"],
                source=options["source"],
                province=options["province"],
                note=options["note"],
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items())
            ) from error
        data = {
            "key": row.key,
            "year": row.year,
            "province": row.province or None,
            "value": row.value,
            "version": row.version,
        }
        self.emit(options, data, f"{row.key} = {row.value} from {row.year} ({row.province or 'national'})")
