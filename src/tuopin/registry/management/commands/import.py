from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.core.commands import TuopinCommand, add_json_flag
from tuopin.core.excel import Problem
from tuopin.core.uploads import UploadRejected
from tuopin.registry.importers import import_registry


class Command(TuopinCommand):
    help = (
        "Import data from Excel: `tuopin import registry FILE.xlsx` (the official registration workbook), "
        "`tuopin import ledger NAME FILE.xlsx` (a ledger, tuopin.ledgers.framework)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, parser_class=type(parser))
        registry = sub.add_parser("registry", help="households, members and incomes; all rows or none")
        registry.add_argument("file", type=Path)
        registry.add_argument(
            "--dry-run", action="store_true", help="check the file and report, write nothing"
        )
        add_json_flag(registry)
        ledger = sub.add_parser(
            "ledger", help="a ledger (tuopin.ledgers.framework): rectification, duties, visits …"
        )
        ledger.add_argument("name", help="the ledger's name")
        ledger.add_argument("file", type=Path)
        ledger.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")
        ledger.add_argument("--username", help="import as this user (scope and audit); default: the system")
        add_json_flag(ledger)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        if options["what"] == "ledger":
            from tuopin.ledgers.commands import import_ledger

            import_ledger(self, options)
            return
        try:
            result = import_registry(path, dry_run=options["dry_run"])
        except UploadRejected as error:
            raise CommandError(str(error)) from error
        data = result.as_dict()
        if result.ok:
            verb = "checked (dry run)" if options["dry_run"] else "imported"
            self.emit(
                options,
                data,
                f"{verb}: {result.households} households, {result.members} members, "
                f"{result.incomes} incomes; {result.created} created, {result.updated} "
                f"updated, {result.unchanged} unchanged",
            )
            return
        if options["json"]:
            self.emit(options, data, "")
        problems = [Problem(**error) for error in result.errors]
        raise CommandError(f"{len(problems)} problem(s), nothing imported:\n" + "\n".join(map(str, problems)))
