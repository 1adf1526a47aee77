from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.assessment import engine
from tuopin.assessment.engine import ENGINES, EngineUnavailable
from tuopin.assessment.services import assess_areas, assess_household
from tuopin.core.commands import TuopinCommand
from tuopin.registry.models import Household


class Command(TuopinCommand):
    help = (
        "Assess households for exit: `tuopin assess --year Y [--area CODE] [--engine duckdb|db|spark]` for an "
        "area and every area below it, `tuopin assess household NUMBER --year Y` for one household with its "
        "reasons."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", nargs="*", help="`household NUMBER` for one household")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--area", default="", help="an area code (default: the whole registry)")
        parser.add_argument(
            "--engine",
            choices=ENGINES,
            default="duckdb",
            help="duckdb (default) or spark (the extra tuopin[spark]) over the Parquet snapshot, "
            "db on the database of record",
        )
        parser.add_argument(
            "--what-if",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="assess also under this policy value (repeatable) and print both side by side",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        what = options["what"]
        if what:
            if len(what) != 2 or what[0] != "household":
                raise CommandError("usage: tuopin assess household HOUSEHOLD_NUMBER --year Y")
            household = Household.objects.filter(number=what[1], merged_into__isnull=True).first()
            if household is None:
                raise CommandError(f"no such household: {what[1]}")
            decision = assess_household(household, options["year"])
            data = decision.as_dict()
            human = "\n".join(
                [
                    f"{decision.household} {decision.year}: "
                    + ("may exit" if decision.may_exit else "may not exit")
                ]
                + [f"  {'ok ' if r['ok'] else 'NO '} {r['rule']:10} {r['detail']}" for r in decision.reasons]
            )
            self.emit(options, data, human)
            return
        if options["what_if"]:
            self._what_if(options)
            return
        try:
            if options["engine"] == "spark":
                engine.spark_session()  # started (or refused) before the snapshot is written
            result = assess_areas(options["year"], area=options["area"], engine=options["engine"])
        except EngineUnavailable as error:
            raise CommandError(str(error)) from error
        data = result.as_dict()
        counts = data["households"]
        human = (
            f"{result.year} ({result.engine}): {counts['assessed']} households assessed, {counts['may_exit']} may "
            f"exit, {counts['remain_poor']} remain poor; {len(result.areas)} areas"
        )
        self.emit(options, data, human)

    def _what_if(self, options: dict[str, Any]) -> None:
        from django.core.exceptions import ValidationError

        from tuopin.assessment.services import what_if

        values = dict(item.partition("=")[::2] for item in options["what_if"])
        try:
            data = what_if(options["year"], values, area=options["area"])
        except (ValidationError, ValueError) as error:
            raise CommandError(str(error)) from error
        real, other = data["households"]["real"], data["households"]["what_if"]
        human = (
            f"{data['year']}: may exit {real['may_exit']} of {real['assessed']} now, {other['may_exit']} of "
            f"{other['assessed']} under {data['values']}; {data['changed_count']} households change"
        )
        self.emit(options, data, human)
