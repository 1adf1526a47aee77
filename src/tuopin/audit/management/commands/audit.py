from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.audit.services import audit_verify
from tuopin.core.commands import TuopinCommand, add_json_flag


class Command(TuopinCommand):
    help = "The audit log: verify that its hash chain is intact."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        verify = sub.add_parser("verify", help="recompute the hash chain; exit 1 naming the first broken row")
        add_json_flag(verify)

    def handle(self, *args: Any, **options: Any) -> None:
        checked, breaks = audit_verify()
        data = {
            "checked": checked,
            "intact": not breaks,
            "breaks": [{"seq": b.seq, "row_id": b.row_id, "message": b.message} for b in breaks],
        }
        if breaks:
            if options["json"]:
                self.emit(options, data, "")
            first = breaks[0]
            raise CommandError(
                f"audit chain broken at row #{first.seq} (id {first.row_id}): {first.message}"
                + (f"; {len(breaks) - 1} more break(s)" if len(breaks) > 1 else "")
            )
        self.emit(options, data, f"audit chain intact: {checked} rows")
