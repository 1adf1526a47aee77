from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.accounts.models import User
from tuopin.accounts.roles import Capability
from tuopin.audit.services import audit_record
from tuopin.core.commands import TuopinCommand, add_json_flag
from tuopin.registry.exporters import registry_rows, write_workbook
from tuopin.registry.selectors import households_for


class Command(TuopinCommand):
    help = "Export to Excel: the empty registration template, or the registry of an area in the same shape."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, parser_class=type(parser))
        template = sub.add_parser("template", help="the empty workbook with drop-down lists")
        template.add_argument(
            "--feed", help="the template of a department feed (tuopin.feeds.sources) instead"
        )
        template.add_argument("--ledger", help="the template of a ledger (tuopin.ledgers.framework) instead")
        template.add_argument("-o", "--output", type=Path, required=True)
        ledger = sub.add_parser("ledger", help="the rows of a ledger the user may see")
        ledger.add_argument("name", help="the ledger's name")
        ledger.add_argument("output", type=Path, help="the .xlsx file to write")
        ledger.add_argument("--username", required=True, help="export as this user (scope)")
        ledger.add_argument("--reason", required=True, help="why the export is needed (audited)")
        add_json_flag(ledger)
        registry = sub.add_parser("registry", help="households, members and incomes of an area")
        registry.add_argument("--area", required=True, help="area code; everything below it is exported")
        registry.add_argument("--username", required=True, help="export as this user (scope and permissions)")
        registry.add_argument(
            "--reveal", action="store_true", help="full ID numbers and phones (needs permission)"
        )
        registry.add_argument("--reason", default="", help="why the export is needed (required, audited)")
        registry.add_argument("-o", "--output", type=Path, required=True)
        add_json_flag(registry)

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        if options["what"] == "ledger" or (options["what"] == "template" and options["ledger"]):
            from tuopin.ledgers.commands import export_ledger

            export_ledger(self, options)
            return
        if options["what"] == "template" and options["feed"]:
            from tuopin.feeds.sources import SOURCES
            from tuopin.feeds.workbook import write_template

            if options["feed"] not in SOURCES:
                raise CommandError(f"no feed {options['feed']}; one of {', '.join(SOURCES)}")
            write_template(options["feed"], output)
            self.stdout.write(f"template written to {output}")
            return
        if options["what"] == "template":
            write_workbook(output)
            self.stdout.write(f"template written to {output}")
            return
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']}")
        if not options["reason"].strip():
            raise CommandError("an export of personal data needs --reason (it is audited)")
        if options["reveal"] and not user.can(Capability.REVEAL):
            raise CommandError(f"{user.username} may not export full ID numbers")
        households = households_for(user, within=options["area"])
        written = write_workbook(output, registry_rows(households, reveal=options["reveal"]))
        audit_record(
            action="registry.export",
            actor=user,
            object_type="area",
            object_id=options["area"],
            details={"reason": options["reason"], "reveal": options["reveal"], "rows": written},
        )
        self.emit(options, {"file": str(output), "rows": written}, f"exported {written} to {output}")
